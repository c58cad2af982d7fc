/**
 * The states of votes, batches and chain transactions, each as one enum with its final states and
 * named predicates (the way OpenZeppelin's relayer models transaction status). The SQL checks in
 * relayer/db/migrations/ list the same values; worker/effects.ts, which moves sent transactions and their
 * batches through these states, writes them from here.
 */

/** A vote as the public sees it (GET /v1/votes/{ref}, the vote_audit view). */
export const VoteStatus = {
  Queued: "queued",
  Batched: "batched",
  Submitted: "submitted",
  Included: "included",
  Confirmed: "confirmed",
  Failed: "failed",
} as const;
export type VoteStatus = (typeof VoteStatus)[keyof typeof VoteStatus];
export const VOTE_STATUSES = Object.values(VoteStatus);
export const FINAL_VOTE_STATUSES: ReadonlySet<VoteStatus> = new Set([VoteStatus.Confirmed, VoteStatus.Failed]);
export const isFinalVoteStatus = (s: VoteStatus): boolean => FINAL_VOTE_STATUSES.has(s);

/** The column votes.state: the rest of a batched vote's story is its batch's state. */
export const VoteRowState = { Queued: "queued", Batched: "batched", Failed: "failed" } as const;
export type VoteRowState = (typeof VoteRowState)[keyof typeof VoteRowState];

export const BatchState = {
  /** Seqs assigned in the same transaction that took the votes off the queue; not signed yet. */
  Formed: "formed",
  /** A signed transaction carrying it was stored and broadcast. */
  Submitted: "submitted",
  /** Mined successfully. */
  Included: "included",
  /** Final: at or below the node's finalized block and CONFIRMATIONS deep. */
  Confirmed: "confirmed",
  /** Reverted, or reconciled away; its votes were queued again or failed. */
  Failed: "failed",
} as const;
export type BatchState = (typeof BatchState)[keyof typeof BatchState];
export const FINAL_BATCH_STATES: ReadonlySet<BatchState> = new Set([BatchState.Confirmed, BatchState.Failed]);
export const isFinalBatchState = (s: BatchState): boolean => FINAL_BATCH_STATES.has(s);
/** Formed or submitted: seqs taken, not on chain yet. */
export const isUnminedBatchState = (s: BatchState): boolean => s === BatchState.Formed || s === BatchState.Submitted;

/** Maps a batched vote's batch state to its public status. */
export function voteStatusOf(rowState: VoteRowState, batchState: BatchState | null): VoteStatus {
  if (rowState === VoteRowState.Queued) return VoteStatus.Queued;
  if (rowState === VoteRowState.Failed) return VoteStatus.Failed;
  switch (batchState) {
    case BatchState.Submitted:
      return VoteStatus.Submitted;
    case BatchState.Included:
      return VoteStatus.Included;
    case BatchState.Confirmed:
      return VoteStatus.Confirmed;
    default:
      return VoteStatus.Batched;
  }
}

/** One nonce of the signing key. */
export const TxStatus = {
  /** Nonce assigned, signed, stored; not yet accepted by a node. */
  Pending: "pending",
  /** A node accepted an attempt. */
  Submitted: "submitted",
  /** An attempt is in a block (successful or reverted: see receipt_status). */
  Mined: "mined",
  /** Mined successfully, and final (see BatchState.Confirmed). */
  Confirmed: "confirmed",
  /** Mined with a revert and final, or its nonce was taken by a transaction not ours. */
  Failed: "failed",
} as const;
export type TxStatus = (typeof TxStatus)[keyof typeof TxStatus];
export const FINAL_TX_STATUSES: ReadonlySet<TxStatus> = new Set([TxStatus.Confirmed, TxStatus.Failed]);
export const isFinalTxStatus = (s: TxStatus): boolean => FINAL_TX_STATUSES.has(s);
/** Not yet in a block: may need (re-)broadcasting or a replacement. */
export const isUnminedTxStatus = (s: TxStatus): boolean => s === TxStatus.Pending || s === TxStatus.Submitted;

export const AttemptStatus = {
  Pending: "pending",
  Submitted: "submitted",
  Replaced: "replaced",
  Mined: "mined",
} as const;
export type AttemptStatus = (typeof AttemptStatus)[keyof typeof AttemptStatus];

export const ElectionState = { Creating: "creating", Active: "active", Failed: "failed" } as const;
export type ElectionState = (typeof ElectionState)[keyof typeof ElectionState];
