/**
 * A second implementation written from docs/credential-spec.md alone, run on the committed vectors:
 * node:crypto's HKDF, noble's Edwards points with SHA-512 for RFC 8032 (none of signing.ts, none of
 * libsodium), OpenSSL's Ed25519 through node:crypto as a third opinion on the honest signature, and a
 * Merkle tree hash written from RFC 9162. It accepts what the reference accepts and refuses the rest.
 */
import { createPublicKey, hkdfSync, verify as opensslVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import type { CredentialVectors } from "./vectors.js";

const v = JSON.parse(
  readFileSync(new URL("../../vectors/credentials.json", import.meta.url), "utf8"),
) as CredentialVectors;
const Point = ed25519.Point;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const le = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
const ascii = (s: string) => new TextEncoder().encode(s);
const u32 = (x: number) => Uint8Array.of(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);

// §2: reading a code.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
function readCode(text: string): string | null {
  const s = text.replaceAll("-", "").replaceAll(" ", "").toUpperCase().replace(/[IL]/g, "1").replace(/O/g, "0");
  if (s.length !== 20 || [...s].some((c) => !ALPHABET.includes(c))) return null;
  const values = [...s].map((c) => ALPHABET.indexOf(c));
  let sum = 0;
  // Luhn mod 32 over all 20 values: the check symbol at the right, every second value from it doubled.
  values.reverse().forEach((d, i) => {
    const x = i % 2 === 1 ? d * 2 : d;
    sum += Math.floor(x / 32) + (x % 32);
  });
  return sum % 32 === 0 ? s.slice(0, 19) : null;
}

// §1 and §3: the context and the seed.
function context(c: { chainId: string; registry: string; electionId: string }): Uint8Array {
  const chain = hexToBytes(BigInt(c.chainId).toString(16).padStart(16, "0"));
  return concatBytes(
    chain,
    hexToBytes(c.registry.slice(2)),
    hexToBytes(BigInt(c.electionId).toString(16).padStart(64, "0")),
  );
}
const seedOf = (canonical: string, ctx: Uint8Array) =>
  new Uint8Array(hkdfSync("sha256", ascii(canonical), ascii("veritally/credential/v1/seed"), ctx, 32));

// RFC 8032 §5.1.5: the public key of a seed.
function publicKeyOf(seed: Uint8Array): Uint8Array {
  const h = sha512(seed);
  const a = h.slice(0, 32);
  a[0] = (a[0] ?? 0) & 248;
  a[31] = ((a[31] ?? 0) & 127) | 64;
  return Point.BASE.multiply(le(a) % L).toBytes();
}

// §4: a point is acceptable if its y is canonical, it decodes, is not of small order and has order L.
function primeOrderPoint(bytes: Uint8Array): InstanceType<typeof Point> | null {
  if (bytes.length !== 32) return null;
  const y = le(bytes) & ((1n << 255n) - 1n);
  if (y >= P) return null;
  try {
    const p = Point.fromBytes(bytes);
    // [L]P = identity, as [L-1]P + P (noble's multiplication takes scalars below L).
    if (
      p.is0() ||
      !p
        .multiplyUnsafe(L - 1n)
        .add(p)
        .is0()
    )
      return null;
    return p;
  } catch {
    return null;
  }
}

// §5: the message and the verification of a credential-carrying ballot.
function message(ctx: Uint8Array, body: Uint8Array): Uint8Array {
  const tag = ascii("veritally/credential/v1/ballot");
  return concatBytes(u32(tag.length), tag, ctx, u32(body.length), body);
}
function verifyBallot(ctx: Uint8Array, bytes: Uint8Array, choices: number): boolean {
  const n = bytes[1] ?? 0;
  const plain = 67 + 160 * n;
  if (bytes[0] !== 1 || n !== choices || bytes.length !== plain + 96 || bytes[plain - 1] !== 1) return false;
  const body = bytes.subarray(0, plain);
  const A = primeOrderPoint(bytes.subarray(plain, plain + 32));
  const rBytes = bytes.subarray(plain + 32, plain + 64);
  const R = primeOrderPoint(rBytes);
  const S = le(bytes.subarray(plain + 64));
  if (!A || !R || S >= L) return false;
  const k = le(sha512(concatBytes(rBytes, A.toBytes(), message(ctx, body)))) % L;
  // Cofactorless: [S]B = R + [k]A, compared as encodings.
  const lhs = S === 0n ? Point.ZERO : Point.BASE.multiply(S);
  return bytesToHex(lhs.toBytes()) === bytesToHex(R.add(A.multiplyUnsafe(k)).toBytes());
}

// §6: RFC 9162's tree hash with keccak256.
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return keccak_256(concatBytes(Uint8Array.of(0), leaves[0] as Uint8Array));
  let k = 1;
  while (k < leaves.length) k <<= 1;
  k >>= 1;
  return keccak_256(concatBytes(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k))));
}

describe("an independent verifier from docs/credential-spec.md", () => {
  const ctx = context(v.context);

  it("derives the vectors' context, seeds and keys, and reads every typing of a code", () => {
    expect(bytesToHex(ctx)).toBe(v.context.contextBytes);
    for (const c of v.codes) {
      for (const t of [c.code, ...c.typed]) expect(readCode(t)).toBe(c.canonical);
      expect(bytesToHex(seedOf(c.canonical, ctx))).toBe(c.seed);
      expect(bytesToHex(publicKeyOf(hexToBytes(c.seed)))).toBe(c.publicKey);
    }
    for (const b of v.badCodes) expect(readCode(b.text), b.text).toBeNull();
    for (const k of v.badPublicKeys) expect(primeOrderPoint(hexToBytes(k.publicKey)), k.why).toBeNull();
  });

  it("accepts the signed ballot (OpenSSL agrees) and refuses every bad one", () => {
    const b = v.ballot;
    expect(b.body).toBe(`${b.plain.slice(0, -2)}01`);
    expect(bytesToHex(message(ctx, hexToBytes(b.body)))).toBe(b.message);
    expect(b.credentialed).toBe(b.body + b.publicKey + b.signature);
    expect(verifyBallot(ctx, hexToBytes(b.credentialed), b.choices)).toBe(true);
    const key = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(b.publicKey, "hex").toString("base64url") },
      format: "jwk",
    });
    expect(opensslVerify(null, Buffer.from(b.message, "hex"), key, Buffer.from(b.signature, "hex"))).toBe(true);
    for (const bad of v.badBallots) {
      const c = bad.context ? context({ ...v.context, ...bad.context }) : ctx;
      expect(verifyBallot(c, hexToBytes(bad.ballot), b.choices), bad.name).toBe(false);
    }
  });

  it("computes every root and checks every inclusion proof", () => {
    for (const m of v.merkle) {
      const credentials = m.credentials.map(hexToBytes);
      for (const [n, root] of m.roots.entries()) expect(bytesToHex(mth(credentials.slice(0, n + 1)))).toBe(root);
      for (const { index, proof } of m.proofs) {
        // Recompute the root from the leaf and the path (RFC 9162 §2.1.3.2).
        let fn = index;
        let sn = credentials.length - 1;
        let r = keccak_256(concatBytes(Uint8Array.of(0), credentials[index] as Uint8Array));
        for (const p of proof.map(hexToBytes)) {
          if (fn % 2 === 1 || fn === sn) {
            r = keccak_256(concatBytes(Uint8Array.of(1), p, r));
            while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
          } else r = keccak_256(concatBytes(Uint8Array.of(1), r, p));
          [fn, sn] = [fn >> 1, sn >> 1];
        }
        expect(sn).toBe(0);
        expect(bytesToHex(r)).toBe(m.roots[credentials.length - 1]);
      }
    }
  });
});
