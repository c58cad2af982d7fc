/**
 * Per-operation costs of the candidate arithmetics for ristretto255 (bench/crypto.ts reports them): @noble/curves
 * (constant-time and variable-time multiplication, a W=8 table for a fixed election key, double-scalar and
 * multi-scalar multiplication) and libsodium.js as used here. Public, non-secret inputs only.
 */
import { interleavedMSMUnsafe, mulAddUnsafe, pippenger } from "@noble/curves/abstract/curve.js";
import { ristretto255 } from "@noble/curves/ed25519.js";
import { randomScalar } from "./group.js";
import { loadSodiumOps } from "./sodium.js";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Median microseconds of f over n calls after a short warm-up. */
function perCallUs(n: number, f: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(n, 10); i++) f(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    f(i);
    times.push((performance.now() - t) * 1000);
  }
  return Math.round(median(times) * 10) / 10;
}

export async function measureArithmeticCosts(scale = 1) {
  const count = (n: number): number => Math.max(3, Math.round(n * scale));
  const P = ristretto255.Point;
  const ks = Array.from({ length: 32 }, () => randomScalar());
  const pts = ks.map((k) => P.BASE.multiply(k));
  const encs = pts.map((p) => p.toBytes());
  const h = P.fromBytes(encs[0] ?? new Uint8Array(32));
  const tableStart = performance.now();
  h.precompute(8, false);
  const hTableMs = performance.now() - tableStart;
  const fixed = interleavedMSMUnsafe(P, [P.BASE, h], 8);
  const at = <X>(xs: readonly X[], i: number): X => xs[i % xs.length] as X;
  const n = count(100);
  const noble = {
    mulBase: perCallUs(n, (i) => P.BASE.multiply(at(ks, i))),
    mulBaseUnsafe: perCallUs(n, (i) => P.BASE.multiplyUnsafe(at(ks, i))),
    mul: perCallUs(n, (i) => at(pts, i + 1).multiply(at(ks, i))),
    mulUnsafe: perCallUs(n, (i) => at(pts, i + 1).multiplyUnsafe(at(ks, i))),
    mulElectionKeyTableW8: perCallUs(n, (i) => h.multiply(at(ks, i))),
    electionKeyTableW8BuildMs: Math.round(hTableMs * 10) / 10,
    doubleScalarMulAddUnsafe: perCallUs(n, (i) =>
      mulAddUnsafe(P, [P.BASE, at(pts, i + 1)], [at(ks, i), at(ks, i + 2)]),
    ),
    gAndHInterleavedW8: perCallUs(n, (i) => fixed([at(ks, i), at(ks, i + 1)])),
    pippengerPerPoint32: Math.round(perCallUs(count(5), () => pippenger(P, pts, ks)) / pts.length),
    add: perCallUs(count(2000), (i) => at(pts, i).add(at(pts, i + 1))),
    encode: perCallUs(count(500), (i) => at(pts, i).toBytes()),
    decode: perCallUs(count(500), (i) => P.fromBytes(at(encs, i))),
  };
  const s = await loadSodiumOps();
  const sp = encs;
  const libsodium = {
    mulBase: perCallUs(count(500), (i) => s.mulBase(at(ks, i))),
    mul: perCallUs(count(500), (i) => s.mul(at(sp, i + 1), at(ks, i))),
    add: perCallUs(count(2000), (i) => s.add(at(sp, i), at(sp, i + 1))),
    decodeCheck: perCallUs(count(2000), (i) => s.decode(at(sp, i))),
  };
  return { unit: "microseconds per call (median)", noble, libsodium };
}
