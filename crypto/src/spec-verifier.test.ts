/**
 * An independent verifier written from docs/ballot-spec.md alone (noble's ristretto255 and SHA-512, none of
 * proofs.ts or ballot-codec.ts), run on the committed vectors: the spec says enough to verify a ballot.
 */
import { readFileSync } from "node:fs";
import { ristretto255 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import type { BallotVectors } from "./vectors.js";

const P = ristretto255.Point;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
const md = (x: bigint): bigint => ((x % L) + L) % L;
const u32 = (x: number): Uint8Array => Uint8Array.of(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
const pow = (p: InstanceType<typeof P>, s: bigint) => (md(s) === 0n ? P.ZERO : p.multiply(md(s)));

function specVerify(
  ctx: { chainId: string; registry: string; electionId: string; publicKey: string; choices: number },
  bytes: Uint8Array,
): boolean {
  const n = bytes[1] ?? 0;
  if (bytes[0] !== 1 || n < 1 || n !== ctx.choices || bytes.length !== 67 + 160 * n || bytes[66 + 160 * n] !== 0)
    return false;
  const at = (o: number) => bytes.subarray(o, o + 32);
  const scalar = (o: number) => {
    const s = le(at(o));
    if (s >= L) throw new Error("scalar");
    return s;
  };
  try {
    const alpha = Array.from({ length: n }, (_, i) => P.fromBytes(at(2 + 64 * i)));
    const beta = Array.from({ length: n }, (_, i) => P.fromBytes(at(34 + 64 * i)));
    if (alpha.some((a) => a.is0())) return false;
    const h = P.fromBytes(hexToBytes(ctx.publicKey));
    const g = P.BASE;
    const c = scalar(2 + 64 * n);
    const parts: Uint8Array[] = [
      hexToBytes(BigInt(ctx.chainId).toString(16).padStart(16, "0")),
      hexToBytes(ctx.registry),
      hexToBytes(ctx.electionId),
      h.toBytes(),
      u32(n),
    ];
    for (let i = 0; i < n; i++) {
      const c0 = scalar(34 + 64 * n + 96 * i);
      const z0 = scalar(66 + 64 * n + 96 * i);
      const z1 = scalar(98 + 64 * n + 96 * i);
      const c1 = md(c - c0);
      const a = alpha[i] ?? g;
      const b = beta[i] ?? g;
      const a0 = pow(g, z0).subtract(pow(a, c0));
      const b0 = pow(h, z0).subtract(pow(b, c0));
      const a1 = pow(g, z1).subtract(pow(a, c1));
      const b1 = pow(h, z1).subtract(pow(b.subtract(g), c1));
      parts.push(u32(i), a.toBytes(), b.toBytes(), ...[a0, b0, a1, b1].map((x) => x.toBytes()));
    }
    const A = alpha.reduce((x, y) => x.add(y), P.ZERO);
    const B = beta.reduce((x, y) => x.add(y), P.ZERO).subtract(g);
    const zSum = scalar(34 + 160 * n);
    parts.push(
      A.toBytes(),
      B.toBytes(),
      pow(g, zSum).subtract(pow(A, c)).toBytes(),
      pow(h, zSum).subtract(pow(B, c)).toBytes(),
    );
    const domain = new TextEncoder().encode("veritally/ballot/v1/proof");
    const chunks = [u32(domain.length), domain, ...parts.flatMap((p) => [u32(p.length), p])];
    const input = new Uint8Array(chunks.reduce((s, x) => s + x.length, 0));
    let o = 0;
    for (const x of chunks) {
      input.set(x, o);
      o += x.length;
    }
    return le(sha512(input)) % L === c;
  } catch {
    return false;
  }
}

const vectors = JSON.parse(readFileSync(new URL("../vectors/ballot.json", import.meta.url), "utf8")) as BallotVectors;

describe("a verifier written from the specification", () => {
  it("accepts every positive vector and refuses every negative one", () => {
    for (const v of vectors.positive) expect(specVerify(v.election, hexToBytes(v.encoding)), v.name).toBe(true);
    for (const v of vectors.negative) {
      const base = vectors.positive[v.against];
      if (base === undefined) throw new Error(v.name);
      expect(specVerify(v.contextChange?.election ?? base.election, hexToBytes(v.encoding)), v.name).toBe(false);
    }
    expect(bytesToHex(P.BASE.toBytes())).toBe("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76");
  });
});
