/**
 * The cross-check: every vote the relayer accepted set against every vote on chain (as indexed),
 * not a sample. Both sides are streamed ordered by seq (COPY, text format) and merged in Node;
 * memory holds only what does not match. The relayer side is read as veritally_audit_reader,
 * which may read the vote_audit view and nothing else.
 */
import type { Readable } from "node:stream";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { AUDIT_READER_ROLE } from "./config.js";
import { classify, type Db } from "./db.js";

export const RELAYER_STATUSES = ["queued", "batched", "submitted", "included", "confirmed", "failed"] as const;
export type RelayerStatus = (typeof RELAYER_STATUSES)[number];

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

interface ChainRow {
  seq: number;
  ref: string;
  choice: number;
  hash: string;
}

interface RelayerRow {
  /** -1: no seq yet (queued, or failed before batching). */
  seq: number;
  ref: string;
  choice: number;
  hash: string;
  status: RelayerStatus;
  acceptedMs: number;
  block: number | null;
}

/** Lines of a COPY … TO STDOUT (text format), a chunk at a time. */
async function* copyLines(stream: Readable): AsyncGenerator<string[]> {
  let rest = "";
  for await (const chunk of stream) {
    const text = rest + (chunk as Buffer).toString("utf8");
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    if (lines.length) yield lines;
  }
  if (rest) yield [rest];
}

function parseSeq(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`seq ${text} is beyond what the cross-check handles (2^53)`);
  return n;
}

async function* chainRows(stream: Readable): AsyncGenerator<ChainRow[]> {
  for await (const lines of copyLines(stream)) {
    const rows: ChainRow[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const f = (lines[i] as string).split("\t");
      rows[i] = { seq: parseSeq(f[0] as string), ref: f[1] as string, choice: Number(f[2]), hash: f[3] as string };
    }
    yield rows;
  }
}

async function* relayerRows(stream: Readable): AsyncGenerator<RelayerRow[]> {
  for await (const lines of copyLines(stream)) {
    const rows: RelayerRow[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const f = (lines[i] as string).split("\t");
      rows[i] = {
        seq: f[0] === "\\N" ? -1 : parseSeq(f[0] as string),
        ref: f[1] as string,
        choice: Number(f[2]),
        hash: f[3] as string,
        status: f[4] as RelayerStatus,
        acceptedMs: Number(f[5]),
        block: f[6] === "\\N" ? null : Number(f[6]),
      };
    }
    yield rows;
  }
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

export interface CrossCheckDeps {
  indexer: Db;
  indexerUrl: string;
  relayer: Db;
  relayerUrl: string;
  pendingGraceSeconds: number;
  now?: () => number;
}

export interface CrossCheckInput {
  electionId: string;
  indexedHeight: number;
  chainTally: number[];
  chainTotal: number;
}

/** Opens a read-only snapshot as the audit role; a clear error when that is not possible. */
export async function openRelayer(deps: Pick<CrossCheckDeps, "relayer" | "relayerUrl">): Promise<pg.PoolClient> {
  let client: pg.PoolClient;
  try {
    client = await deps.relayer.connect();
  } catch (error) {
    throw classify("relayer", deps.relayerUrl, error);
  }
  try {
    await client.query("begin isolation level repeatable read read only");
    await client.query(`set local role ${AUDIT_READER_ROLE}`);
    return client;
  } catch (error) {
    client.release(true);
    const e = error as { code?: string; message?: string };
    if (e.code === "42704" || e.code === "42501") {
      throw new Error(
        `RELAYER_AUDIT_DATABASE_URL: cannot act as ${AUDIT_READER_ROLE} (${e.message}); the relayer's migrations create ` +
          "that role, and the portal's login role must be a member of it (npm run setup:audit-role -w portal)",
      );
    }
    throw classify("relayer", deps.relayerUrl, error);
  }
}

export function createCrossCheck(deps: CrossCheckDeps) {
  const now = deps.now ?? Date.now;

  async function run(input: CrossCheckInput): Promise<CrossCheckReport> {
    const started = performance.now();
    const id = input.electionId;
    if (!/^\d{1,78}$/.test(id)) throw new Error(`not an election id: ${id}`);
    let chainClient: pg.PoolClient;
    try {
      chainClient = await deps.indexer.connect();
    } catch (error) {
      throw classify("indexer", deps.indexerUrl, error);
    }
    let relayerClient: pg.PoolClient | undefined;
    let broken = false;
    try {
      // One snapshot per side: the height read is the height the streamed votes belong to.
      await chainClient.query("begin isolation level repeatable read read only");
      const h = await chainClient.query<{ height: number }>("select height from indexer_status where id = 'status'");
      const indexedHeight = h.rows[0]?.height ?? input.indexedHeight;
      relayerClient = await openRelayer(deps);
      broken = true;
      // The id is digits only (checked above); COPY takes no parameters.
      const chainStream = chainClient.query(
        copyTo(
          `copy (select seq, ref, choice, vote_hash from vote where election_id = '${id}' order by seq) to stdout`,
        ),
      );
      const relayerStream = relayerClient.query(
        copyTo(
          `copy (select seq, '0x' || encode(ref, 'hex'), choice, '0x' || encode(vote_hash, 'hex'), status,
                        (extract(epoch from accepted_at) * 1000)::bigint, block_number
                   from vote_audit where election_id = ${id}::numeric order by seq nulls last) to stdout`,
        ),
      );
      const report = await merge(input, indexedHeight, chainRows(chainStream), relayerRows(relayerStream));
      await enrichChainOnly(chainClient, id, report.chainOnly.items);
      await chainClient.query("commit");
      await relayerClient.query("commit");
      broken = false;
      report.durationMs = Math.round(performance.now() - started);
      return report;
    } catch (error) {
      broken = true;
      throw classify("relayer", deps.relayerUrl, classify("indexer", deps.indexerUrl, error));
    } finally {
      // A client left in the middle of a COPY cannot be reused: drop it.
      chainClient.release(broken || undefined);
      relayerClient?.release(broken || undefined);
    }
  }

  async function enrichChainOnly(client: pg.PoolClient, id: string, items: ChainOnlyVote[]): Promise<void> {
    if (!items.length) return;
    const { rows } = await client.query<{ seq: string; block_number: number; tx_hash: string }>(
      "select seq::text, block_number, tx_hash from vote where election_id = $1 and seq = any($2::numeric[])",
      [id, items.map((i) => i.seq)],
    );
    const bySeq = new Map(rows.map((r) => [r.seq, r]));
    for (const item of items) {
      const r = bySeq.get(item.seq);
      item.blockNumber = r?.block_number ?? null;
      item.txHash = r?.tx_hash ?? null;
    }
  }

  async function merge(
    input: CrossCheckInput,
    indexedHeight: number,
    chainSource: AsyncIterator<ChainRow[]>,
    relayerSource: AsyncIterator<RelayerRow[]>,
  ): Promise<CrossCheckReport> {
    const nowMs = now();
    const graceMs = deps.pendingGraceSeconds * 1000;
    const chain = cursor(chainSource);
    const relayer = cursor(relayerSource);
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

  return { run };
}
