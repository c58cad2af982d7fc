/**
 * The cross-check as pages ask for it: one computation per election and indexed height, shared
 * by concurrent requests, and a report younger than the minimum interval served even after the
 * height moved, so a popular cross-check of a big election costs one reconciliation per interval.
 */
import type { HeightCache } from "./cache.js";
import type { CrossCheckReport, createCrossCheck } from "./cross-check.js";
import type { ElectionRow } from "./elections.js";

export interface ThrottleDeps {
  crossChecker: ReturnType<typeof createCrossCheck>;
  electionRow: (id: string) => Promise<ElectionRow | undefined>;
  height: () => Promise<number>;
  heightCache: HeightCache;
  minIntervalMs: number;
  now: () => number;
}

export function createThrottledCrossCheck(deps: ThrottleDeps): (id: string) => Promise<CrossCheckReport> {
  const latestReports = new Map<string, CrossCheckReport>();
  return async function crossCheck(id: string): Promise<CrossCheckReport> {
    const r = await deps.electionRow(id);
    if (!r) throw new Error(`no election ${id}`);
    const h = await deps.height();
    const latest = latestReports.get(id);
    // The report names the block it was computed at, so a recent one stays honest after the height moves.
    if (latest && latest.indexedHeight !== h && deps.now() - Date.parse(latest.computedAt) < deps.minIntervalMs) {
      return latest;
    }
    const report = await deps.heightCache.get(`cross-check:${id}`, h, () =>
      deps.crossChecker.run({ electionId: id, indexedHeight: h, chainTally: r.tally, chainTotal: r.total_votes }),
    );
    const known = latestReports.get(id);
    if (!known || Date.parse(report.computedAt) >= Date.parse(known.computedAt)) latestReports.set(id, report);
    return report;
  };
}
