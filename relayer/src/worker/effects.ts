/**
 * The effects of one lifecycle step (lifecycle.ts) on the database: the transaction's own row and
 * attempts, and the domain effects of its kind (a batch included, confirmed or failed; an election
 * active or closed), all in the caller's database transaction. This is the only place that moves
 * chain_txs, tx_attempts and batches through their states after a transaction was sent.
 */
import type pg from "pg";
import { hexToBuffer } from "../db/pool.js";
import { AttemptStatus, BatchState, ElectionState, TxStatus } from "../states.js";
import { enqueueBatchWebhooks } from "./webhooks.js";

export type TxKind = "record_batch" | "create_election" | "close_election" | "fill_nonce";

/** What effects need to know of a stored transaction. */
export interface TxFacts {
  id: string;
  kind: TxKind;
  election_id: string;
  revert_reason: string | null;
}

/** A receipt as the node gave it, with the meaning of a revert worked out beforehand. */
export interface MinedFacts {
  attemptId: string;
  hash: Buffer;
  blockNumber: number;
  blockHash: string;
  success: boolean;
  gasUsed: bigint;
  effectiveGasPrice: bigint | null;
  /** "reason: detail" of a revert, null on success. */
  revert: { reason: string; detail: string } | null;
}

export type Effect =
  | { kind: "mine"; mined: MinedFacts }
  | { kind: "unmine" }
  | { kind: "finalize"; success: boolean; reason: string | null }
  /** A transaction reported final is not on chain any more: open it again (the alarm is raised by the caller). */
  | { kind: "reopen" };

export async function applyEffect(client: pg.PoolClient, tx: TxFacts, effect: Effect): Promise<void> {
  switch (effect.kind) {
    case "mine":
      return mine(client, tx, effect.mined);
    case "unmine":
      return unmine(client, tx, false);
    case "reopen":
      return unmine(client, tx, true);
    case "finalize":
      return finalize(client, tx, effect.success, effect.reason);
  }
}

async function mine(client: pg.PoolClient, tx: TxFacts, m: MinedFacts): Promise<void> {
  await client.query(
    `update chain_txs set status = $9, mined_attempt_id = $2, block_number = $3, block_hash = $4,
            receipt_status = $5, gas_used = $6, effective_gas_price = $7, revert_reason = $8,
            mined_at = coalesce(mined_at, now()), updated_at = now()
      where id = $1`,
    [
      tx.id,
      m.attemptId,
      m.blockNumber,
      hexToBuffer(m.blockHash),
      m.success ? 1 : 0,
      m.gasUsed.toString(),
      m.effectiveGasPrice?.toString() ?? null,
      m.revert ? `${m.revert.reason}: ${m.revert.detail}` : null,
      TxStatus.Mined,
    ],
  );
  await client.query(`update tx_attempts set status = case when id = $2 then $3 else $4 end where tx_id = $1`, [
    tx.id,
    m.attemptId,
    AttemptStatus.Mined,
    AttemptStatus.Replaced,
  ]);
  if (tx.kind === "record_batch") {
    if (m.success) {
      const { rows } = await client.query<{ id: string }>(
        `update batches set state = $4, tx_hash = $2, block_number = $3, included_at = coalesce(included_at, now()),
                waiting_reason = null, failure_reason = null
          where tx_id = $1 returning id`,
        [tx.id, m.hash, m.blockNumber, BatchState.Included],
      );
      await enqueueBatchWebhooks(
        client,
        "votes.included",
        rows.map((r) => r.id),
      );
    } else {
      await client.query("update batches set failure_reason = $2 where tx_id = $1", [tx.id, m.revert?.reason]);
    }
  } else if (tx.kind === "create_election" && m.success) {
    await client.query("update elections set state = $2, updated_at = now() where election_id = $1", [
      tx.election_id,
      ElectionState.Active,
    ]);
  } else if (tx.kind === "close_election" && m.success) {
    await client.query("update elections set chain_closed = true, updated_at = now() where election_id = $1", [
      tx.election_id,
    ]);
  }
}

/** Back to submitted: the signed bytes are broadcast again. `final` marks a reported-final transaction that went missing. */
async function unmine(client: pg.PoolClient, tx: TxFacts, final: boolean): Promise<void> {
  await client.query(
    `update chain_txs set status = $2, mined_attempt_id = null, block_number = null, block_hash = null,
            receipt_status = null, gas_used = null, effective_gas_price = null, revert_reason = null,
            mined_at = null, updated_at = now(),
            final_missing_at = case when $3 then coalesce(final_missing_at, now()) else final_missing_at end
      where id = $1`,
    [tx.id, TxStatus.Submitted, final],
  );
  await client.query("update tx_attempts set status = $2 where tx_id = $1 and status = $3", [
    tx.id,
    AttemptStatus.Submitted,
    AttemptStatus.Mined,
  ]);
  if (tx.kind === "record_batch") {
    await client.query(
      `update batches set state = $2, block_number = null, included_at = null, confirmed_at = null,
              failure_reason = null
        where tx_id = $1 and state = any($3::text[])`,
      [tx.id, BatchState.Submitted, final ? [BatchState.Included, BatchState.Confirmed] : [BatchState.Included]],
    );
  } else if (tx.kind === "create_election") {
    await client.query("update elections set state = $2 where election_id = $1", [
      tx.election_id,
      ElectionState.Creating,
    ]);
  } else if (tx.kind === "close_election") {
    await client.query("update elections set chain_closed = false where election_id = $1", [tx.election_id]);
  }
}

async function finalize(client: pg.PoolClient, tx: TxFacts, success: boolean, reason: string | null): Promise<void> {
  await client.query("update chain_txs set status = $2, updated_at = now() where id = $1", [
    tx.id,
    success ? TxStatus.Confirmed : TxStatus.Failed,
  ]);
  if (tx.kind === "record_batch") {
    if (success) {
      const { rows } = await client.query<{ id: string }>(
        "update batches set state = $2, confirmed_at = now() where tx_id = $1 returning id",
        [tx.id, BatchState.Confirmed],
      );
      await enqueueBatchWebhooks(
        client,
        "votes.confirmed",
        rows.map((r) => r.id),
      );
    } else {
      // The votes stay attached to the failed batch until the election is reconciled with the chain.
      await client.query(
        "update batches set state = $3, failure_reason = coalesce(failure_reason, $2) where tx_id = $1",
        [tx.id, reason ?? "reverted", BatchState.Failed],
      );
      await client.query("update elections set needs_reconcile = true, updated_at = now() where election_id = $1", [
        tx.election_id,
      ]);
    }
  } else if (tx.kind === "create_election" && !success) {
    await client.query(
      "update elections set state = $3, failure_reason = $2, updated_at = now() where election_id = $1 and state = $4",
      [tx.election_id, reason ?? "reverted", ElectionState.Failed, ElectionState.Creating],
    );
  } else if (tx.kind === "close_election" && !success) {
    const already = /AlreadyClosed/.test(tx.revert_reason ?? "");
    await client.query(
      "update elections set chain_closed = chain_closed or $2, failure_reason = coalesce(failure_reason, $3), updated_at = now() where election_id = $1",
      [tx.election_id, already, already ? null : `close failed: ${reason}`],
    );
  }
}
