/**
 * Runs the processor with the batch handler, and keeps the database honest about the chain.
 *
 * This is EvmBatchProcessor.run() (evm-processor 1.27.3) taken apart, for four reasons:
 * - run() ends the process on any error (process.exit), so nothing could check, after a crash,
 *   whether the chain was reorganised below the finality depth (reorg.ts); here the Runner's
 *   error comes back, the stored chain is checked, and the processor starts again or stops with
 *   an error that names the block and the recovery command;
 * - over HTTP the processor polls only the head's height, so a replacement chain of equal height
 *   is not noticed until the chain grows; here the head's hash is polled too (pollHeads);
 * - its metrics server should be started once across those restarts (and bind one interface:
 *   processor.ts);
 * - final blocks that have already arrived are handed to the handler together (mergeReadyBatches).
 * The Subsquid internals this takes (the processor's private getters, the data source's head
 * poll and final-block stream, the metrics server) are reached through subsquid/index.ts, which
 * checks the installed versions first.
 */
import { createLogger, type Logger } from "@subsquid/logger";
import type { RpcClient } from "@subsquid/rpc-client";
import { backoffDelay, NonRetryableError, VeritallyError } from "@veritally/contracts";
import pg from "pg";
import { type IndexerConfig, loadIndexerConfig } from "./config.js";
import { redactUrl } from "./database-url.js";
import { applyMigrations, createIndexerDatabase } from "./db.js";
import type { createBatchHandler } from "./main.js";
import { createProcessor } from "./processor.js";
import {
  ChainMismatchError,
  DeepReorgError,
  deepReorgMessage,
  findDivergence,
  recordHalt,
  rollbackTo,
} from "./reorg.js";
import {
  assertSubsquidVersions,
  dropProgressGauges,
  type FinalBatch,
  isDataConsistencyError,
  mergeFinalBatches,
  processorParts,
  replaceHeadPolling,
  runBatches,
  serveMetricsOnce,
} from "./subsquid/index.js";

interface Head {
  height: number;
  hash?: string;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The HTTP head poll, with the head's hash: an equal-height replacement has a new hash, and the
 * processor's hot-block navigation (which compares hashes when it has them) then rolls it in.
 */
export function pollHeads(
  client: RpcClient,
  intervalMs: number,
  signal?: AbortSignal,
): (navigate: (head: Head) => Promise<void>, isEnd: () => boolean) => Promise<void> {
  return async (navigate, isEnd) => {
    let previous: Head | undefined;
    while (!isEnd() && !signal?.aborted) {
      const started = Date.now();
      const latest = await client.call<{ number: string; hash: string } | null>("eth_getBlockByNumber", [
        "latest",
        false,
      ]);
      if (latest) {
        const head = { height: Number(BigInt(latest.number)), hash: latest.hash };
        if (!previous || head.height > previous.height || head.hash !== previous.hash) {
          previous = head;
          for (let attempt = 0; attempt < 100; attempt++) {
            try {
              await navigate(head);
              break;
            } catch (error) {
              // The node answered for a block it cannot serve yet (or no longer): ask again.
              if (!isDataConsistencyError(error)) throw error;
              await sleep(100);
            }
          }
        }
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - started)), signal);
    }
  };
}

const NOT_READY = Symbol("not ready");

/**
 * The processor fetches final blocks ten at a time, several ranges ahead, and hands each range to
 * the handler in its own transaction. When the handler is the slower side, ranges that have
 * already arrived are handed over together (up to `maxLogs` logs): fewer, larger transactions.
 */
export function mergeReadyBatches(batches: AsyncIterable<FinalBatch>, maxLogs: number): AsyncIterable<FinalBatch> {
  const logCount = (batch: FinalBatch) => batch.blocks.reduce((count, block) => count + (block.logs?.length ?? 0), 0);
  return {
    async *[Symbol.asyncIterator]() {
      const iterator = batches[Symbol.asyncIterator]();
      let next = iterator.next();
      for (;;) {
        const first = await next;
        if (first.done) return;
        let merged = first.value;
        let logs = logCount(merged);
        next = iterator.next();
        while (logs < maxLogs) {
          const ready = await Promise.race([
            next,
            new Promise<typeof NOT_READY>((resolve) => setImmediate(() => resolve(NOT_READY))),
          ]);
          if (ready === NOT_READY || ready.done) break;
          merged = { blocks: merged.blocks.concat(ready.value.blocks), isHead: ready.value.isHead };
          logs += logCount(ready.value);
          next = iterator.next();
        }
        yield merged;
      }
    },
  };
}

/** One indexer per database: a session advisory lock held while it runs. */
const LOCK_KEY = "veritally_indexer";

export async function lockDatabase(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const [lock] = (await client.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1)) as ok", [LOCK_KEY]))
    .rows;
  if (!lock) {
    await client.end();
    throw new Error("pg_try_advisory_lock answered no row");
  }
  if (!lock.ok) {
    await client.end();
    throw new NonRetryableError(
      "indexer_already_running",
      `another indexer (or a reindex) is using ${redactUrl(url)}; stop it first`,
    );
  }
  return client;
}

/** Refuses a database that holds another contract's (or chain's, or start block's) record. */
async function checkIdentity(client: pg.ClientBase, config: IndexerConfig): Promise<void> {
  const row = (
    await client.query<{ chain_id: number; contract_address: string; start_block: number }>(
      "select chain_id, contract_address, start_block from indexer_status where id = 'status'",
    )
  ).rows[0];
  if (!row) return;
  const differs: string[] = [];
  if (row.chain_id !== config.chainId) differs.push(`chain ${row.chain_id}, not ${config.chainId}`);
  if (row.contract_address !== config.contractAddress)
    differs.push(`contract ${row.contract_address}, not ${config.contractAddress}`);
  if (row.start_block !== config.startBlock) differs.push(`start block ${row.start_block}, not ${config.startBlock}`);
  if (differs.length) {
    throw new NonRetryableError(
      "database_holds_other_record",
      `${redactUrl(config.databaseUrl)} holds the record of ${differs.join(", ")}. Use another database (DB_URL), ` +
        "or empty this one with `npm run reindex -w indexer -- --reset` (same environment).",
    );
  }
}

export type HandlerFactory = typeof createBatchHandler;

/**
 * The patches of Subsquid that buy only speed, each on unless turned off: for the benchmark that
 * prices them (`MODE=patches npm run bench:indexer`), not for operators.
 */
export interface SpeedPatches {
  mergeReadyBatches?: boolean;
}

export interface RunOptions {
  log?: Logger;
  /** Stops the indexer: the batch in hand is not committed (it is read again at the next start). */
  signal?: AbortSignal;
  speedPatches?: SpeedPatches;
}

/** Largest merge of ready final batches, in logs. */
const MERGE_MAX_LOGS = 50_000;

class Stopped extends Error {}

/**
 * Runs until `signal` aborts (over HTTP; a WebSocket RPC runs until the process ends); throws
 * DeepReorgError (REORG_RECOVERY=stop) or a NonRetryableError.
 */
export async function runIndexer(
  config: IndexerConfig,
  createHandler: HandlerFactory,
  options: RunOptions = {},
): Promise<void> {
  const log = options.log ?? createLogger("veritally:indexer");
  assertSubsquidVersions();
  const patches = { mergeReadyBatches: true, ...options.speedPatches };
  await applyMigrations(config.databaseUrl, (line) => log.info(line));
  const lock = await lockDatabase(config.databaseUrl);
  let metrics: ReturnType<typeof serveMetricsOnce> | undefined;
  let rpcClient: RpcClient | undefined;
  try {
    await checkIdentity(lock, config);
    const parts = processorParts(createProcessor(config));
    const rpc = parts.rpc;
    rpcClient = rpc;
    const signal = options.signal;
    if (!config.rpcUrl.startsWith("ws")) {
      replaceHeadPolling(parts.source, (client) => pollHeads(client, config.headPollMs, signal));
    }
    if (patches.mergeReadyBatches) {
      mergeFinalBatches(parts.source, (batches) => mergeReadyBatches(batches, MERGE_MAX_LOGS));
    }
    metrics = serveMetricsOnce(parts.prometheus);
    const handler = createHandler(config);
    const mappingLog = parts.log.child("mapping");
    let failures = 0;

    while (!signal?.aborted) {
      const divergence = await findDivergence(lock, rpc);
      if (divergence) {
        const message = deepReorgMessage(divergence, config.finalityConfirmation);
        if (config.reorgRecovery === "rollback") {
          log.warn(`${message} REORG_RECOVERY=rollback: rolling back to block ${divergence.ancestor}`);
          await rollbackTo(lock, rpc, divergence.ancestor);
          log.warn(`rolled back to block ${divergence.ancestor}; re-reading from block ${divergence.ancestor + 1}`);
        } else {
          await recordHalt(lock, divergence, message);
          throw new DeepReorgError(divergence, config.finalityConfirmation);
        }
      }
      dropProgressGauges(parts.prometheus);
      const database = createIndexerDatabase(config.databaseUrl);
      const started = Date.now();
      try {
        await runBatches({
          parts,
          database,
          allBlocksAreFinal: config.finalityConfirmation === 0,
          mappingLog,
          beforeBatch() {
            if (signal?.aborted) throw new Stopped("stopped");
          },
          handle: handler,
        });
        return;
      } catch (error) {
        if (signal?.aborted) return;
        if (error instanceof NonRetryableError) throw error;
        if (Date.now() - started > 60_000) failures = 0;
        failures += 1;
        if (failures > 8 && !(error instanceof ChainMismatchError)) throw error;
        log.warn(
          `processor stopped (${(error as Error).message}); checking the stored chain against the chain and starting again`,
        );
        await sleep(
          error instanceof ChainMismatchError ? 0 : backoffDelay({ baseMs: 100, maxMs: 10_000 }, failures),
          signal,
        );
      } finally {
        await database.disconnect().catch(() => {});
      }
    }
  } finally {
    rpcClient?.close();
    await lock.end().catch(() => {});
    const metricsServer = await metrics?.serving();
    await metricsServer?.close().catch(() => {});
  }
}

/**
 * `npm run process -w indexer`. Returns the exit code: 0 when stopped by SIGINT or SIGTERM,
 * 1 on an error, 3 on a reorg deeper than the finality depth (REORG_RECOVERY=stop).
 */
export async function runIndexerCli(
  createHandler: HandlerFactory,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
  speedPatches?: SpeedPatches,
): Promise<number> {
  const log = createLogger("veritally:indexer");
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  signal?.addEventListener("abort", onSignal, { once: true });
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const config = await loadIndexerConfig(env);
    log.info(
      `indexing VoteRegistry ${config.contractAddress} on chain ${config.chainId} from block ${config.startBlock} ` +
        `(${config.source}) via ${new URL(config.rpcUrl).origin} into ${redactUrl(config.databaseUrl)}; ` +
        `finality ${config.finalityConfirmation} blocks, head poll ${config.headPollMs} ms, gas fields ${config.gasFields ? "on" : "off"}`,
    );
    await runIndexer(config, createHandler, { log, signal: stop.signal, speedPatches });
    log.info("stopped");
    return 0;
  } catch (error) {
    if (error instanceof DeepReorgError) {
      log.fatal(error.message);
      return 3;
    }
    if (error instanceof VeritallyError) log.fatal(error.message);
    else log.fatal(error as Error);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    signal?.removeEventListener("abort", onSignal);
  }
}
