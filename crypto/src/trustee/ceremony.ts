import { IDENTITY, mod, mul, mulBase, type Point, u32be } from "../group.js";
import { checkIndex, contextParts, type ElectionContext, type ScalarSource } from "./context.js";
import { proveKnowledge, type SigmaProof, verifyKnowledge } from "./sigma.js";

export const DOMAIN_COEFFICIENT = "veritally/trustee/v1/coefficient";
export const DOMAIN_COMMUNICATION_KEY = "veritally/trustee/v1/communication-key";

/** What a trustee keeps to itself: its polynomial's coefficients and its share-encryption secret. */
export interface TrusteeSecret {
  readonly index: number;
  /** a_0..a_{k-1} of P(x) = Σ a_j x^j; a_0 is the trustee's part of the election secret. */
  readonly coefficients: readonly bigint[];
  /** ζ, the secret of the communication key κ = g^ζ that other trustees encrypt shares to. */
  readonly communicationSecret: bigint;
}

/** What a trustee publishes at the start of the ceremony. */
export interface TrusteePublic {
  readonly index: number;
  /** Feldman commitments K_j = g^{a_j}. */
  readonly commitments: readonly Point[];
  /** Schnorr proof of knowledge of each a_j. */
  readonly proofs: readonly SigmaProof[];
  readonly communicationKey: Point;
  readonly communicationProof: SigmaProof;
}

export function coefficientBound(ctx: ElectionContext, index: number, j: number): Uint8Array[] {
  return [...contextParts(ctx), u32be(index), u32be(j)];
}

export function communicationBound(ctx: ElectionContext, index: number): Uint8Array[] {
  return [...contextParts(ctx), u32be(index)];
}

export function generateTrustee(
  ctx: ElectionContext,
  index: number,
  rng: ScalarSource,
): { secret: TrusteeSecret; public: TrusteePublic } {
  checkIndex(ctx, index, "index");
  const coefficients = Array.from({ length: ctx.threshold }, () => rng());
  const communicationSecret = rng();
  const commitments = coefficients.map((a) => mulBase(a));
  const proofs = coefficients.map((a, j) =>
    proveKnowledge(DOMAIN_COEFFICIENT, coefficientBound(ctx, index, j), a, commitments[j] ?? IDENTITY, rng),
  );
  const communicationKey = mulBase(communicationSecret);
  const communicationProof = proveKnowledge(
    DOMAIN_COMMUNICATION_KEY,
    communicationBound(ctx, index),
    communicationSecret,
    communicationKey,
    rng,
  );
  return {
    secret: { index, coefficients, communicationSecret },
    public: { index, commitments, proofs, communicationKey, communicationProof },
  };
}

export type Check = { ok: true } | { ok: false; reason: string };

/** Checks one trustee's public record: k commitments, each with a valid proof, and a valid communication key proof. */
export function verifyTrusteePublic(ctx: ElectionContext, pub: TrusteePublic): Check {
  const who = `trustee ${pub.index}`;
  if (!Number.isInteger(pub.index) || pub.index < 1 || pub.index > ctx.trustees)
    return { ok: false, reason: `${who}: index outside [1, ${ctx.trustees}]` };
  if (pub.commitments.length !== ctx.threshold || pub.proofs.length !== ctx.threshold)
    return { ok: false, reason: `${who}: expected ${ctx.threshold} commitments and proofs` };
  for (let j = 0; j < ctx.threshold; j++) {
    const K = pub.commitments[j];
    const proof = pub.proofs[j];
    if (K === undefined || proof === undefined || K.is0())
      return { ok: false, reason: `${who}: commitment ${j} missing or identity` };
    if (!verifyKnowledge(DOMAIN_COEFFICIENT, coefficientBound(ctx, pub.index, j), K, proof))
      return { ok: false, reason: `${who}: proof of knowledge of coefficient ${j} does not verify` };
  }
  if (pub.communicationKey.is0()) return { ok: false, reason: `${who}: communication key is the identity` };
  if (
    !verifyKnowledge(
      DOMAIN_COMMUNICATION_KEY,
      communicationBound(ctx, pub.index),
      pub.communicationKey,
      pub.communicationProof,
    )
  )
    return { ok: false, reason: `${who}: proof of knowledge of the communication key does not verify` };
  return { ok: true };
}

/** P(x) = Σ a_j x^j mod L (Horner). */
export function evaluatePolynomial(coefficients: readonly bigint[], x: number): bigint {
  let acc = 0n;
  for (let j = coefficients.length - 1; j >= 0; j--) acc = mod(acc * BigInt(x) + (coefficients[j] ?? 0n));
  return acc;
}

/** g^{P(x)} from the commitments alone: Π_j K_j^{x^j}. */
export function commitmentAt(commitments: readonly Point[], x: number): Point {
  let acc = IDENTITY;
  let power = 1n;
  for (const K of commitments) {
    acc = acc.add(mul(K, power));
    power = mod(power * BigInt(x));
  }
  return acc;
}
