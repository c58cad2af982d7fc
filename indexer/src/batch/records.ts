/**
 * The rows of one vote, one batch and one integrity issue, from their events. Pure.
 */
import type * as registry from "../abi/VoteRegistry.js";
import { voteId } from "../aggregate.js";
import { Batch, type Election, IntegrityIssue, Vote } from "../model/index.js";
import type { Block, Log } from "../processor.js";

type VoteArgs = ReturnType<typeof registry.events.VoteRecorded.decode>;
type BatchArgs = ReturnType<typeof registry.events.BatchRecorded.decode>;

export function voteRow(
  election: Election,
  args: VoteArgs,
  block: Block,
  at: Date,
  txHash: string,
  logIndex: number,
  inGrace: boolean,
): Vote {
  // Assigned field by field: the generated constructor's Object.assign is slower, per vote.
  const vote = new Vote();
  vote.id = voteId(election.id, args.seq);
  vote.election = election;
  vote.seq = args.seq;
  vote.ref = args.ref;
  vote.choice = args.choice;
  vote.voteHash = args.voteHash;
  vote.blockNumber = block.height;
  vote.blockHash = block.hash;
  vote.timestamp = at;
  vote.txHash = txHash;
  vote.logIndex = logIndex;
  vote.inGracePeriod = inGrace;
  return vote;
}

/** A batch's gas and fee, counted for the first batch of a transaction only (null for the others). */
export interface BatchCost {
  gas: bigint | null;
  price: bigint | null;
  fee: bigint | null;
}

/**
 * One batch per transaction is how the contract is used; should a transaction ever hold several,
 * its gas goes to the first so that the election's sums count it once.
 */
export function createGasAttribution(): (log: Log, txHash: string) => BatchCost {
  const attributed = new Set<string>();
  return (log, txHash) => {
    const tx = log.transaction;
    const gasUsed = tx?.gasUsed as bigint | undefined;
    const price = tx?.effectiveGasPrice as bigint | undefined;
    const first = !attributed.has(txHash);
    attributed.add(txHash);
    const gas = first && gasUsed !== undefined ? gasUsed : null;
    return { gas, price: price ?? null, fee: gas !== null && price !== undefined ? gas * price : null };
  };
}

export function batchRow(
  election: Election,
  args: BatchArgs,
  block: Block,
  at: Date,
  txHash: string,
  logIndex: number,
  cost: BatchCost,
  inGrace: boolean,
): Batch {
  return new Batch({
    id: `${txHash}-${logIndex}`,
    election,
    firstSeq: args.firstSeq,
    count: args.count,
    blockNumber: block.height,
    timestamp: at,
    txHash,
    gasUsed: cost.gas,
    effectiveGasPrice: cost.price,
    feeWei: cost.fee,
    inGracePeriod: inGrace,
  });
}

/** A seq recorded a second time. */
export function duplicateSeqIssue(election: Election, seq: bigint, height: number, logIndex: number): IntegrityIssue {
  return new IntegrityIssue({
    id: `${election.id}-duplicate_seq-${seq}-${height}-${logIndex}`,
    election,
    kind: "duplicate_seq",
    value: seq.toString(),
    seq,
    firstSeq: seq,
    blockNumber: height,
  });
}

/** A ref or vote hash that an earlier vote (or a tracker that an earlier ballot) of the election, seq `firstSeq`, carried already. */
export function repeatIssue(
  kind: "duplicate_ref" | "duplicate_hash" | "duplicate_tracker",
  election: Election,
  value: string,
  seq: bigint,
  firstSeq: bigint,
  height: number,
): IntegrityIssue {
  return new IntegrityIssue({
    id: `${election.id}-${kind}-${seq}`,
    election,
    kind,
    value,
    seq,
    firstSeq,
    blockNumber: height,
  });
}
