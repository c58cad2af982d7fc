/**
 * An independent check of docs/trustee-spec.md: a second verifier written from the specification alone, on the
 * libraries directly (none of this package's code), run on crypto/vectors/trustee.json. If the specification
 * left out an input or an order, this verifier and the package would disagree.
 */
import { readFileSync } from "node:fs";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ristretto255 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";

type P = InstanceType<typeof ristretto255.Point>;
const Pt = ristretto255.Point;
const L = Pt.Fn.ORDER;
const g = Pt.BASE;
const md = (a: bigint) => ((a % L) + L) % L;
const le = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
const sc = (h: string) => {
  const v = le(hexToBytes(h));
  if (v >= L) throw new Error("non-canonical scalar");
  return v;
};
const pt = (h: string): P => Pt.fromHex(h);
const enc = (p: P) => p.toBytes();
const exp = (p: P, s: bigint) => (md(s) === 0n ? Pt.ZERO : p.multiply(md(s)));
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const u64 = (n: bigint) => Uint8Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(56 - 8 * i)) & 255n));
function Hb(tag: string, parts: Uint8Array[]): Uint8Array {
  const t = new TextEncoder().encode(tag);
  const all = [u32(t.length), t, ...parts.flatMap((p) => [u32(p.length), p])];
  const buf = new Uint8Array(all.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of all) {
    buf.set(x, o);
    o += x.length;
  }
  return sha512(buf);
}
const H = (tag: string, parts: Uint8Array[]) => le(Hb(tag, parts)) % L;

// biome-ignore lint/suspicious/noExplicitAny: the vectors file is read as untyped JSON on purpose (independent reader)
const V: any = JSON.parse(readFileSync(new URL("../../vectors/trustee.json", import.meta.url), "utf8"));
const C = V.context;
const n: number = C.trustees;
const k: number = C.threshold;
const ctx = [
  u64(BigInt(C.chainId)),
  hexToBytes(C.registry.slice(2)),
  hexToBytes(C.electionId.slice(2)),
  u32(n),
  u32(k),
];

// biome-ignore lint/suspicious/noExplicitAny: see above
function trusteeOk(t: any): boolean {
  for (let j = 0; j < k; j++) {
    const K = pt(t.commitments[j]);
    const { c, z } = t.proofs[j];
    const h = exp(g, sc(z)).subtract(exp(K, sc(c)));
    if (K.is0() || H("veritally/trustee/v1/coefficient", [...ctx, u32(t.index), u32(j), enc(K), enc(h)]) !== sc(c))
      return false;
  }
  const kappa = pt(t.communicationKey);
  const h = exp(g, sc(t.communicationProof.z)).subtract(exp(kappa, sc(t.communicationProof.c)));
  return (
    H("veritally/trustee/v1/communication-key", [...ctx, u32(t.index), enc(kappa), enc(h)]) ===
    sc(t.communicationProof.c)
  );
}

/** (a mod L)^(L-2): the inverse mod the prime L. */
function inverse(a: bigint): bigint {
  let [r, b, e] = [1n, md(a), L - 2n];
  for (; e > 0n; e >>= 1n, b = (b * b) % L) if (e & 1n) r = (r * b) % L;
  return r;
}

const commitAt = (Ks: P[], x: number) => Ks.reduce((acc, K, j) => acc.add(exp(K, md(BigInt(x) ** BigInt(j)))), Pt.ZERO);

describe("an independent verifier written from docs/trustee-spec.md accepts the vectors", () => {
  const record = V.files.electionKey;
  const Cs = Array.from({ length: k }, (_, j) =>
    // biome-ignore lint/suspicious/noExplicitAny: see above
    record.trustees.reduce((acc: P, t: any) => acc.add(pt(t.commitments[j])), Pt.ZERO),
  );
  const K = pt(record.jointKey);

  it("ceremony: proofs, joint key, public shares, and every share opens and passes the Feldman check", () => {
    for (const t of record.trustees) expect(trusteeOk(t)).toBe(true);
    expect(Cs[0].equals(K)).toBe(true);
    for (let l = 1; l <= n; l++) {
      const PK = pt(record.publicShares[l - 1]);
      expect(commitAt(Cs, l).equals(PK)).toBe(true);
      const { c, z } = record.shareProofs[l - 1];
      const h = exp(g, sc(z)).subtract(exp(PK, sc(c)));
      expect(H("veritally/trustee/v1/share-knowledge", [...ctx, u32(l), enc(PK), enc(h)])).toBe(sc(c));
    }
    for (const file of V.files.shares) {
      const i = file.sender;
      const Ki = record.trustees[i - 1].commitments.map(pt);
      for (const s of file.shares) {
        const l = s.recipient;
        const R = pt(s.ephemeral);
        const S = exp(R, sc(V.secrets[l - 1].communicationSecret));
        const kappa = pt(record.trustees[l - 1].communicationKey);
        const d = Hb("veritally/trustee/v1/share-key", [...ctx, u32(i), u32(l), enc(kappa), enc(R), enc(S)]);
        const plain = xchacha20poly1305(d.subarray(0, 32), d.subarray(32, 56)).decrypt(hexToBytes(s.ciphertext));
        expect(bytesToHex(plain)).toBe(V.secrets[i - 1].polynomialAt[l - 1]);
        expect(exp(g, sc(bytesToHex(plain))).equals(commitAt(Ki, l))).toBe(true);
      }
    }
    for (let l = 1; l <= n; l++)
      expect(exp(g, sc(V.secrets[l - 1].secretShare)).equals(pt(record.publicShares[l - 1]))).toBe(true);
  });

  // biome-ignore lint/suspicious/noExplicitAny: see above
  function shareOk(d: any, agg: any[]): boolean {
    const X = pt(record.publicShares[d.trustee - 1]);
    // biome-ignore lint/suspicious/noExplicitAny: see above
    return d.choices.every((ch: any, j: number) => {
      const A = pt(agg[j].alpha);
      const M = pt(ch.value);
      const { c, z } = ch.proof;
      const a = exp(g, sc(z)).subtract(exp(X, sc(c)));
      const b = exp(A, sc(z)).subtract(exp(M, sc(c)));
      const parts = [
        ...ctx,
        enc(K),
        u32(d.trustee),
        u32(j),
        enc(pt(agg[j].beta)),
        enc(X),
        enc(A),
        enc(M),
        enc(a),
        enc(b),
      ];
      return H("veritally/trustee/v1/decryption", parts) === sc(c);
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: see above
  function tallyOk(t: any): boolean {
    const S: number[] = t.trustees;
    const w = (l: number) =>
      S.filter((m) => m !== l).reduce((acc, m) => md(acc * BigInt(m) * inverse(BigInt(m - l))), 1n);
    // biome-ignore lint/suspicious/noExplicitAny: see above
    if (!t.shares.every((d: any, x: number) => d.trustee === S[x] && shareOk(d, t.aggregate))) return false;
    let total = 0;
    for (let j = 0; j < t.aggregate.length; j++) {
      // biome-ignore lint/suspicious/noExplicitAny: see above
      const M = t.shares.reduce((acc: P, d: any) => acc.add(exp(pt(d.choices[j].value), w(d.trustee) % L)), Pt.ZERO);
      if (!M.equals(pt(t.combined[j]))) return false;
      if (
        !pt(t.aggregate[j].beta)
          .subtract(M)
          .equals(exp(g, BigInt(t.counts[j])))
      )
        return false;
      total += t.counts[j];
    }
    return S.length === k && total === t.ballotCount;
  }

  it("decryption shares, combination and tally; the negative vectors fail", () => {
    const agg = V.files.tallyInput.aggregate;
    for (const d of V.files.decryptionShares) expect(shareOk(d, agg)).toBe(true);
    expect(tallyOk(V.files.tally)).toBe(true);
    expect(V.files.tally.counts).toEqual([0, 1, 2].map((c) => V.votes.filter((v: number) => v === c).length));
    expect(trusteeOk(V.negative.badProof.trusteePublic)).toBe(false);
    expect(trusteeOk(V.negative.wrongTrustee.trusteePublic)).toBe(false);
    expect(shareOk(V.negative.wrongDecryptionTrustee.decryptionShare, agg)).toBe(false);
    expect(tallyOk(V.negative.tamperedTally.tally)).toBe(false);
    expect(() => sc(V.negative.nonCanonicalScalar.trusteePublic.communicationProof.z)).toThrow(/non-canonical/);
  });
});
