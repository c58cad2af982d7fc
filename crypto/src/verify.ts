import type { BallotVerifier } from "./ballot.js";

export interface BatchResult {
  readonly ok: boolean;
  /** Index and reason of every refused ballot. */
  readonly failures: readonly { index: number; reason: string }[];
}

/**
 * Verifies many encoded ballots one by one and names every failing ballot. The compact proofs carry no
 * commitments, so there is no equation to combine across ballots by a random linear combination: each
 * commitment must be recomputed exactly to be hashed (README "Batch verification" has the figures).
 */
export function verifyBatch(verifier: BallotVerifier, ballots: readonly Uint8Array[]): BatchResult {
  const failures: { index: number; reason: string }[] = [];
  ballots.forEach((b, index) => {
    const r = verifier.verify(b);
    if (!r.ok) failures.push({ index, reason: r.reason });
  });
  return { ok: failures.length === 0, failures };
}
