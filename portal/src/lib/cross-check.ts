/**
 * The cross-check: every vote the relayer accepted set against every vote on chain (as indexed),
 * not a sample. Both sides are streamed ordered by seq (COPY, text format) from one snapshot each
 * and merged by cross-check-merge.ts. The relayer side is read as veritally_audit_reader,
 * which may read the vote_audit view and nothing else.
 */
import type { Readable } from "node:stream";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { AUDIT_READER_ROLE } from "./config.js";
import {
  type ChainOnlyVote,
  type ChainRow,
  type CrossCheckReport,
  mergeVotes,
  type RelayerRow,
  type RelayerStatus,
} from "./cross-check-merge.js";
import { classify, type Db } from "./db.js";

export type {
  ChainOnlyVote,
  CrossCheckReport,
  Mismatch,
  MismatchField,
  PendingVote,
  RelayerStatus,
  Verdict,
} from "./cross-check-merge.js";
export { LISTED, RELAYER_STATUSES } from "./cross-check-merge.js";

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

export interface CrossCheckDeps {
  indexer: Db;
  indexerUrl: string;
  relayer: Db;
  relayerUrl: string;
  pendingGraceSeconds: number;
  now: () => number;
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
      const report = await mergeVotes(
        {
          ...input,
          indexedHeight,
          pendingGraceSeconds: deps.pendingGraceSeconds,
          nowMs: deps.now(),
        },
        chainRows(chainStream),
        relayerRows(relayerStream),
      );
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

  return { run };
}
