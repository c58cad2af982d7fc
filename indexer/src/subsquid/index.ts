/**
 * Subsquid's internals, in one room. Every use the indexer makes of a part of Subsquid that is not
 * its public API goes through this module; nothing else casts a Subsquid object. It is written
 * against the exact versions in PATCHED_VERSIONS (package.json pins them), and
 * assertSubsquidVersions() refuses to start on any other, naming the package. At an upgrade, this
 * file, evm-entities.ts beside it and their tests are what to port (indexer/README.md, "Subsquid's
 * internals", lists what each point buys and how it was measured).
 *
 * For correctness:
 * - processorParts, runBatches: the processor's parts, run by runner.ts with Subsquid's own Runner
 *   instead of processor.run(), which ends the process on any error: after a stop the stored
 *   chain is checked for a reorg below the finality depth, and the processor starts again;
 * - replaceHeadPolling, isDataConsistencyError: the HTTP head poll with the head's hash, so that
 *   an equal-height replacement chain is rolled in without waiting for the chain to grow;
 * - serveMetricsOnce, dropProgressGauges: one metrics server across those restarts, and each
 *   Runner's progress gauges registered afresh;
 * - connectWithDataSource: typeorm-store's connect() over our DataSource (the models as classes:
 *   the bundle has no lib/model for Subsquid to find them in);
 * - batchEntityManager, hotChangeTracker: the batch's transaction for reads, COPY and DDL, and the
 *   hot-block change log COPYs must be recorded in;
 * - chainClient: the handler's RPC client (ctx._chain, which Subsquid's typegen contracts use);
 * - prometheusPortWithHost, listenOnLoopback: the metrics and GraphQL servers bound to one
 *   interface (neither has a host setting).
 * For speed only (runIndexer's speedPatches turn them off for `MODE=patches npm run bench:indexer`):
 * - fasterEvmEntities: the processor's data classes without WeakMaps (evm-entities.ts): 5 to
 *   14% of the processor's CPU in a full sync;
 * - mergeFinalBatches: final blocks that have arrived handed to the handler together; within the
 *   noise, but it wraps the data source's public getFinalizedBlocks(), taken with the head poll.
 * (Receipts validated once, by the mapping only, went: it saved about 1.5% and gave up a check.)
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BlockData, DataHandlerContext } from "@subsquid/evm-processor";
import evmProcessorPackage from "@subsquid/evm-processor/package.json" with { type: "json" };
import type { Server as GraphqlServer } from "@subsquid/graphql-server/lib/server.js";
import graphqlServerPackage from "@subsquid/graphql-server/package.json" with { type: "json" };
import type { Logger } from "@subsquid/logger";
import type { RpcClient } from "@subsquid/rpc-client";
import rpcClientPackage from "@subsquid/rpc-client/package.json" with { type: "json" };
import type { Store, TypeormDatabase } from "@subsquid/typeorm-store";
import typeormStorePackage from "@subsquid/typeorm-store/package.json" with { type: "json" };
import { type Database, Runner, type RunnerConfig } from "@subsquid/util-internal-processor-tools";
import processorToolsPackage from "@subsquid/util-internal-processor-tools/package.json" with { type: "json" };
import { NonRetryableError } from "@veritally/contracts";
import type { Plugin } from "esbuild";
import type { DataSource, EntityManager } from "typeorm";
import type { Processor } from "../processor.js";

/**
 * The versions this module (and evm-entities.ts) was written against. rpc-client is not patched,
 * but the processor's client (an internal) is its RpcClient, and evm-processor accepts any 4.x.
 */
export const PATCHED_VERSIONS: Readonly<Record<string, string>> = {
  "@subsquid/evm-processor": "1.27.3",
  "@subsquid/util-internal-processor-tools": "4.2.1",
  "@subsquid/rpc-client": "4.14.0",
  "@subsquid/typeorm-store": "1.5.1",
  "@subsquid/graphql-server": "4.11.0",
};

/** What is installed (in the bundle: what was bundled). */
export const INSTALLED_VERSIONS: Readonly<Record<string, string>> = {
  [evmProcessorPackage.name]: evmProcessorPackage.version,
  [processorToolsPackage.name]: processorToolsPackage.version,
  [rpcClientPackage.name]: rpcClientPackage.version,
  [typeormStorePackage.name]: typeormStorePackage.version,
  [graphqlServerPackage.name]: graphqlServerPackage.version,
};

/** Refuses to run on Subsquid packages other than those this module was written against. */
export function assertSubsquidVersions(installed: Readonly<Record<string, string>> = INSTALLED_VERSIONS): void {
  const wrong = Object.entries(PATCHED_VERSIONS)
    .filter(([name, expected]) => installed[name] !== expected)
    .map(([name, expected]) => `${name}: expected ${expected}, found ${installed[name] ?? "none"}`);
  if (wrong.length) {
    throw new NonRetryableError(
      "subsquid_version_unsupported",
      `indexer/src/subsquid/index.ts uses internals of these Subsquid packages and is written for other versions: ${wrong.join("; ")}. ` +
        "Install the pinned versions (npm ci), or port the module and update PATCHED_VERSIONS.",
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The processor's parts (EvmBatchProcessor's private getters, evm-processor 1.27.3).

interface Head {
  height: number;
  hash?: string;
}

/** A range of final blocks, as the data source yields them. */
export interface FinalBatch {
  blocks: { logs?: unknown[] }[];
  isHead: boolean;
}

type HeadPolling = (navigate: (head: Head) => Promise<void>, isEnd: () => boolean) => Promise<void>;

/** EvmRpcDataSource's members used here (`rpc` and `polling` are private). */
interface HotDataSource {
  rpc: { client: RpcClient };
  polling: HeadPolling;
  getFinalizedBlocks(requests: unknown, stopOnHead?: boolean): AsyncIterable<FinalBatch>;
}

/** PrometheusServer's members used here (`registry` is private). */
interface Prometheus {
  serve(): Promise<unknown>;
  registry: { getMetricsAsArray(): { name: string }[]; removeSingleMetric(name: string): void };
}

/** The handler's context's `_chain` (marked @internal in evm-processor's types; made by a private getter). */
type Chain = DataHandlerContext<Store, object>["_chain"];

interface ProcessorGetters {
  getBatchRequests(): unknown;
  getHotDataSource(): HotDataSource;
  getChain(): Chain;
  getChainRpcClient(): RpcClient;
  getPrometheusServer(): Prometheus;
  getLogger(): Logger;
}

const GETTERS = [
  "getBatchRequests",
  "getHotDataSource",
  "getChain",
  "getChainRpcClient",
  "getPrometheusServer",
  "getLogger",
] as const satisfies readonly (keyof ProcessorGetters)[];

/** What runner.ts runs the processor from; each getter is memoised by the processor. */
export interface ProcessorParts {
  rpc: RpcClient;
  source: HotDataSource;
  prometheus: Prometheus;
  log: Logger;
  requests: unknown;
  chain: Chain;
}

export function processorParts(processor: Processor): ProcessorParts {
  const getters = processor as unknown as ProcessorGetters;
  for (const name of GETTERS) {
    if (typeof getters[name] !== "function") {
      throw new NonRetryableError(
        "processor_internals_changed",
        `@subsquid/evm-processor has no ${name}() any more: indexer/src/subsquid/index.ts is written for ${PATCHED_VERSIONS["@subsquid/evm-processor"]}`,
      );
    }
  }
  return {
    rpc: getters.getChainRpcClient(),
    source: getters.getHotDataSource(),
    prometheus: getters.getPrometheusServer(),
    log: getters.getLogger(),
    requests: getters.getBatchRequests(),
    chain: getters.getChain(),
  };
}

/** The head poll over HTTP (the data source's private `polling`), replaced by `poll(client)`. */
export function replaceHeadPolling(source: HotDataSource, poll: (client: RpcClient) => HeadPolling): void {
  source.polling = poll(source.rpc.client);
}

/** The data source's final-block stream, passed through `wrap`. */
export function mergeFinalBatches(
  source: HotDataSource,
  wrap: (batches: AsyncIterable<FinalBatch>) => AsyncIterable<FinalBatch>,
): void {
  const finalBlocks = source.getFinalizedBlocks.bind(source);
  source.getFinalizedBlocks = (requests, stopOnHead) => wrap(finalBlocks(requests, stopOnHead));
}

/** The processor's "block not served yet (or no longer)" error: ask again. */
export function isDataConsistencyError(error: unknown): boolean {
  return (
    error instanceof Error &&
    Boolean((error as { __sqd_data_consistency_error?: boolean }).__sqd_data_consistency_error)
  );
}

/**
 * Each Runner starts the metrics server: the first start is kept, and its server is what
 * `serving()` resolves to (undefined if never started).
 */
export function serveMetricsOnce(prometheus: Prometheus): {
  serving(): Promise<{ close(): Promise<void> } | undefined>;
} {
  const serve = prometheus.serve.bind(prometheus);
  let started: Promise<unknown> | undefined;
  prometheus.serve = () => {
    started ??= serve();
    return started;
  };
  return {
    serving: async () => (await started?.catch(() => undefined)) as { close(): Promise<void> } | undefined,
  };
}

/** Each Runner registers its progress gauges: those of the one before go first. */
export function dropProgressGauges(prometheus: Prometheus): void {
  for (const metric of prometheus.registry.getMetricsAsArray()) {
    if (metric.name.startsWith("sqd_processor_")) prometheus.registry.removeSingleMetric(metric.name);
  }
}

/** The context the handler gets, as processor.run() builds it. */
export type HandlerContext<F extends object> = DataHandlerContext<Store, F>;

export interface BatchRun<F extends object> {
  parts: ProcessorParts;
  database: TypeormDatabase;
  allBlocksAreFinal: boolean;
  handle(ctx: HandlerContext<F>): Promise<void>;
  /** Checked before each batch; a throw stops the Runner without committing the batch. */
  beforeBatch(): void;
  mappingLog: Logger;
}

/** Subsquid's Runner over the processor's parts, as processor.run() runs it; resolves when it ends. */
export function runBatches<F extends object>(run: BatchRun<F>): Promise<void> {
  const { parts } = run;
  type Config = RunnerConfig<unknown, Store>;
  // The parts are the processor's own, typed here by the members used; the Runner's types name
  // the classes they are instances of.
  return new Runner<unknown, Store>({
    database: run.database as Database<Store>,
    requests: parts.requests as Config["requests"],
    hotDataSource: parts.source as unknown as Config["hotDataSource"],
    allBlocksAreFinal: run.allBlocksAreFinal,
    prometheus: parts.prometheus as unknown as Config["prometheus"],
    log: parts.log,
    process(store: Store, batch) {
      run.beforeBatch();
      return run.handle({
        _chain: parts.chain,
        log: run.mappingLog,
        store,
        blocks: batch.blocks as unknown as BlockData<F>[],
        isHead: batch.isHead,
      });
    },
  }).run();
}

/** The handler's RPC client (call and batchCall): the one the processor reads the chain with. */
export function chainClient(ctx: { _chain: Chain }): Chain["client"] {
  return ctx._chain.client;
}

// ---------------------------------------------------------------------------------------------
// Binding. Both servers pass their "port" setting to Node's listen() as it is, which takes {port, host}.

/**
 * What setPrometheusPort() takes for the metrics server on `host`. The public way is
 * evm-processor 1.29.0's setPrometheusServer() (release notes of 2026-03-18), not on npm yet.
 */
export function prometheusPortWithHost(port: number, host: string): number {
  return { port, host } as unknown as number;
}

/** Subsquid's GraphQL server on an ephemeral 127.0.0.1 port (the guard serves the public one). */
export function listenOnLoopback(server: GraphqlServer): void {
  assertSubsquidVersions();
  (server as unknown as { port(): unknown }).port = () => ({ port: 0, host: "127.0.0.1" });
}

// ---------------------------------------------------------------------------------------------
// typeorm-store 1.5.1.

/**
 * The EntityManager of a batch's transaction, which the Store keeps private. For reads, DDL and
 * COPY only: entity writes go through the store, whose hot-block change tracking must see every
 * one (hotChangeTracker).
 */
export function batchEntityManager(store: Store): EntityManager {
  return (store as unknown as { em: () => EntityManager }).em();
}

/** The Store's hot-block change tracker, present in hot blocks only: what a COPY must report its rows to. */
export interface ChangeTracker {
  trackInsert(type: new (...args: never[]) => object, entities: object[]): Promise<void>;
}

export function hotChangeTracker(store: Store): ChangeTracker | undefined {
  return (store as unknown as { changes?: ChangeTracker }).changes;
}

interface TypeormDatabaseInternals {
  con?: DataSource;
  initTransaction(em: EntityManager): Promise<unknown>;
}

/**
 * typeorm-store's connect(), over the DataSource `createDataSource` makes instead of the one it
 * builds from files (lib/model or src/model): the rest (transactions, hot blocks, rollbacks) is
 * the package's own.
 */
export function connectWithDataSource(database: TypeormDatabase, createDataSource: () => DataSource): void {
  const internals = database as unknown as TypeormDatabaseInternals;
  database.connect = async () => {
    if (internals.con) throw new Error("already connected");
    const con = createDataSource();
    await con.initialize();
    internals.con = con;
    try {
      return (await con.transaction("READ COMMITTED", (em) => internals.initTransaction.call(database, em))) as Awaited<
        ReturnType<TypeormDatabase["connect"]>
      >;
    } catch (error) {
      await con.destroy().catch(() => {});
      internals.con = undefined;
      throw error;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The bundle (build.ts): evm-entities.ts in place of evm-processor's lib/mapping/entities.js.

/** The SHA-256 of @subsquid/evm-processor 1.27.3's lib/mapping/entities.js, which evm-entities.ts replaces. */
export const REPLACED_ENTITIES_SHA256 = "a2be7fbdee09cb420772142b896502bd727d50efdda93ca4bdc69f590a4053c4";

const portedEntities = path.join(path.dirname(fileURLToPath(import.meta.url)), "evm-entities.ts");

/**
 * The processor's data classes from evm-entities.ts instead of the package's (which keep each
 * log's links in WeakMaps the garbage collector must trace), when the package's file is the one
 * that module was written from. Otherwise the package's, and a warning.
 */
export function fasterEvmEntities(expectedSha256: string = REPLACED_ENTITIES_SHA256): Plugin {
  return {
    name: "faster-evm-entities",
    setup(build) {
      build.onResolve({ filter: /^\.\.\/mapping\/entities$/ }, async (args) => {
        if (!args.importer.includes(`${path.sep}@subsquid${path.sep}evm-processor${path.sep}`)) return undefined;
        const original = path.resolve(args.resolveDir, "../mapping/entities.js");
        const digest = createHash("sha256")
          .update(await readFile(original))
          .digest("hex");
        if (digest !== expectedSha256) {
          return {
            path: original,
            warnings: [
              {
                text: `${original} is not the file src/subsquid/evm-entities.ts replaces (another @subsquid/evm-processor version?): the package's is bundled, and the processor is slower`,
              },
            ],
          };
        }
        return { path: portedEntities };
      });
    },
  };
}
