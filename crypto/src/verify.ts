import { type VerifyResult, verifyEncodedBallot } from "./ballot.js";
import type { ProofContext } from "./proofs.js";

export interface BatchResult {
  readonly ok: boolean;
  /** Index and reason of every refused ballot. */
  readonly failures: readonly { index: number; reason: string }[];
}

/**
 * Verifies many encoded ballots. The compact proofs (responses only, commitments recomputed and hashed)
 * leave no equation to combine across ballots, so this is one-by-one and names every failing ballot.
 */
export function verifyBatch(ctx: ProofContext, ballots: readonly Uint8Array[]): BatchResult {
  const failures: { index: number; reason: string }[] = [];
  ballots.forEach((b, index) => {
    const r: VerifyResult = verifyEncodedBallot(ctx, b);
    if (!r.ok) failures.push({ index, reason: r.reason });
  });
  return { ok: failures.length === 0, failures };
}
