/**
 * Elections as the indexer records them: the list of the home page, the figures of an election's
 * page (tally, completeness, batches, timeline) and its open-data JSON.
 */
import {
  ELECTION_COLUMNS,
  type ElectionRow,
  type BatchRow as IndexerBatchRow,
  selectList,
} from "@veritally/indexer/read-model";
import { neutraliseBidi } from "./display-text.js";
import { type ElectionExtras, extrasOf } from "./election-extras.js";
import type { IndexerReader } from "./indexer-reader.js";
import { labelOf, type VoteReads, type VoteRecord } from "./votes.js";

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

export interface ElectionDetail extends ElectionSummary, ElectionExtras {
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

/** Election ids are uint256 in decimal; anything else is not an election. */
export function isElectionId(value: string | undefined): value is string {
  return typeof value === "string" && /^(0|[1-9][0-9]{0,77})$/.test(value);
}

export function phaseOf(
  e: { opensAt: Date; closesAt: Date; recordUntil: Date; closed: boolean },
  now: number,
): ElectionPhase {
  if (now < e.opensAt.getTime()) return "scheduled";
  if (now < e.closesAt.getTime() && !e.closed) return "open";
  if (now < e.recordUntil.getTime()) return "recording";
  return "closed";
}

function percentOf(count: number, total: number): number {
  return total > 0 ? Math.round((count / total) * 1000) / 10 : 0;
}

/** An election row as the indexer's read model gives it (bigints as text). */
export type { ElectionRow };

const ELECTION_SELECT = selectList(ELECTION_COLUMNS);

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

function batchOf(
  r: Pick<
    IndexerBatchRow,
    "id" | "first_seq" | "count" | "block_number" | "timestamp" | "tx_hash" | "gas_used" | "fee_wei" | "in_grace_period"
  >,
): BatchRow {
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

export interface ElectionReads {
  listElections(): Promise<ElectionSummary[]>;
  election(id: string): Promise<ElectionDetail | null>;
  /** The raw row, for the CSV download and the cross-check (undefined: no such election). */
  electionRow(id: string): Promise<ElectionRow | undefined>;
  audit(id: string, options?: { beforeFirstSeq?: string }): Promise<AuditData | null>;
  batches(id: string, options?: { limit?: number; beforeFirstSeq?: string }): Promise<BatchRow[]>;
}

export function createElectionReads(
  db: IndexerReader,
  votes: VoteReads,
  options: { now: () => number },
): ElectionReads {
  const q = db.query;
  const clock = options.now;
  async function listElections(): Promise<ElectionSummary[]> {
    const rows = await q<ElectionRow>(
      `select ${ELECTION_SELECT} from election order by opens_at desc, length(id) desc, id desc`,
    );
    return rows.map((r) => summaryOf(r, clock()));
  }

  async function electionRow(id: string): Promise<ElectionRow | undefined> {
    if (!isElectionId(id)) return undefined;
    return (await q<ElectionRow>(`select ${ELECTION_SELECT} from election where id = $1`, [id]))[0];
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
      ...extrasOf(r.metadata_raw),
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
      r.total_votes > 0 ? votes.firstVoteOf(id) : Promise.resolve(null),
      lastSeq >= 0n ? votes.voteAt(id, lastSeq.toString()) : Promise.resolve(null),
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

  return { listElections, election, electionRow, audit, batches };
}
