/**
 * Reorganisations deeper than the finality depth. Within the depth, the processor rolls hot
 * blocks back by itself (typeorm-store's change log). Deeper, it would crash with a bare assertion
 * and then refuse to start, or, while catching up, not notice at all. Here the indexer checks,
 * before every start and after every stop, that the last block it took as final is still on the
 * chain; if not, it finds the last indexed block that still is, and either rolls the database
 * back to it (REORG_RECOVERY=rollback) or stops with an error naming both blocks and the command
 * that does the same rollback (`npm run reindex -w indexer -- --from-block N`).
 */
import { NonRetryableError, RetryableError } from "@veritally/contracts";
import type pg from "pg";
import { STATE_SCHEMA } from "./db.js";
import { recomputeDerived } from "./recompute.js";

/** The chain no longer holds a block this database says it indexed. */
export class ChainMismatchError extends RetryableError {
  readonly height: number;
  constructor(height: number, stored: string, onChain: string | null) {
    super(
      "chain_mismatch",
      `indexed block ${height} (${stored}) is no longer on the chain (the chain has ${onChain ?? "no block"} there)`,
    );
    this.height = height;
  }
}

export interface Rpc {
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

export async function blockHashAt(rpc: Rpc, height: number): Promise<string | null> {
  const block = await rpc.call<{ hash: string } | null>("eth_getBlockByNumber", [`0x${height.toString(16)}`, false]);
  return block?.hash ?? null;
}

export interface Divergence {
  /** The first indexed block (or the processor's final block) that is no longer on the chain. */
  badHeight: number;
  storedHash: string;
  chainHash: string | null;
  /** The last indexed block still on the chain; -1 when none is (everything must be re-read). */
  ancestor: number;
}

export class DeepReorgError extends NonRetryableError {
  readonly divergence: Divergence;
  constructor(divergence: Divergence, finalityConfirmation: number) {
    super("deep_reorg", deepReorgMessage(divergence, finalityConfirmation));
    this.divergence = divergence;
  }
}

export function recoveryCommand(divergence: Divergence): string {
  return `npm run reindex -w indexer -- --from-block ${divergence.ancestor + 1}`;
}

export function deepReorgMessage(d: Divergence, finalityConfirmation: number): string {
  return (
    `the chain was reorganised deeper than FINALITY_CONFIRMATION=${finalityConfirmation}: indexed block ` +
    `${d.badHeight} (${d.storedHash}) is no longer on the chain (it now has ${d.chainHash ?? "no block"} there). ` +
    `Rows from block ${d.ancestor + 1} on belong to the abandoned chain; ` +
    `${d.ancestor >= 0 ? `block ${d.ancestor} is the last indexed block still on the chain` : "no indexed block is still on the chain"}. ` +
    `Stop the indexer and run \`${recoveryCommand(d)}\` (same RPC_URL and database), then start it again; ` +
    "or start it with REORG_RECOVERY=rollback to do this by itself."
  );
}

async function stateTableExists(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query("select to_regclass($1) as t", [`${STATE_SCHEMA}.status`]);
  return result.rows[0]?.t != null;
}

/** Whether what the database took as final is still the chain's; if not, where they part. */
export async function findDivergence(client: pg.ClientBase, rpc: Rpc): Promise<Divergence | null> {
  if (!(await stateTableExists(client))) return null;
  const status = (await client.query(`select height, hash from ${STATE_SCHEMA}.status where id = 0`)).rows[0] as
    | { height: number; hash: string }
    | undefined;
  if (!status || status.height < 0 || status.hash === "0x") return null;
  const chainHash = await blockHashAt(rpc, status.height);
  if (chainHash === status.hash) return null;

  // Blocks chain by parent hash: once one indexed block matches, all below it do. Binary search
  // for the first indexed block that no longer matches.
  const heights = (
    await client.query<{ height: number; hash: string }>(
      "select height, hash from indexed_block where height <= $1 order by height",
      [status.height],
    )
  ).rows;
  let lo = 0;
  let hi = heights.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const row = heights[mid] as { height: number; hash: string };
    if ((await blockHashAt(rpc, row.height)) === row.hash) lo = mid + 1;
    else hi = mid;
  }
  const firstBad = heights[lo];
  const ancestor = lo > 0 ? (heights[lo - 1] as { height: number }).height : -1;
  if (firstBad) {
    return {
      badHeight: firstBad.height,
      storedHash: firstBad.hash,
      chainHash: await blockHashAt(rpc, firstBad.height),
      ancestor,
    };
  }
  return { badHeight: status.height, storedHash: status.hash, chainHash, ancestor };
}

/**
 * Rolls the database back to block `target`: deletes every row from later blocks, reopens
 * elections closed later, recomputes every aggregate from what is left, and sets the processor's
 * state so that it re-reads from `target + 1`. One transaction; the indexer must not be running.
 */
export async function rollbackTo(client: pg.ClientBase, rpc: Rpc, target: number): Promise<void> {
  const hash = target >= 0 ? await blockHashAt(rpc, target) : "0x";
  if (hash === null) throw new NonRetryableError("rollback_target_missing", `the chain has no block ${target}`);
  await client.query("begin");
  try {
    if (await stateTableExists(client)) {
      // Hot blocks are all above the final one; their rows go with the rest below.
      await client.query(`delete from ${STATE_SCHEMA}.hot_block`);
      await client.query(`update ${STATE_SCHEMA}.status set height = $1, hash = $2 where id = 0`, [
        target >= 0 ? target : -1,
        hash,
      ]);
    }
    const later = "(select id from election where created_at_block > $1)";
    await client.query("delete from integrity_issue where block_number > $1", [target]);
    await client.query(`delete from integrity_issue where election_id in ${later}`, [target]);
    await client.query("delete from vote where block_number > $1", [target]);
    await client.query("delete from ballot where block_number > $1", [target]);
    await client.query("delete from decryption_share where block_number > $1", [target]);
    await client.query("delete from batch where block_number > $1", [target]);
    await client.query(`delete from vote_bucket where election_id in ${later}`, [target]);
    await client.query(`delete from seq_gap where election_id in ${later}`, [target]);
    await client.query("delete from election where created_at_block > $1", [target]);
    await client.query(
      `update election set closed = false, closed_at = null, closed_at_block = null, closes_at = scheduled_closes_at
        where closed_at_block > $1`,
      [target],
    );
    await client.query(
      `update election set tally_counts = null, tally_proof = null, tally_published_at_block = null, tally_tx = null,
        tally_valid = null, tally_error = null where tally_published_at_block > $1`,
      [target],
    );
    await client.query("delete from indexed_block where height > $1", [target]);
    await recomputeDerived(client);
    if (target < 0) {
      // Emptied: the database no longer holds any contract's record, and may take another's.
      await client.query("delete from indexer_status");
    } else {
      await client.query(
        `update indexer_status set height = $1, head_hash = $2, lag = greatest(0, chain_head - $1),
          error = null, error_block = null, updated_at = now()`,
        [target, hash],
      );
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
}

/** Puts the halt where the portal and GraphQL readers see it. */
export async function recordHalt(client: pg.ClientBase, divergence: Divergence, message: string): Promise<void> {
  await client.query("update indexer_status set error = $1, error_block = $2, updated_at = now()", [
    message,
    divergence.badHeight,
  ]);
}
