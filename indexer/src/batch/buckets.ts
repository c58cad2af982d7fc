/**
 * Votes per minute and per hour: a batch's counts by bucket, then added to the stored rows. Pure.
 */
import { bucketId, bucketStart, type Granularity } from "../aggregate.js";
import { type Election, VoteBucket } from "../model/index.js";

export interface BucketCount {
  electionId: string;
  granularity: Granularity;
  start: number;
  count: number;
}

export interface BucketCounter {
  /** Counts one vote of the election at `atMs` in its minute and its hour. */
  count(electionId: string, atMs: number): void;
  /** This batch's counts, by bucket id. */
  readonly counts: ReadonlyMap<string, BucketCount>;
}

export function createBucketCounter(): BucketCounter {
  const counts = new Map<string, BucketCount>();
  const slot = (electionId: string, atMs: number, granularity: Granularity): BucketCount => {
    const start = bucketStart(atMs, granularity);
    const id = bucketId(electionId, granularity, start);
    let bucket = counts.get(id);
    if (!bucket) {
      bucket = { electionId, granularity, start, count: 0 };
      counts.set(id, bucket);
    }
    return bucket;
  };
  // Consecutive votes share their block, hence their buckets: found once per run of them.
  let last: { electionId: string; atMs: number; minute: BucketCount; hour: BucketCount } | undefined;
  return {
    counts,
    count(electionId, atMs) {
      if (!last || last.electionId !== electionId || last.atMs !== atMs) {
        last = { electionId, atMs, minute: slot(electionId, atMs, "minute"), hour: slot(electionId, atMs, "hour") };
      }
      last.minute.count += 1;
      last.hour.count += 1;
    },
  };
}

/** The rows to write: each bucket's stored count plus this batch's. */
export function mergeBuckets(
  counts: ReadonlyMap<string, BucketCount>,
  stored: ReadonlyMap<string, VoteBucket>,
): VoteBucket[] {
  return [...counts.entries()].map(
    ([id, c]) =>
      new VoteBucket({
        id,
        election: { id: c.electionId } as Election,
        granularity: c.granularity,
        start: new Date(c.start),
        count: (stored.get(id)?.count ?? 0) + c.count,
      }),
  );
}
