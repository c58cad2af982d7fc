import { IDENTITY, type Point } from "../group.js";
import { type Check, commitmentAt, type TrusteePublic, verifyTrusteePublic } from "./ceremony.js";
import type { ElectionContext } from "./context.js";

/** The published result of the ceremony: every trustee's public record, the joint key and each public share. */
export interface ElectionKeyRecord {
  readonly context: ElectionContext;
  /** Ordered by index 1..n. */
  readonly trustees: readonly TrusteePublic[];
  /** K = Π_i K_{i,0}. */
  readonly jointKey: Point;
  /** publicShares[ℓ-1] = g^{s_ℓ} = Π_i Π_j K_{i,j}^{ℓ^j}. */
  readonly publicShares: readonly Point[];
}

/** C_j = Π_i K_{i,j}: the commitments of the sum polynomial, from which the key and every public share follow. */
function summedCommitments(ctx: ElectionContext, trustees: readonly TrusteePublic[]): Point[] {
  return Array.from({ length: ctx.threshold }, (_, j) =>
    trustees.reduce((acc, t) => acc.add(t.commitments[j] ?? IDENTITY), IDENTITY),
  );
}

/** Builds the record from all n public records after checking each; throws naming the bad trustee. */
export function buildElectionKey(ctx: ElectionContext, publics: readonly TrusteePublic[]): ElectionKeyRecord {
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
  return { context: ctx, trustees, jointKey: C[0] ?? IDENTITY, publicShares };
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
  return { ok: true };
}
