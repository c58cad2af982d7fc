/**
 * The cross-check's comparison, apart from any database: two streams of votes sorted by seq (the
 * chain's as indexed, the relayer's with seq-less rows last) merged in one pass into the report.
 * Only what does not match is held in memory. Pure: the clock comes in as `nowMs`.
 */

import { VOTE_STATUSES, type VoteStatus } from "@veritally/relayer/states";

/** The relayer's vote statuses, as it defines them. */
export const RELAYER_STATUSES: readonly VoteStatus[] = VOTE_STATUSES;
export type RelayerStatus = VoteStatus;

/** Items of each kind listed in the report; the counts cover every vote. */
export const LISTED = 100;

export type MismatchField = "ref" | "choice" | "voteHash" | "seq" | "status";

export interface Mismatch {
  /** The seq on chain (for a seq mismatch, where the chain has this ref). */
  seq: string;
  fields: MismatchField[];
  chain: { seq: string; ref: string; choice: number; voteHash: string };
  relayer: { seq: string | null; ref: string; choice: number; voteHash: string; status: RelayerStatus };
}

export interface PendingVote {
  seq: string | null;
  ref: string;
  status: RelayerStatus;
  acceptedAt: string;
  ageSeconds: number;
  blockNumber: number | null;
  /** Why it is not on chain yet, or why that is a problem. */
  state: "in_flight" | "not_indexed_yet" | "overdue" | "missing";
}

export interface ChainOnlyVote {
  seq: string;
  ref: string;
  choice: number;
  voteHash: string;
  blockNumber: number | null;
  txHash: string | null;
}

export type Verdict = "consistent" | "consistent_in_flight" | "attention" | "inconsistent";

export interface CrossCheckReport {
  electionId: string;
  /** The indexed height the chain side was read at. */
  indexedHeight: number;
  computedAt: string;
  durationMs: number;
  chain: { total: number; tally: number[]; streamed: number };
  relayer: {
    /** Every vote the relayer holds for this election, failed ones included. */
    total: number;
    byStatus: Record<RelayerStatus, number>;
    /** Votes not failed, by choice: what the chain should show once everything is recorded. */
    tallyAccepted: number[];
    /** Votes the relayer says are in a block (included or confirmed), by choice. */
    tallyIncluded: number[];
  };
  /** Votes equal on both sides in seq, ref, choice and hash. */
  matched: number;
  pending: { count: number; inFlight: number; notIndexedYet: number; overdue: number; items: PendingVote[] };
  /** Relayer says included in a block the indexer has processed, yet the chain has no such vote. */
  missing: { count: number; items: PendingVote[] };
  chainOnly: { count: number; items: ChainOnlyVote[] };
  mismatches: { count: number; byField: Record<MismatchField, number>; items: Mismatch[] };
  failedOffChain: number;
  verdict: Verdict;
  summary: string;
}

export interface ChainRow {
  seq: number;
  ref: string;
  choice: number;
  hash: string;
}

export interface RelayerRow {
  /** -1: no seq yet (queued, or failed before batching). */
  seq: number;
  ref: string;
  choice: number;
  hash: string;
  status: RelayerStatus;
  acceptedMs: number;
  block: number | null;
}

export interface MergeInput {
  electionId: string;
  /** The indexed height the chain side was read at. */
  indexedHeight: number;
  chainTally: number[];
  chainTotal: number;
  /** An accepted vote older than this without a block is overdue. */
  pendingGraceSeconds: number;
  /** The time the report is computed at (ms since the epoch). */
  nowMs: number;
}

/** Chunks from a sync or async source, as one async iterator. */
async function* chunks<T>(source: AsyncIterable<T[]> | Iterable<T[]>): AsyncGenerator<T[]> {
  yield* source;
}

/** A sorted stream read a chunk at a time, with synchronous access while a chunk lasts. */
function cursor<T>(source: AsyncIterator<T[]>) {
  let rows: T[] = [];
  let index = 0;
  let done = false;
  return {
    /** The current row; undefined at the end. Call fill() first when !ready(). */
    current: (): T | undefined => rows[index],
    ready: () => done || index < rows.length,
    async fill() {
      while (!done && index >= rows.length) {
        const next = await source.next();
        if (next.done) done = true;
        else {
          rows = next.value;
          index = 0;
        }
      }
    },
    advance() {
      index++;
    },
  };
}

function countChoice(tally: number[], choice: number): void {
  while (tally.length <= choice) tally.push(0);
  tally[choice] = (tally[choice] ?? 0) + 1;
}

export async function mergeVotes(
  input: MergeInput,
  chainRows: AsyncIterable<ChainRow[]> | Iterable<ChainRow[]>,
  relayerRows: AsyncIterable<RelayerRow[]> | Iterable<RelayerRow[]>,
): Promise<CrossCheckReport> {
  const { indexedHeight, nowMs } = input;
  const graceMs = input.pendingGraceSeconds * 1000;
  const chain = cursor(chunks(chainRows));
  const relayer = cursor(chunks(relayerRows));
  const byStatus = Object.fromEntries(RELAYER_STATUSES.map((s) => [s, 0])) as Record<RelayerStatus, number>;
  const tallyAccepted: number[] = input.chainTally.map(() => 0);
  const tallyIncluded: number[] = input.chainTally.map(() => 0);
  const byField: Record<MismatchField, number> = { ref: 0, choice: 0, voteHash: 0, seq: 0, status: 0 };
  const mismatches: Mismatch[] = [];
  let mismatchCount = 0;
  let matched = 0;
  let streamed = 0;
  let relayerTotal = 0;
  // Unpaired rows by ref, to tell a vote recorded at another seq from one that is missing.
  const chainOnlyRows: ChainRow[] = [];
  const relayerOnly = new Map<string, RelayerRow>();

  const addMismatch = (c: ChainRow, r: RelayerRow, fields: MismatchField[]) => {
    mismatchCount++;
    for (const f of fields) byField[f]++;
    if (mismatches.length < LISTED) {
      mismatches.push({
        seq: String(c.seq),
        fields,
        chain: { seq: String(c.seq), ref: c.ref, choice: c.choice, voteHash: c.hash },
        relayer: {
          seq: r.seq < 0 ? null : String(r.seq),
          ref: r.ref,
          choice: r.choice,
          voteHash: r.hash,
          status: r.status,
        },
      });
    }
  };
  const countRelayer = (r: RelayerRow) => {
    relayerTotal++;
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.status !== "failed") countChoice(tallyAccepted, r.choice);
    if (r.status === "included" || r.status === "confirmed") countChoice(tallyIncluded, r.choice);
  };
  const pair = (c: ChainRow, r: RelayerRow) => {
    const fields: MismatchField[] = [];
    if (c.ref !== r.ref) fields.push("ref");
    if (c.choice !== r.choice) fields.push("choice");
    if (c.hash !== r.hash) fields.push("voteHash");
    if (r.status === "failed" || r.status === "queued") fields.push("status");
    if (fields.length) addMismatch(c, r, fields);
    else matched++;
  };

  for (;;) {
    if (!chain.ready()) await chain.fill();
    if (!relayer.ready()) await relayer.fill();
    const c = chain.current();
    const r = relayer.current();
    if (!c && !r) break;
    // Relayer rows without a seq sort last (nulls last), as -1 here.
    const rSeq = r ? (r.seq < 0 ? Number.POSITIVE_INFINITY : r.seq) : Number.POSITIVE_INFINITY;
    if (c && r && c.seq === rSeq) {
      streamed++;
      countRelayer(r);
      pair(c, r);
      chain.advance();
      relayer.advance();
    } else if (c && (c.seq < rSeq || !r)) {
      streamed++;
      chainOnlyRows.push(c);
      chain.advance();
    } else if (r) {
      countRelayer(r);
      relayerOnly.set(r.ref, r);
      relayer.advance();
    }
  }

  // A ref on both sides at different seqs (or on chain while the relayer calls it queued/failed).
  const chainOnly: ChainRow[] = [];
  for (const c of chainOnlyRows) {
    const r = relayerOnly.get(c.ref);
    if (!r) {
      chainOnly.push(c);
      continue;
    }
    const fields: MismatchField[] = [];
    if (r.seq !== c.seq) fields.push("seq");
    if (r.choice !== c.choice) fields.push("choice");
    if (r.hash !== c.hash) fields.push("voteHash");
    if (r.status === "failed" || r.status === "queued") fields.push("status");
    addMismatch(c, r, fields);
    relayerOnly.delete(c.ref);
  }

  const pendingItems: PendingVote[] = [];
  const missingItems: PendingVote[] = [];
  let inFlight = 0;
  let notIndexedYet = 0;
  let overdue = 0;
  let missing = 0;
  let failedOffChain = 0;
  for (const r of relayerOnly.values()) {
    if (r.status === "failed") {
      failedOffChain++;
      continue;
    }
    const age = nowMs - r.acceptedMs;
    let state: PendingVote["state"];
    if (r.status === "included" || r.status === "confirmed") {
      state = r.block !== null && r.block <= indexedHeight ? "missing" : "not_indexed_yet";
    } else {
      state = age > graceMs ? "overdue" : "in_flight";
    }
    const item: PendingVote = {
      seq: r.seq < 0 ? null : String(r.seq),
      ref: r.ref,
      status: r.status,
      acceptedAt: new Date(r.acceptedMs).toISOString(),
      ageSeconds: Math.max(0, Math.round(age / 1000)),
      blockNumber: r.block,
      state,
    };
    if (state === "missing") {
      missing++;
      if (missingItems.length < LISTED) missingItems.push(item);
      continue;
    }
    if (state === "in_flight") inFlight++;
    else if (state === "not_indexed_yet") notIndexedYet++;
    else overdue++;
    if (pendingItems.length < LISTED) pendingItems.push(item);
  }
  // Oldest first: the ones most worth a look.
  pendingItems.sort((a, b) => b.ageSeconds - a.ageSeconds);

  const chainOnlyItems: ChainOnlyVote[] = [];
  for (const c of chainOnly.slice(0, LISTED)) {
    chainOnlyItems.push({
      seq: String(c.seq),
      ref: c.ref,
      choice: c.choice,
      voteHash: c.hash,
      blockNumber: null,
      txHash: null,
    });
  }

  const pendingCount = inFlight + notIndexedYet + overdue;
  let verdict: Verdict;
  let summary: string;
  if (mismatchCount > 0 || chainOnly.length > 0 || missing > 0) {
    verdict = "inconsistent";
    const parts = [];
    if (mismatchCount) parts.push(`${mismatchCount} vote(s) differ between the relayer and the chain`);
    if (chainOnly.length) parts.push(`${chainOnly.length} vote(s) on chain are unknown to the relayer`);
    if (missing) parts.push(`${missing} vote(s) the relayer reports in an indexed block are not on chain`);
    summary = `${parts.join("; ")}.`;
  } else if (overdue > 0) {
    verdict = "attention";
    summary = `Every recorded vote matches, but ${overdue} accepted vote(s) have waited longer than ${Math.round(
      graceMs / 60_000,
    )} minutes without reaching the chain.`;
  } else if (pendingCount > 0) {
    verdict = "consistent_in_flight";
    summary = `Every vote on chain matches the relayer's record; ${pendingCount} recently accepted vote(s) are on their way to the chain.`;
  } else {
    verdict = "consistent";
    summary = `All ${matched} votes match: the relayer's record and the chain agree on every seq, reference, choice and hash.`;
  }

  return {
    electionId: input.electionId,
    indexedHeight,
    computedAt: new Date(nowMs).toISOString(),
    durationMs: 0,
    chain: { total: input.chainTotal, tally: input.chainTally, streamed },
    relayer: { total: relayerTotal, byStatus, tallyAccepted, tallyIncluded },
    matched,
    pending: { count: pendingCount, inFlight, notIndexedYet, overdue, items: pendingItems },
    missing: { count: missing, items: missingItems },
    chainOnly: { count: chainOnly.length, items: chainOnlyItems },
    mismatches: { count: mismatchCount, byField, items: mismatches },
    failedOffChain,
    verdict,
    summary,
  };
}
