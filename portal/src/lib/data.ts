/**
 * The one data module of the portal. Every public number comes from the indexer's database
 * (tables of schema.graphql, rebuilt from the chain alone); the relayer's vote_audit view is read
 * only by the cross-check (cross-check.ts). Pages call `portalData()`; tests build their own
 * instance with `createPortalData` against a database of their own.
 */

import { encodeRef, InvalidInputError, parseRef } from "@veritally/contracts";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { createHeightCache, type HeightCache } from "./cache.js";
import { config } from "./config.js";
import { type CrossCheckReport, createCrossCheck, openRelayer } from "./cross-check.js";
import { classify, createPool, type Db } from "./db.js";
import { neutraliseBidi } from "./display-text.js";
import { REF_PREFIX_HEX, REF_PREFIX_LIMIT } from "./ref-prefix.js";

export interface IndexerStatus {
  /** Highest block the indexer has processed. */
  height: number;
  chainHead: number;
  chainHeadAt: Date | null;
  updatedAt: Date;
  lag: number;
  finalizedHeight: number;
  chainId: number;
  contractAddress: string;
  startBlock: number;
  /** Set when the indexer stopped because its database no longer matches the chain. */
  error: string | null;
  errorBlock: number | null;
}

export type ElectionPhase = "scheduled" | "open" | "recording" | "closed";

export interface ChoiceCount {
  choice: number;
  label: string;
  count: number;
  /** Share of all counted votes, 0–100. */
  percent: number;
}

export interface ElectionSummary {
  id: string;
  title: string;
  phase: ElectionPhase;
  opensAt: Date;
  closesAt: Date;
  recordUntil: Date;
  closedEarly: boolean;
  totalVotes: number;
  lastVoteAt: Date | null;
  /** No gap, no repeat, tally adds up. */
  complete: boolean;
}

export interface Integrity {
  complete: boolean;
  nextExpectedSeq: string;
  missingSeqCount: string;
  gaps: { from: string; to: string; size: string }[];
  gapsShown: number;
  duplicateRefCount: number;
  duplicateHashCount: number;
  issues: { kind: string; value: string; seq: string; firstSeq: string; blockNumber: number }[];
  tallyConsistent: boolean;
  outOfRangeVotes: number;
  metadataValid: boolean;
  metadataError: string | null;
  createdEventSeen: boolean;
}

export interface BatchRow {
  id: string;
  firstSeq: string;
  count: number;
  blockNumber: number;
  timestamp: Date;
  txHash: string;
  gasUsed: string | null;
  feeWei: string | null;
  inGracePeriod: boolean;
}

export interface TimelinePoint {
  start: Date;
  count: number;
}

export interface VoteRecord {
  electionId: string;
  electionTitle: string;
  seq: string;
  ref: string;
  refText: string;
  choice: number;
  choiceLabel: string;
  /** Labels of every choice of the election, in choice order. */
  choices: string[];
  voteHash: string;
  blockNumber: number;
  blockHash: string;
  timestamp: Date;
  txHash: string;
  logIndex: number;
  inGracePeriod: boolean;
}

export interface ElectionDetail extends ElectionSummary {
  description: string | null;
  choiceCount: number;
  choices: ChoiceCount[];
  metadataHash: string;
  createdAtBlock: number;
  createdAt: Date;
  createdTx: string;
  scheduledClosesAt: Date;
  closedAt: Date | null;
  firstVoteAt: Date | null;
  graceVotes: number;
  batchCount: number;
  gasUsed: string;
  feesWei: string;
  integrity: Integrity;
}

export interface AuditData {
  election: ElectionDetail;
  batches: {
    count: number;
    meanSize: number | null;
    gasUsed: string;
    gasPerVote: number | null;
    feesWei: string;
    feePerVoteWei: string | null;
    recent: BatchRow[];
  };
  timeline: { granularity: "minute" | "hour"; points: TimelinePoint[] };
  firstVote: VoteRecord | null;
  lastVote: VoteRecord | null;
}

export interface ChainFacts {
  chainId: number | null;
  registryAddress: string | null;
  explorerUrl: string | null;
}

export interface PortalData {
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

export interface OperationsPoint {
  start: Date;
  votes: number;
  batches: number;
  meanBatchSize: number;
  gasUsed: string;
  feesWei: string;
  gasPerVote: number | null;
}

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

export interface OperationsData {
  granularity: "minute" | "hour";
  points: OperationsPoint[];
  totals: { votes: number; batches: number; gasUsed: string; feesWei: string };
}

/** Election ids are uint256 in decimal; anything else is not an election. */
export function isElectionId(value: string | undefined): value is string {
  return typeof value === "string" && /^(0|[1-9][0-9]{0,77})$/.test(value);
}

export function phaseOf(
  e: { opensAt: Date; closesAt: Date; recordUntil: Date; closed: boolean },
  now = Date.now(),
): ElectionPhase {
  if (now < e.opensAt.getTime()) return "scheduled";
  if (now < e.closesAt.getTime() && !e.closed) return "open";
  if (now < e.recordUntil.getTime()) return "recording";
  return "closed";
}

function percentOf(count: number, total: number): number {
  return total > 0 ? Math.round((count / total) * 1000) / 10 : 0;
}

function labelOf(labels: string[] | null, choice: number): string {
  const label = labels?.[choice];
  return label === undefined ? `Choice ${choice}` : neutraliseBidi(label);
}

interface ElectionRow {
  id: string;
  choice_count: number;
  opens_at: Date;
  closes_at: Date;
  record_until: Date;
  metadata_hash: string;
  metadata_valid: boolean;
  metadata_error: string | null;
  title: string | null;
  description: string | null;
  choice_labels: string[] | null;
  created_at_block: number;
  created_at: Date;
  created_tx: string;
  closed: boolean;
  closed_at: Date | null;
  scheduled_closes_at: Date;
  total_votes: number;
  tally: number[];
  first_vote_at: Date | null;
  last_vote_at: Date | null;
  batch_count: number;
  gas_used: string;
  fees_wei: string;
  grace_votes: number;
  next_expected_seq: string;
  missing_seq_count: string;
  duplicate_ref_count: number;
  duplicate_hash_count: number;
  tally_consistent: boolean;
  out_of_range_votes: number;
  created_event_seen: boolean;
}

const ELECTION_COLUMNS = `id, choice_count, opens_at, closes_at, record_until, metadata_hash, metadata_valid,
  metadata_error, title, description, choice_labels, created_at_block, created_at, created_tx, closed, closed_at,
  scheduled_closes_at, total_votes, tally, first_vote_at, last_vote_at, batch_count, gas_used::text, fees_wei::text,
  grace_votes, next_expected_seq::text, missing_seq_count::text, duplicate_ref_count, duplicate_hash_count,
  tally_consistent, out_of_range_votes, created_event_seen`;

function isComplete(r: ElectionRow): boolean {
  return (
    r.missing_seq_count === "0" &&
    r.duplicate_ref_count === 0 &&
    r.duplicate_hash_count === 0 &&
    r.tally_consistent &&
    r.out_of_range_votes === 0
  );
}

function titleOf(r: ElectionRow): string {
  return neutraliseBidi(r.title?.trim() || `Election ${r.id}`);
}

function summaryOf(r: ElectionRow, now: number): ElectionSummary {
  return {
    id: r.id,
    title: titleOf(r),
    phase: phaseOf({ opensAt: r.opens_at, closesAt: r.closes_at, recordUntil: r.record_until, closed: r.closed }, now),
    opensAt: r.opens_at,
    closesAt: r.closes_at,
    recordUntil: r.record_until,
    closedEarly: r.closed,
    totalVotes: r.total_votes,
    lastVoteAt: r.last_vote_at,
    complete: isComplete(r),
  };
}

interface VoteRow {
  election_id: string;
  title: string | null;
  choice_labels: string[] | null;
  choice_count: number;
  seq: string;
  ref: string;
  choice: number;
  vote_hash: string;
  block_number: number;
  block_hash: string;
  timestamp: Date;
  tx_hash: string;
  log_index: number;
  in_grace_period: boolean;
}

const VOTE_SELECT = `select v.election_id, e.title, e.choice_labels, e.choice_count, v.seq::text, v.ref, v.choice, v.vote_hash,
  v.block_number, v.block_hash, v.timestamp, v.tx_hash, v.log_index, v.in_grace_period
  from vote v join election e on e.id = v.election_id`;

function voteOf(r: VoteRow): VoteRecord {
  return {
    electionId: r.election_id,
    electionTitle: neutraliseBidi(r.title?.trim() || `Election ${r.election_id}`),
    seq: r.seq,
    ref: r.ref,
    refText: encodeRef(r.ref),
    choice: r.choice,
    choiceLabel: labelOf(r.choice_labels, r.choice),
    choices: Array.from({ length: r.choice_count }, (_, i) => labelOf(r.choice_labels, i)),
    voteHash: r.vote_hash,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    timestamp: r.timestamp,
    txHash: r.tx_hash,
    logIndex: r.log_index,
    inGracePeriod: r.in_grace_period,
  };
}

function batchOf(r: {
  id: string;
  first_seq: string;
  count: number;
  block_number: number;
  timestamp: Date;
  tx_hash: string;
  gas_used: string | null;
  fee_wei: string | null;
  in_grace_period: boolean;
}): BatchRow {
  return {
    id: r.id,
    firstSeq: r.first_seq,
    count: r.count,
    blockNumber: r.block_number,
    timestamp: r.timestamp,
    txHash: r.tx_hash,
    gasUsed: r.gas_used,
    feeWei: r.fee_wei,
    inGracePeriod: r.in_grace_period,
  };
}

/** Batches listed per page of the audit page. */
export const BATCHES_PER_PAGE = 25;
const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Most points a timeline shows; longer elections switch to hours. */
const MAX_MINUTE_POINTS = 360;
const MAX_HOUR_POINTS = 24 * 62;

/** Buckets with zeros filled in between, so the chart's x axis is time. */
export function fillTimeline(rows: TimelinePoint[], stepMs: number, maxPoints: number): TimelinePoint[] {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return [];
  const counts = new Map(rows.map((r) => [r.start.getTime(), r.count]));
  let from = first.start.getTime();
  const to = last.start.getTime();
  // Keep the most recent points when there are too many.
  if ((to - from) / stepMs + 1 > maxPoints) from = to - (maxPoints - 1) * stepMs;
  const points: TimelinePoint[] = [];
  for (let t = from; t <= to; t += stepMs) points.push({ start: new Date(t), count: counts.get(t) ?? 0 });
  return points;
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
  const clock = options.now ?? Date.now;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const indexer: Db = createPool(options.indexerUrl, { max: 10, statementTimeoutMs });
  const heightCache: HeightCache = createHeightCache();

  async function q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await indexer.query<R>(sql, params)).rows;
    } catch (error) {
      throw classify("indexer", options.indexerUrl, error);
    }
  }

  async function status(): Promise<IndexerStatus | null> {
    const rows = await q<{
      height: number;
      chain_head: number;
      chain_head_at: Date | null;
      updated_at: Date;
      lag: number;
      finalized_height: number;
      chain_id: number;
      contract_address: string;
      start_block: number;
      error: string | null;
      error_block: number | null;
    }>(
      `select height, chain_head, chain_head_at, updated_at, lag, finalized_height, chain_id, contract_address,
              start_block, error, error_block from indexer_status where id = 'status'`,
    );
    const r = rows[0];
    if (!r) return null;
    return {
      height: r.height,
      chainHead: r.chain_head,
      chainHeadAt: r.chain_head_at,
      updatedAt: r.updated_at,
      lag: r.lag,
      finalizedHeight: r.finalized_height,
      chainId: r.chain_id,
      contractAddress: r.contract_address,
      startBlock: r.start_block,
      error: r.error,
      errorBlock: r.error_block,
    };
  }

  let heightRead: { at: number; value: Promise<number> } | undefined;
  const heightTtlMs = options.heightTtlMs ?? 250;
  function height(): Promise<number> {
    const now = clock();
    if (heightRead && now - heightRead.at < heightTtlMs) return heightRead.value;
    const value = q<{ height: number }>("select height from indexer_status where id = 'status'").then(
      (rows) => rows[0]?.height ?? -1,
    );
    heightRead = { at: now, value };
    value.catch(() => {
      if (heightRead?.value === value) heightRead = undefined;
    });
    return value;
  }

  function chainFacts(s?: IndexerStatus | null): ChainFacts {
    return {
      chainId: options.chainId ?? s?.chainId ?? null,
      registryAddress: options.registryAddress ?? s?.contractAddress?.toLowerCase() ?? null,
      explorerUrl: options.explorerUrl ?? null,
    };
  }

  async function listElections(): Promise<ElectionSummary[]> {
    const rows = await q<ElectionRow>(
      `select ${ELECTION_COLUMNS} from election order by opens_at desc, length(id) desc, id desc`,
    );
    return rows.map((r) => summaryOf(r, clock()));
  }

  async function electionRow(id: string): Promise<ElectionRow | undefined> {
    if (!isElectionId(id)) return undefined;
    return (await q<ElectionRow>(`select ${ELECTION_COLUMNS} from election where id = $1`, [id]))[0];
  }

  async function detailOf(r: ElectionRow): Promise<ElectionDetail> {
    const [gaps, issues] = await Promise.all([
      q<{ from_seq: string; to_seq: string; size: string }>(
        `select from_seq::text, to_seq::text, (to_seq - from_seq + 1)::text as size from seq_gap
          where election_id = $1 order by seq_gap.from_seq limit 100`,
        [r.id],
      ),
      q<{ kind: string; value: string; seq: string; first_seq: string; block_number: number }>(
        `select kind, value, seq::text, first_seq::text, block_number from integrity_issue
          where election_id = $1 order by integrity_issue.seq limit 100`,
        [r.id],
      ),
    ]);
    const choices: ChoiceCount[] = Array.from({ length: r.choice_count }, (_, choice) => {
      const count = r.tally[choice] ?? 0;
      return { choice, label: labelOf(r.choice_labels, choice), count, percent: percentOf(count, r.total_votes) };
    });
    return {
      ...summaryOf(r, clock()),
      description: r.description === null ? null : neutraliseBidi(r.description),
      choiceCount: r.choice_count,
      choices,
      metadataHash: r.metadata_hash,
      createdAtBlock: r.created_at_block,
      createdAt: r.created_at,
      createdTx: r.created_tx,
      scheduledClosesAt: r.scheduled_closes_at,
      closedAt: r.closed_at,
      firstVoteAt: r.first_vote_at,
      graceVotes: r.grace_votes,
      batchCount: r.batch_count,
      gasUsed: r.gas_used,
      feesWei: r.fees_wei,
      integrity: {
        complete: isComplete(r) && issues.length === 0,
        nextExpectedSeq: r.next_expected_seq,
        missingSeqCount: r.missing_seq_count,
        gaps: gaps.map((g) => ({ from: g.from_seq, to: g.to_seq, size: g.size })),
        gapsShown: gaps.length,
        duplicateRefCount: r.duplicate_ref_count,
        duplicateHashCount: r.duplicate_hash_count,
        issues: issues.map((i) => ({
          kind: i.kind,
          value: i.value,
          seq: i.seq,
          firstSeq: i.first_seq,
          blockNumber: i.block_number,
        })),
        tallyConsistent: r.tally_consistent,
        outOfRangeVotes: r.out_of_range_votes,
        metadataValid: r.metadata_valid,
        metadataError: r.metadata_error,
        createdEventSeen: r.created_event_seen,
      },
    };
  }

  async function election(id: string): Promise<ElectionDetail | null> {
    const r = await electionRow(id);
    return r ? detailOf(r) : null;
  }

  async function batches(id: string, o: { limit?: number; beforeFirstSeq?: string } = {}): Promise<BatchRow[]> {
    if (!isElectionId(id)) return [];
    const limit = Math.min(Math.max(o.limit ?? 25, 1), 1000);
    const before = o.beforeFirstSeq !== undefined && /^\d{1,30}$/.test(o.beforeFirstSeq) ? o.beforeFirstSeq : null;
    const rows = await q<Parameters<typeof batchOf>[0]>(
      `select id, first_seq::text, count, block_number, timestamp, tx_hash, gas_used::text, fee_wei::text,
              in_grace_period
         from batch where election_id = $1 and ($2::numeric is null or first_seq < $2::numeric)
        order by batch.first_seq desc, batch.block_number desc limit $3`,
      [id, before, limit],
    );
    return rows.map(batchOf);
  }

  async function voteAt(id: string, seq: string): Promise<VoteRecord | null> {
    const rows = await q<VoteRow>(`${VOTE_SELECT} where v.election_id = $1 and v.seq = $2::numeric`, [id, seq]);
    return rows[0] ? voteOf(rows[0]) : null;
  }

  async function timeline(r: ElectionRow): Promise<AuditData["timeline"]> {
    const span = r.first_vote_at && r.last_vote_at ? r.last_vote_at.getTime() - r.first_vote_at.getTime() : 0;
    const granularity = span <= (MAX_MINUTE_POINTS - 1) * MINUTE ? "minute" : "hour";
    const rows = await q<{ start: Date; count: number }>(
      `select start, count from vote_bucket where election_id = $1 and granularity = $2 order by start`,
      [r.id, granularity],
    );
    return {
      granularity,
      points: fillTimeline(
        rows,
        granularity === "minute" ? MINUTE : HOUR,
        granularity === "minute" ? MAX_MINUTE_POINTS : MAX_HOUR_POINTS,
      ),
    };
  }

  async function audit(id: string, o: { beforeFirstSeq?: string } = {}): Promise<AuditData | null> {
    const r = await electionRow(id);
    if (!r) return null;
    const lastSeq = BigInt(r.next_expected_seq) - 1n;
    const [detail, recent, points, firstVote, lastVote] = await Promise.all([
      detailOf(r),
      batches(id, { limit: BATCHES_PER_PAGE, ...(o.beforeFirstSeq ? { beforeFirstSeq: o.beforeFirstSeq } : {}) }),
      timeline(r),
      r.total_votes > 0 ? firstVoteOf(id) : Promise.resolve(null),
      lastSeq >= 0n ? voteAt(id, lastSeq.toString()) : Promise.resolve(null),
    ]);
    const gas = BigInt(r.gas_used);
    const fees = BigInt(r.fees_wei);
    return {
      election: detail,
      batches: {
        count: r.batch_count,
        meanSize: r.batch_count > 0 ? r.total_votes / r.batch_count : null,
        gasUsed: r.gas_used,
        gasPerVote: r.total_votes > 0 ? Number(gas) / r.total_votes : null,
        feesWei: r.fees_wei,
        feePerVoteWei: r.total_votes > 0 ? (fees / BigInt(r.total_votes)).toString() : null,
        recent,
      },
      timeline: points,
      firstVote,
      lastVote,
    };
  }

  async function firstVoteOf(id: string): Promise<VoteRecord | null> {
    // The lowest seq, normally 0 (a gap at the start shows in the integrity section).
    const rows = await q<VoteRow>(`${VOTE_SELECT} where v.election_id = $1 order by v.seq limit 1`, [id]);
    return rows[0] ? voteOf(rows[0]) : null;
  }

  async function votesByRef(ref: string): Promise<VoteRecord[]> {
    const hex = parseRef(ref);
    const rows = await q<VoteRow>(`${VOTE_SELECT} where v.ref = $1 order by v.block_number, v.log_index`, [hex]);
    return rows.map(voteOf);
  }

  async function votesByRefPrefix(prefix: string): Promise<VoteRecord[]> {
    if (!new RegExp(`^[0-9a-f]{${REF_PREFIX_HEX}}$`).test(prefix)) {
      throw new InvalidInputError("prefix", `expected ${REF_PREFIX_HEX} lower-case hex digits, the start of a ref`);
    }
    // ref is text in the C collation: a prefix LIKE walks the ref index.
    const rows = await q<VoteRow>(
      `${VOTE_SELECT} where v.ref like $1 order by v.ref, v.block_number, v.log_index limit $2`,
      [`0x${prefix}%`, REF_PREFIX_LIMIT],
    );
    return rows.map(voteOf);
  }

  async function votesCsv(id: string): Promise<ReadableStream<Uint8Array> | null> {
    if (!(await electionRow(id))) return null;
    let client: pg.PoolClient;
    try {
      client = await indexer.connect();
    } catch (error) {
      throw classify("indexer", options.indexerUrl, error);
    }
    // The id was checked to be digits above; COPY takes no parameters.
    const stream = client.query(
      copyTo(
        // A label a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading
        // apostrophe, as OWASP's CSV-injection advice says; every other field is digits or hex.
        `copy (select v.election_id, v.seq, v.ref, v.choice,
                      case when e.choice_labels[v.choice + 1] ~ '^[-=+@\\t\\r]'
                           then '''' || e.choice_labels[v.choice + 1]
                           else e.choice_labels[v.choice + 1] end as choice_label,
                      v.vote_hash, v.block_number, v.block_hash, v.tx_hash, v.log_index,
                      to_char(v.timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as timestamp,
                      v.in_grace_period
                 from vote v join election e on e.id = v.election_id
                where v.election_id = '${id}' order by v.seq)
           to stdout with (format csv, header)`,
      ),
    );
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      // A connection in the middle of a COPY cannot be reused.
      client.release(error ?? undefined);
    };
    stream.on("end", () => release());
    stream.on("error", (error) => release(error));
    return new ReadableStream<Uint8Array>({
      start(controller) {
        stream.on("data", (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) stream.pause();
        });
        stream.on("end", () => controller.close());
        stream.on("error", (error) => controller.error(error));
      },
      pull() {
        stream.resume();
      },
      cancel() {
        stream.destroy();
        release(new Error("download cancelled"));
      },
    });
  }

  const relayer = options.relayerAuditUrl
    ? createPool(options.relayerAuditUrl, { max: 2, statementTimeoutMs })
    : undefined;
  const crossChecker = relayer
    ? createCrossCheck({
        indexer,
        indexerUrl: options.indexerUrl,
        relayer,
        relayerUrl: options.relayerAuditUrl as string,
        pendingGraceSeconds: options.pendingGraceSeconds ?? 900,
        now: clock,
      })
    : undefined;

  const latestReports = new Map<string, CrossCheckReport>();
  const minIntervalMs = (options.crossCheckMinIntervalSeconds ?? 5) * 1000;

  async function crossCheck(id: string): Promise<CrossCheckReport | null> {
    if (!crossChecker) return null;
    const r = await electionRow(id);
    if (!r) throw new Error(`no election ${id}`);
    const h = await height();
    const latest = latestReports.get(id);
    // The report names the block it was computed at, so a recent one stays honest after the height moves.
    if (latest && latest.indexedHeight !== h && clock() - Date.parse(latest.computedAt) < minIntervalMs) {
      return latest;
    }
    // One computation per election and indexed height, shared by concurrent requests.
    const report = await heightCache.get(`cross-check:${id}`, h, () =>
      crossChecker.run({ electionId: id, indexedHeight: h, chainTally: r.tally, chainTotal: r.total_votes }),
    );
    const known = latestReports.get(id);
    if (!known || Date.parse(report.computedAt) >= Date.parse(known.computedAt)) latestReports.set(id, report);
    return report;
  }

  async function operations(o: { hours?: number } = {}): Promise<OperationsData> {
    const hours = Math.min(Math.max(o.hours ?? 24, 1), 24 * 31);
    const granularity = hours <= 6 ? "minute" : "hour";
    const rows = await q<{
      start: Date;
      votes: string;
      batches: string;
      gas: string | null;
      fees: string | null;
    }>(
      `select date_trunc($1, timestamp) as start, sum(count)::text as votes, count(*)::text as batches,
              sum(gas_used)::text as gas, sum(fee_wei)::text as fees
         from batch
        where timestamp > (select coalesce(max(timestamp), now()) from batch) - make_interval(hours => $2)
        group by 1 order by 1`,
      [granularity, hours],
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
  }

  async function latency(o: { hours?: number } = {}): Promise<LatencyData | null> {
    if (!relayer || !options.relayerAuditUrl) return null;
    const hours = Math.min(Math.max(o.hours ?? 24, 1), 24 * 31);
    const granularity = hours <= 6 ? "minute" : "hour";
    const h = await height();
    return heightCache.get(`latency:${hours}`, h, async () => {
      const client = await openRelayer({ relayer, relayerUrl: options.relayerAuditUrl as string });
      let perBlock: { block_number: string; votes: number; mean_accepted: number; first_accepted: number }[];
      try {
        perBlock = (
          await client.query(
            `select block_number, count(*)::int as votes, avg(extract(epoch from accepted_at))::float8 as mean_accepted,
                    extract(epoch from min(accepted_at))::float8 as first_accepted
               from vote_audit
              where block_number is not null and accepted_at > now() - make_interval(hours => $1)
              group by block_number`,
            [hours],
          )
        ).rows;
        await client.query("commit");
        client.release();
      } catch (error) {
        client.release(true);
        throw classify("relayer", options.relayerAuditUrl as string, error);
      }
      if (perBlock.length === 0) return { granularity, points: [] };
      const times = await q<{ block_number: number; ts: number }>(
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
  }

  return {
    status,
    height,
    chainFacts,
    listElections,
    election,
    audit,
    batches,
    votesByRef,
    votesByRefPrefix,
    votesCsv,
    crossCheck,
    operations,
    latency,
    async close() {
      await Promise.all([indexer.end(), relayer?.end()]);
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
