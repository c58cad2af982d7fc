/**
 * The pure parts of the batch handler: time buckets, the seq bookkeeping (next expected seq and
 * missing ranges), and which batch a vote belongs to. No database, no chain: unit-tested alone.
 */

export const BUCKETS = { minute: 60_000, hour: 3_600_000 } as const;
export type Granularity = keyof typeof BUCKETS;

export function bucketStart(timestampMs: number, granularity: Granularity): number {
  const size = BUCKETS[granularity];
  return Math.floor(timestampMs / size) * size;
}

export function bucketId(electionId: string, granularity: Granularity, startMs: number): string {
  return `${electionId}-${granularity}-${startMs / 1000}`;
}

export function voteId(electionId: string, seq: bigint): string {
  return `${electionId}-${seq}`;
}

export function indexedBlockId(height: number): string {
  return String(height).padStart(10, "0");
}

/** An inclusive range of missing seqs. */
export interface Gap {
  from: bigint;
  to: bigint;
}

export type SeqOutcome =
  /** seq == next expected: the normal case. */
  | { kind: "next" }
  /** seq above next expected: [gap.from, gap.to] are missing. */
  | { kind: "gap"; gap: Gap }
  /** seq below next expected, inside a known gap: the gap shrinks or splits. */
  | { kind: "fills"; gap: Gap; replacement: Gap[] }
  /** seq below next expected and not missing: recorded twice. */
  | { kind: "duplicate" };

/**
 * What a recorded seq means given the next expected seq and the known gaps. The contract makes
 * anything but "next" impossible; the indexer checks it from the events alone, so that an
 * observer who starts late, or a chain that misbehaves, shows up as a gap or a duplicate.
 */
export function classifySeq(seq: bigint, nextExpected: bigint, gaps: Iterable<Gap>): SeqOutcome {
  if (seq === nextExpected) return { kind: "next" };
  if (seq > nextExpected) return { kind: "gap", gap: { from: nextExpected, to: seq - 1n } };
  for (const gap of gaps) {
    if (gap.from <= seq && seq <= gap.to) {
      const replacement: Gap[] = [];
      if (gap.from <= seq - 1n) replacement.push({ from: gap.from, to: seq - 1n });
      if (seq + 1n <= gap.to) replacement.push({ from: seq + 1n, to: gap.to });
      return { kind: "fills", gap, replacement };
    }
  }
  return { kind: "duplicate" };
}

export function gapSize(gap: Gap): bigint {
  return gap.to - gap.from + 1n;
}

export interface VoteRef {
  electionId: string;
  seq: bigint;
  logIndex: number;
}
export interface BatchRef {
  electionId: string;
  firstSeq: bigint;
  count: number;
  logIndex: number;
}

/**
 * Within one transaction, the batch each vote belongs to: the first BatchRecorded after the vote
 * (the contract emits a batch's votes, then its BatchRecorded) of the same election whose seq
 * range holds the vote's seq. Returns, per vote, the index of its batch in `batches`, or -1.
 */
export function assignBatches(votes: readonly VoteRef[], batches: readonly BatchRef[]): number[] {
  return votes.map((vote) =>
    batches.findIndex(
      (batch) =>
        batch.logIndex > vote.logIndex &&
        batch.electionId === vote.electionId &&
        batch.firstSeq <= vote.seq &&
        vote.seq < batch.firstSeq + BigInt(batch.count),
    ),
  );
}
