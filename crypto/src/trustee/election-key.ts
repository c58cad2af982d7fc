import { IDENTITY, type Point, u32be } from "../group.js";
import { type Check, commitmentAt, type TrusteePublic, verifyTrusteePublic } from "./ceremony.js";
import { contextParts, type ElectionContext, type ScalarSource } from "./context.js";
import { proveKnowledge, type SigmaProof, verifyKnowledge } from "./sigma.js";

export const DOMAIN_SHARE_KNOWLEDGE = "veritally/trustee/v1/share-knowledge";

/**
 * Trustee ℓ's proof that it holds s_ℓ = log_g PK_ℓ, which it can only compute from valid shares of every trustee:
 * the record is published once all n have proved it, so that any k of them can decrypt.
 */
export function proveShare(ctx: ElectionContext, index: number, share: bigint, publicShare: Point, rng: ScalarSource) {
  return proveKnowledge(DOMAIN_SHARE_KNOWLEDGE, [...contextParts(ctx), u32be(index)], share, publicShare, rng);
}

export function verifyShareProof(ctx: ElectionContext, index: number, publicShare: Point, proof: SigmaProof): boolean {
  return verifyKnowledge(DOMAIN_SHARE_KNOWLEDGE, [...contextParts(ctx), u32be(index)], publicShare, proof);
}

/** The public shares PK_1..PK_n of a set of (verified) public records, in index order. */
export function publicSharesOf(ctx: ElectionContext, publics: readonly TrusteePublic[]): Point[] {
  const trustees = [...publics].sort((a, b) => a.index - b.index);
  const C = summedCommitments(ctx, trustees);
  return trustees.map((t) => commitmentAt(C, t.index));
}

/** The published result of the ceremony: every trustee's public record, the joint key and each public share. */
export interface ElectionKeyRecord {
  readonly context: ElectionContext;
  /** Ordered by index 1..n. */
  readonly trustees: readonly TrusteePublic[];
  /** K = Π_i K_{i,0}. */
  readonly jointKey: Point;
  /** publicShares[ℓ-1] = g^{s_ℓ} = Π_i Π_j K_{i,j}^{ℓ^j}. */
  readonly publicShares: readonly Point[];
  /** shareProofs[ℓ-1]: trustee ℓ's proof of knowledge of s_ℓ (see proveShare). */
  readonly shareProofs: readonly SigmaProof[];
}

/** C_j = Π_i K_{i,j}: the commitments of the sum polynomial, from which the key and every public share follow. */
function summedCommitments(ctx: ElectionContext, trustees: readonly TrusteePublic[]): Point[] {
  return Array.from({ length: ctx.threshold }, (_, j) =>
    trustees.reduce((acc, t) => acc.add(t.commitments[j] ?? IDENTITY), IDENTITY),
  );
}

/**
 * Builds the record from all n public records and all n share proofs (shareProofs[ℓ-1] of trustee ℓ) after
 * checking each; throws naming the bad trustee.
 */
export function buildElectionKey(
  ctx: ElectionContext,
  publics: readonly TrusteePublic[],
  shareProofs: readonly SigmaProof[],
): ElectionKeyRecord {
  const trustees = [...publics].sort((a, b) => a.index - b.index);
  for (let i = 1; i <= ctx.trustees; i++) {
    if (trustees.filter((t) => t.index === i).length !== 1)
      throw new Error(`trustees: need exactly one public record for trustee ${i}`);
  }
  if (trustees.length !== ctx.trustees) throw new Error(`trustees: expected ${ctx.trustees} public records`);
  for (const t of trustees) {
    const r = verifyTrusteePublic(ctx, t);
    if (!r.ok) throw new Error(r.reason);
  }
  const C = summedCommitments(ctx, trustees);
  const publicShares = trustees.map((t) => commitmentAt(C, t.index));
  if (shareProofs.length !== ctx.trustees)
    throw new Error(`shareProofs: expected one from each of ${ctx.trustees} trustees`);
  shareProofs.forEach((proof, i) => {
    if (!verifyShareProof(ctx, i + 1, publicShares[i] ?? IDENTITY, proof))
      throw new Error(`trustee ${i + 1}: the proof of knowledge of its secret share does not verify`);
  });
  return { context: ctx, trustees, jointKey: C[0] ?? IDENTITY, publicShares, shareProofs };
}

/** Anyone: checks every trustee proof and recomputes the joint key and the public shares. */
export function verifyElectionKey(record: ElectionKeyRecord): Check {
  const ctx = record.context;
  if (record.trustees.length !== ctx.trustees)
    return { ok: false, reason: `trustees: expected ${ctx.trustees}, got ${record.trustees.length}` };
  for (let i = 0; i < ctx.trustees; i++) {
    const t = record.trustees[i];
    if (t === undefined || t.index !== i + 1)
      return { ok: false, reason: `trustees[${i}]: expected the record of trustee ${i + 1}` };
    const r = verifyTrusteePublic(ctx, t);
    if (!r.ok) return r;
  }
  const C = summedCommitments(ctx, record.trustees);
  if (!(C[0] ?? IDENTITY).equals(record.jointKey))
    return { ok: false, reason: "jointKey: not the product of the trustees' constant commitments" };
  if (record.publicShares.length !== ctx.trustees)
    return { ok: false, reason: `publicShares: expected ${ctx.trustees}` };
  for (let i = 0; i < ctx.trustees; i++) {
    if (!commitmentAt(C, i + 1).equals(record.publicShares[i] ?? IDENTITY))
      return { ok: false, reason: `publicShares[${i}]: does not match the commitments for trustee ${i + 1}` };
  }
  if (record.shareProofs.length !== ctx.trustees) return { ok: false, reason: `shareProofs: expected ${ctx.trustees}` };
  for (let i = 0; i < ctx.trustees; i++) {
    const proof = record.shareProofs[i];
    if (proof === undefined || !verifyShareProof(ctx, i + 1, record.publicShares[i] ?? IDENTITY, proof))
      return {
        ok: false,
        reason: `shareProofs[${i}]: trustee ${i + 1}'s proof of knowledge of its share does not verify`,
      };
  }
  return { ok: true };
}
