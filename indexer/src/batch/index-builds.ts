/**
 * At the head: the vote table's lookup indexes (deferred-indexes.ts), each on a connection of its
 * own, side by side. Not awaited: the batch's work goes on beside the builds, and its writes to
 * vote (or the next batch's) wait for the builds' lock. The handler never waits for a build while
 * its transaction holds the table, so the two cannot deadlock; a build that fails is tried again at
 * the next batch at the head.
 */
import { entityManager } from "../db.js";
import { buildDeferredIndexes } from "../deferred-indexes.js";
import type { Context } from "../processor.js";

/** Call first in every batch: starts the builds once, at the first batch at the head. */
export function createIndexBuilder(): (ctx: Context) => void {
  let state: "missing" | "building" | "built" = "missing";
  return (ctx) => {
    if (state !== "missing" || !ctx.isHead) return;
    state = "building";
    const started = performance.now();
    const connection = entityManager(ctx.store).connection;
    const log = ctx.log;
    // Each query on a pooled connection of its own, so that the builds run side by side.
    const run = async (sql: string, parameters?: unknown[]) => {
      const runner = connection.createQueryRunner();
      try {
        return await runner.query(sql, parameters);
      } finally {
        await runner.release();
      }
    };
    buildDeferredIndexes(run).then(
      (built) => {
        state = "built";
        if (built.length) {
          log.info(
            `at the chain head: built the vote table's lookup indexes (${built.length}) in ${Math.round(performance.now() - started)} ms`,
          );
        }
      },
      (error: Error) => {
        state = "missing";
        log.warn(`building the vote table's lookup indexes failed (tried again at the next batch): ${error.message}`);
      },
    );
  };
}
