import { encodePoint, hashToScalar, mod, mul, mulBase, type Point } from "../group.js";
import type { ScalarSource } from "./context.js";

/** A compact sigma-protocol proof: the challenge and the response; commitments are recomputed. */
export interface SigmaProof {
  readonly c: bigint;
  readonly z: bigint;
}

/**
 * Schnorr proof of knowledge of x with X = g^x: h = g^w, c = H(domain, bound..., X, h), z = w + c·x.
 * The verifier recomputes h = g^z · X^-c.
 */
export function proveKnowledge(
  domain: string,
  bound: readonly Uint8Array[],
  x: bigint,
  X: Point,
  rng: ScalarSource,
): SigmaProof {
  const w = rng();
  const c = hashToScalar(domain, [...bound, encodePoint(X), encodePoint(mulBase(w))]);
  return { c, z: mod(w + c * x) };
}

export function verifyKnowledge(domain: string, bound: readonly Uint8Array[], X: Point, proof: SigmaProof): boolean {
  const h = mulBase(proof.z).subtract(mul(X, proof.c));
  return hashToScalar(domain, [...bound, encodePoint(X), encodePoint(h)]) === proof.c;
}

/**
 * Chaum-Pedersen proof that log_g X = log_Y Z (= x): a = g^w, b = Y^w, c = H(domain, bound..., X, Y, Z, a, b),
 * z = w + c·x. The verifier recomputes a = g^z · X^-c and b = Y^z · Z^-c.
 */
export function proveEqualLogs(
  domain: string,
  bound: readonly Uint8Array[],
  x: bigint,
  X: Point,
  Y: Point,
  Z: Point,
  rng: ScalarSource,
): SigmaProof {
  const w = rng();
  const c = hashToScalar(domain, [...bound, ...[X, Y, Z, mulBase(w), mul(Y, w)].map(encodePoint)]);
  return { c, z: mod(w + c * x) };
}

export function verifyEqualLogs(
  domain: string,
  bound: readonly Uint8Array[],
  X: Point,
  Y: Point,
  Z: Point,
  proof: SigmaProof,
): boolean {
  const a = mulBase(proof.z).subtract(mul(X, proof.c));
  const b = mul(Y, proof.z).subtract(mul(Z, proof.c));
  return hashToScalar(domain, [...bound, ...[X, Y, Z, a, b].map(encodePoint)]) === proof.c;
}
