/**
 * The portal's data, put together: each page family reads through its own module
 * (elections.ts, votes.ts, votes-csv.ts, indexer-status.ts, operations.ts; cross-check.ts and
 * cross-check-throttle.ts for the cross-check page, relayer-latency.ts for /admin). Every public
 * number comes from the indexer's database (tables of schema.graphql, rebuilt from the chain
 * alone); the relayer's vote_audit view is read, as the audit role only, by the cross-check and by
 * the operators' latency chart. Pages call `portalData()`; tests build their own instance with
 * `createPortalData` against a database of their own.
 */
import { createHeightCache } from "./cache.js";
import { config } from "./config.js";
import { type CrossCheckReport, createCrossCheck } from "./cross-check.js";
import { createThrottledCrossCheck } from "./cross-check-throttle.js";
import { createPool } from "./db.js";
import {
  type AuditData,
  type BatchRow,
  createElectionReads,
  type ElectionDetail,
  type ElectionSummary,
} from "./elections.js";
import { createIndexerReader } from "./indexer-reader.js";
import { type ChainFacts, createStatusReads, type IndexerStatus } from "./indexer-status.js";
import { createOperationsRead, type OperationsData } from "./operations.js";
import { createLatencyRead, type LatencyData } from "./relayer-latency.js";
import { createVoteReads, type VoteReads, type VoteRecord } from "./votes.js";
import { createVotesCsv } from "./votes-csv.js";

export type {
  AuditData,
  BatchRow,
  ChoiceCount,
  ElectionDetail,
  ElectionPhase,
  ElectionSummary,
  Integrity,
  TimelinePoint,
} from "./elections.js";
export { BATCHES_PER_PAGE, fillTimeline, isElectionId, phaseOf } from "./elections.js";
export type { ChainFacts, IndexerStatus } from "./indexer-status.js";
export type { OperationsData, OperationsPoint } from "./operations.js";
export type { LatencyData, LatencyPoint } from "./relayer-latency.js";
export type { RefListEntry, RefListPage, VoteRecord } from "./votes.js";
export { REF_LIST_PAGE } from "./votes.js";

export interface PortalData {
  /** The clock pages show ages against (injected in tests). */
  now(): number;
  /** An election's public list of references, paged or searched (votes.ts). */
  refList: VoteReads["refList"];
  /** The indexer's status row; null before the indexer first wrote it. */
  status(): Promise<IndexerStatus | null>;
  /** The indexed height every cached answer is keyed by (-1 before the indexer ran). */
  height(): Promise<number>;
  chainFacts(status?: IndexerStatus | null): ChainFacts;
  listElections(): Promise<ElectionSummary[]>;
  election(id: string): Promise<ElectionDetail | null>;
  /** beforeFirstSeq: list the batches below this seq (older ones), for paging through every batch. */
  audit(id: string, options?: { beforeFirstSeq?: string }): Promise<AuditData | null>;
  batches(id: string, options?: { limit?: number; beforeFirstSeq?: string }): Promise<BatchRow[]>;
  votesByRef(ref: string): Promise<VoteRecord[]>;
  /**
   * Every vote whose ref starts with these REF_PREFIX_HEX hex digits (at most REF_PREFIX_LIMIT):
   * the verify page asks this way, so the portal's logs see a bucket of votes, not one voter's.
   */
  votesByRefPrefix(prefix: string): Promise<VoteRecord[]>;
  /** Every vote of an election as CSV, ordered by seq, streamed from the database. */
  votesCsv(id: string): Promise<ReadableStream<Uint8Array> | null>;
  /** Chain against relayer for every vote; null when no relayer database is configured. */
  crossCheck(id: string): Promise<CrossCheckReport | null>;
  /** Figures for /admin from the chain side: throughput, batch sizes, gas and fees over time. */
  operations(options?: { hours?: number }): Promise<OperationsData>;
  /**
   * Accepted-to-block latency over time: the relayer's acceptance times (vote_audit) against the
   * chain's block times (indexer); null when no relayer database is configured.
   */
  latency(options?: { hours?: number }): Promise<LatencyData | null>;
  close(): Promise<void>;
}

export interface PortalDataOptions {
  indexerUrl: string;
  relayerAuditUrl?: string | undefined;
  chainId?: number | undefined;
  registryAddress?: string | undefined;
  explorerUrl?: string | undefined;
  pendingGraceSeconds?: number;
  /**
   * A report younger than this is served even after the height moved, so a popular cross-check
   * of a big election costs one reconciliation per interval, not one per block. Default 5.
   */
  crossCheckMinIntervalSeconds?: number;
  statementTimeoutMs?: number;
  /** How long a read of the indexed height is reused (ms); concurrent reads share one query. */
  heightTtlMs?: number;
  /** The clock (ms since the epoch) for phases, caches and the cross-check; tests inject one. */
  now?: () => number;
}

export function createPortalData(options: PortalDataOptions): PortalData {
  const now = options.now ?? Date.now;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const indexer = createIndexerReader(options.indexerUrl, { statementTimeoutMs });
  const heightCache = createHeightCache();
  const statusReads = createStatusReads(indexer, {
    now,
    heightTtlMs: options.heightTtlMs ?? 250,
    chainId: options.chainId,
    registryAddress: options.registryAddress,
    explorerUrl: options.explorerUrl,
  });
  const voteReads = createVoteReads(indexer);
  const elections = createElectionReads(indexer, voteReads, { now });
  const votesCsv = createVotesCsv(indexer, async (id) => (await elections.electionRow(id)) !== undefined);
  const operations = createOperationsRead(indexer, now);

  const relayerUrl = options.relayerAuditUrl;
  const relayer = relayerUrl ? createPool(relayerUrl, { max: 2, statementTimeoutMs }) : undefined;
  const crossCheck =
    relayer && relayerUrl
      ? createThrottledCrossCheck({
          crossChecker: createCrossCheck({
            indexer: indexer.pool,
            indexerUrl: options.indexerUrl,
            relayer,
            relayerUrl,
            pendingGraceSeconds: options.pendingGraceSeconds ?? 900,
            now,
          }),
          electionRow: elections.electionRow,
          height: statusReads.height,
          heightCache,
          minIntervalMs: (options.crossCheckMinIntervalSeconds ?? 5) * 1000,
          now,
        })
      : undefined;
  const latency =
    relayer && relayerUrl
      ? createLatencyRead({ indexer, relayer, relayerUrl, height: statusReads.height, heightCache, now })
      : undefined;

  return {
    now,
    ...statusReads,
    refList: voteReads.refList,
    listElections: elections.listElections,
    election: elections.election,
    audit: elections.audit,
    batches: elections.batches,
    votesByRef: voteReads.votesByRef,
    votesByRefPrefix: voteReads.votesByRefPrefix,
    votesCsv,
    crossCheck: async (id) => (crossCheck ? crossCheck(id) : null),
    operations,
    latency: async (o) => (latency ? latency(o) : null),
    async close() {
      await Promise.all([indexer.pool.end(), relayer?.end()]);
    },
  };
}

let shared: PortalData | undefined;

/** The process's data module, configured from the environment (see config.ts). */
export function portalData(): PortalData {
  if (!shared) {
    const c = config();
    shared = createPortalData({
      indexerUrl: c.indexerDatabaseUrl,
      relayerAuditUrl: c.relayerAuditDatabaseUrl,
      chainId: c.chainId,
      registryAddress: c.registryAddress,
      explorerUrl: c.explorerUrl,
      pendingGraceSeconds: c.pendingGraceSeconds,
      crossCheckMinIntervalSeconds: c.crossCheckMinIntervalSeconds,
      statementTimeoutMs: c.statementTimeoutMs,
    });
  }
  return shared;
}
