/**
 * The operators' figures from the chain side (the /admin page): votes, batches, gas and fees per
 * minute or hour, over the last hours of batches.
 */
import type { IndexerReader } from "./indexer-reader.js";

export interface OperationsPoint {
  start: Date;
  votes: number;
  batches: number;
  meanBatchSize: number;
  gasUsed: string;
  feesWei: string;
  gasPerVote: number | null;
}

export interface OperationsData {
  granularity: "minute" | "hour";
  points: OperationsPoint[];
  totals: { votes: number; batches: number; gasUsed: string; feesWei: string };
}

export function createOperationsRead(
  db: IndexerReader,
  now: () => number,
): (options?: { hours?: number }) => Promise<OperationsData> {
  return async function operations(o: { hours?: number } = {}): Promise<OperationsData> {
    const hours = Math.min(Math.max(o.hours ?? 24, 1), 24 * 31);
    const granularity = hours <= 6 ? "minute" : "hour";
    const rows = await db.query<{
      start: Date;
      votes: string;
      batches: string;
      gas: string | null;
      fees: string | null;
    }>(
      `select date_trunc($1, timestamp) as start, sum(count)::text as votes, count(*)::text as batches,
              sum(gas_used)::text as gas, sum(fee_wei)::text as fees
         from batch
        where timestamp > (select coalesce(max(timestamp), $3::timestamptz) from batch) - make_interval(hours => $2)
        group by 1 order by 1`,
      [granularity, hours, new Date(now())],
    );
    let votes = 0;
    let batchCount = 0;
    let gasUsed = 0n;
    let feesWei = 0n;
    const points = rows.map((r) => {
      const v = Number(r.votes);
      const b = Number(r.batches);
      votes += v;
      batchCount += b;
      gasUsed += BigInt(r.gas ?? "0");
      feesWei += BigInt(r.fees ?? "0");
      return {
        start: r.start,
        votes: v,
        batches: b,
        meanBatchSize: b > 0 ? v / b : 0,
        gasUsed: r.gas ?? "0",
        feesWei: r.fees ?? "0",
        gasPerVote: v > 0 && r.gas !== null ? Number(r.gas) / v : null,
      };
    });
    return {
      granularity,
      points,
      totals: { votes, batches: batchCount, gasUsed: gasUsed.toString(), feesWei: feesWei.toString() },
    };
  };
}
