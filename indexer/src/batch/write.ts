/**
 * Persistence: what a batch changed, written once per entity type, parents before children. The
 * stored buckets are read here to add this batch's counts to them.
 */
import type { Store } from "@subsquid/typeorm-store";
import { In } from "typeorm";
import { indexedBlockId } from "../aggregate.js";
import {
  type Ballot,
  type Batch,
  type DecryptionShare,
  type Election,
  IndexedBlock,
  type IntegrityIssue,
  SeqGap,
  type Vote,
  VoteBucket,
} from "../model/index.js";
import type { Block } from "../processor.js";
import { insertVotes } from "../vote-copy.js";
import { type BucketCount, mergeBuckets } from "./buckets.js";
import type { GapChanges } from "./gaps.js";

export interface BatchChanges {
  elections: Election[];
  batches: Batch[];
  /** Votes not streamed already (hot blocks, few votes); undefined when they were streamed. */
  votes: Vote[] | undefined;
  /** Sealed ballots of secret elections (few beside votes: store.insert). */
  ballots: Ballot[];
  shares: DecryptionShare[];
  bucketCounts: ReadonlyMap<string, BucketCount>;
  gaps: GapChanges;
  issues: IntegrityIssue[];
  blocksWithEvents: Iterable<Block>;
}

async function storedBuckets(store: Store, ids: string[]): Promise<Map<string, VoteBucket>> {
  const stored = new Map<string, VoteBucket>();
  for (let i = 0; i < ids.length; i += 5000) {
    for (const bucket of await store.findBy(VoteBucket, { id: In(ids.slice(i, i + 5000)) })) {
      stored.set(bucket.id, bucket);
    }
  }
  return stored;
}

export async function writeBatchChanges(store: Store, changes: BatchChanges): Promise<void> {
  const buckets = mergeBuckets(changes.bucketCounts, await storedBuckets(store, [...changes.bucketCounts.keys()]));
  await store.upsert(changes.elections);
  await store.insert(changes.batches);
  if (changes.votes) await insertVotes(store, changes.votes);
  await store.insert(changes.ballots);
  await store.insert(changes.shares);
  await store.upsert(buckets);
  if (changes.gaps.removed.size) await store.remove(SeqGap, [...changes.gaps.removed]);
  await store.upsert([...changes.gaps.changed.values()]);
  await store.insert(changes.issues);
  await store.insert(
    [...changes.blocksWithEvents].map(
      (b) =>
        new IndexedBlock({
          id: indexedBlockId(b.height),
          height: b.height,
          hash: b.hash,
          timestamp: new Date(b.timestamp),
        }),
    ),
  );
}
