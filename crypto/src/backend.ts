/**
 * The group operations the ballot protocol needs, over an opaque element type, so that one protocol code
 * runs on either arithmetic: libsodium's (sodium.ts, the one used) or @noble/curves' (the baseline the
 * benchmark compares with, and an independent second implementation the tests cross-check).
 */
import { decodePoint, encodePoint, G, IDENTITY, mod, mul, mulBase, type Point } from "./group.js";

export interface GroupOps<T> {
  readonly name: string;
  /** Canonical ristretto255 decoding (RFC 9496), the identity included; undefined when refused. */
  decode(bytes: Uint8Array): T | undefined;
  encode(p: T): Uint8Array;
  isIdentity(p: T): boolean;
  add(p: T, q: T): T;
  sub(p: T, q: T): T;
  /** p^s, constant-time in s (the prover passes secrets). */
  mul(p: T, s: bigint): T;
  /** g^s, constant-time in s. */
  mulBase(s: bigint): T;
  /** p^s where p and s are public (verification); may be variable-time. */
  mulPublic(p: T, s: bigint): T;
  readonly base: T;
}

/** @noble/curves ristretto255 with BigInt arithmetic; verification uses its variable-time multiplyUnsafe. */
export const nobleOps: GroupOps<Point> = {
  name: "@noble/curves",
  decode(bytes) {
    try {
      return decodePoint(bytes, "point", { allowIdentity: true });
    } catch {
      return undefined;
    }
  },
  encode: encodePoint,
  isIdentity: (p) => p.is0(),
  add: (p, q) => p.add(q),
  sub: (p, q) => p.subtract(q),
  mul,
  mulBase,
  mulPublic(p, s) {
    const k = mod(s);
    return k === 0n ? IDENTITY : p.multiplyUnsafe(k);
  },
  base: G,
};
