import { ristretto255 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";

/** A ristretto255 group element. */
export type Point = InstanceType<typeof ristretto255.Point>;
export const Point = ristretto255.Point;
/** The prime order L of the ristretto255 group. */
export const L: bigint = ristretto255.Point.Fn.ORDER;
export const G: Point = ristretto255.Point.BASE;
export const IDENTITY: Point = ristretto255.Point.ZERO;

/** Bad bytes where a scalar or point was expected; `field` names which one. */
export class CryptoDecodeError extends Error {
  override readonly name = "CryptoDecodeError";
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

function bytesToBigLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

function bigToBytesLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** 32-byte little-endian encoding of a scalar in [0, L). */
export function encodeScalar(s: bigint): Uint8Array {
  if (s < 0n || s >= L) throw new RangeError("scalar out of range [0, L)");
  return bigToBytesLE(s, 32);
}

/** Decodes a canonical scalar; refuses anything >= L (never reduces). */
export function decodeScalar(bytes: Uint8Array, field: string): bigint {
  if (bytes.length !== 32) throw new CryptoDecodeError(field, `scalar must be 32 bytes, got ${bytes.length}`);
  const s = bytesToBigLE(bytes);
  if (s >= L) throw new CryptoDecodeError(field, "non-canonical scalar (>= group order)");
  return s;
}

export function encodePoint(p: Point): Uint8Array {
  return p.toBytes();
}

/** Decodes a canonical ristretto255 encoding; refuses invalid encodings and, unless allowed, the identity. */
export function decodePoint(bytes: Uint8Array, field: string, opts: { allowIdentity?: boolean } = {}): Point {
  if (bytes.length !== 32) throw new CryptoDecodeError(field, `point must be 32 bytes, got ${bytes.length}`);
  let p: Point;
  try {
    p = Point.fromBytes(bytes);
  } catch {
    throw new CryptoDecodeError(field, "invalid or non-canonical ristretto255 encoding");
  }
  // Belt and braces: the decoder must be canonical, so re-encoding gives the same bytes.
  const again = p.toBytes();
  if (again.length !== 32 || again.some((b, i) => b !== bytes[i])) {
    throw new CryptoDecodeError(field, "non-canonical ristretto255 encoding");
  }
  if (!opts.allowIdentity && p.is0()) throw new CryptoDecodeError(field, "identity point not allowed");
  return p;
}

/** A uniformly random nonzero scalar from the CSPRNG (64 bytes reduced mod L: bias < 2^-250). */
export function randomScalar(): bigint {
  for (;;) {
    const s = bytesToBigLE(randomBytes(64)) % L;
    if (s !== 0n) return s;
  }
}

export const mod = (a: bigint): bigint => {
  const r = a % L;
  return r < 0n ? r + L : r;
};

/** g^s for any scalar s (including 0). */
export function mulBase(s: bigint): Point {
  const k = mod(s);
  return k === 0n ? IDENTITY : G.multiply(k);
}

/** p^s for any scalar s (including 0). */
export function mul(p: Point, s: bigint): Point {
  const k = mod(s);
  return k === 0n ? IDENTITY : p.multiply(k);
}

const te = new TextEncoder();

/**
 * Hash-to-scalar: SHA-512 over u32be(len(domain)) || domain || for each part u32be(len) || part,
 * read little-endian and reduced mod L (the 512-bit output makes the reduction unbiased to 2^-250).
 */
export function hashToScalar(domain: string, parts: readonly Uint8Array[]): bigint {
  const chunks: Uint8Array[] = [];
  const d = te.encode(domain);
  chunks.push(u32be(d.length), d);
  for (const p of parts) chunks.push(u32be(p.length), p);
  return bytesToBigLE(sha512(concat(chunks))) % L;
}

export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
