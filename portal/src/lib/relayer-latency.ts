/**
 * Accepted-to-block latency over time (the /admin page): the relayer's acceptance times, read from
 * its vote_audit view as the audit role, against the chain's block times from the indexer.
 */
import type { HeightCache } from "./cache.js";
import { openRelayer } from "./cross-check.js";
import { classify, type Db } from "./db.js";
import type { IndexerReader } from "./indexer-reader.js";

export interface LatencyPoint {
  start: Date;
  votes: number;
  /** Mean seconds from acceptance to the block that recorded the vote. */
  meanSeconds: number;
  /** Longest wait in the bucket. */
  maxSeconds: number;
}

export interface LatencyData {
  granularity: "minute" | "hour";
  points: LatencyPoint[];
}

export interface LatencyDeps {
  indexer: IndexerReader;
  relayer: Db;
  relayerUrl: string;
  height: () => Promise<number>;
  heightCache: HeightCache;
  /** The window ends at this clock's now. */
  now: () => number;
}

export function createLatencyRead(deps: LatencyDeps): (options?: { hours?: number }) => Promise<LatencyData> {
  return async function latency(o: { hours?: number } = {}): Promise<LatencyData> {
    const hours = Math.min(Math.max(o.hours ?? 24, 1), 24 * 31);
    const granularity = hours <= 6 ? "minute" : "hour";
    const h = await deps.height();
    return deps.heightCache.get(`latency:${hours}`, h, async () => {
      const client = await openRelayer(deps);
      let perBlock: { block_number: string; votes: number; mean_accepted: number; first_accepted: number }[];
      try {
        perBlock = (
          await client.query(
            `select block_number, count(*)::int as votes, avg(extract(epoch from accepted_at))::float8 as mean_accepted,
                    extract(epoch from min(accepted_at))::float8 as first_accepted
               from vote_audit
              where block_number is not null and accepted_at > $2::timestamptz - make_interval(hours => $1)
              group by block_number`,
            [hours, new Date(deps.now())],
          )
        ).rows;
        await client.query("commit");
        client.release();
      } catch (error) {
        client.release(true);
        throw classify("relayer", deps.relayerUrl, error);
      }
      if (perBlock.length === 0) return { granularity, points: [] };
      const times = await deps.indexer.query<{ block_number: number; ts: number }>(
        `select distinct block_number, extract(epoch from timestamp)::float8 as ts from batch
          where block_number = any($1::int[])`,
        [perBlock.map((b) => Number(b.block_number))],
      );
      const blockTime = new Map(times.map((t) => [t.block_number, t.ts]));
      const step = granularity === "minute" ? 60 : 3600;
      const buckets = new Map<number, { votes: number; weighted: number; max: number }>();
      for (const b of perBlock) {
        const ts = blockTime.get(Number(b.block_number));
        // A block the indexer has not read yet has no chain time: it shows once indexed.
        if (ts === undefined) continue;
        const start = Math.floor(ts / step) * step;
        const bucket = buckets.get(start) ?? { votes: 0, weighted: 0, max: 0 };
        bucket.votes += b.votes;
        bucket.weighted += (ts - b.mean_accepted) * b.votes;
        bucket.max = Math.max(bucket.max, ts - b.first_accepted);
        buckets.set(start, bucket);
      }
      return {
        granularity,
        points: [...buckets]
          .sort((a, b) => a[0] - b[0])
          .map(([start, b]) => ({
            start: new Date(start * 1000),
            votes: b.votes,
            meanSeconds: b.weighted / b.votes,
            maxSeconds: b.max,
          })),
      };
    });
  };
}
