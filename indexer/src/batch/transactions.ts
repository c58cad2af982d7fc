/**
 * Votes (and sealed ballots) wait for the BatchRecorded that follows them in the same transaction:
 * each gets its batch when the transaction ends (the next event of another transaction, or the
 * batch's end).
 */
import { NonRetryableError } from "@veritally/contracts";
import { assignBatches } from "../aggregate.js";
import type { Batch, Vote } from "../model/index.js";

/** A row on the sequence that a batch covers: a vote or a sealed ballot. */
export interface Batched {
  id: string;
  election: { id: string };
  seq: bigint;
  logIndex: number;
  txHash: string;
  batch: Batch;
}

export interface TransactionGrouper<T extends Batched = Vote> {
  /** An event of transaction `txHash`: settles the previous transaction first when it differs. */
  at(txHash: string): void;
  addVote(vote: T): void;
  addBatch(batch: Batch, logIndex: number): void;
  /** Settles the transaction in hand (at the end of the batch). */
  settle(): void;
}

/** Gives each vote of `votes` its batch among `batches` (the same transaction's); throws when one has none. */
export function assignVotesToBatches<T extends Batched>(
  votes: readonly T[],
  batches: readonly { batch: Batch; logIndex: number }[],
) {
  // The contract's way: the transaction's votes, then one BatchRecorded whose range holds them all.
  const only = batches.length === 1 ? batches[0] : undefined;
  const end = only ? only.batch.firstSeq + BigInt(only.batch.count) : 0n;
  if (
    only &&
    votes.every(
      (vote) =>
        vote.logIndex < only.logIndex &&
        vote.election.id === only.batch.election.id &&
        vote.seq >= only.batch.firstSeq &&
        vote.seq < end,
    )
  ) {
    for (const vote of votes) vote.batch = only.batch;
    return;
  }
  const assignment = assignBatches(
    votes.map((vote) => ({ electionId: vote.election.id, seq: vote.seq, logIndex: vote.logIndex })),
    batches.map(({ batch, logIndex }) => ({
      electionId: batch.election.id,
      firstSeq: batch.firstSeq,
      count: batch.count,
      logIndex,
    })),
  );
  votes.forEach((vote, i) => {
    const batch = batches[assignment[i] ?? -1]?.batch;
    if (!batch) {
      throw new NonRetryableError(
        "vote_without_batch",
        `vote ${vote.id} in transaction ${vote.txHash} has no BatchRecorded after it (is CONTRACT_ADDRESS a VoteRegistry?)`,
      );
    }
    vote.batch = batch;
  });
}

/** `settled` receives each transaction's votes, their batch assigned, in chain order. */
export function createTransactionGrouper<T extends Batched = Vote>(
  settled: (votes: T[]) => void,
): TransactionGrouper<T> {
  let txHash: string | undefined;
  let votes: T[] = [];
  let batches: { batch: Batch; logIndex: number }[] = [];
  const settle = () => {
    if (votes.length > 0) {
      assignVotesToBatches(votes, batches);
      settled(votes);
    }
    votes = [];
    batches = [];
  };
  return {
    at(hash) {
      if (hash === txHash) return;
      settle();
      txHash = hash;
    },
    addVote: (vote) => {
      votes.push(vote);
    },
    addBatch: (batch, logIndex) => {
      batches.push({ batch, logIndex });
    },
    settle,
  };
}
