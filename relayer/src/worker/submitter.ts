/**
 * Chain transactions of the signing key: sign, store, broadcast, track, replace, confirm.
 *
 * - Every transaction is signed and stored (chain_txs + tx_attempts with the raw bytes) before it
 *   is broadcast, so a crash at any point leaves either nothing (the nonce is reused) or a stored
 *   transaction that `track` broadcasts again.
 * - A stored attempt that no node has (never sent, dropped, reorged out) is broadcast again.
 * - An attempt not mined after STUCK_AFTER_MS is replaced at the same nonce with fees at least
 *   REPLACEMENT_BUMP_PERCENT (≥ 12.5%) higher, unless that would pass the cap.
 * - Mined transactions are re-checked until CONFIRMATIONS deep: a receipt that disappears (reorg)
 *   sends the transaction back to submitted and broadcasts it again.
 * - A batch is simulated before it is sent when nothing of its election is in flight, so a
 *   foreseeable revert (paused contract, recording ended, seq off) costs no gas.
 */

import { voteRegistryInterface } from "@veritally/contracts";
import { getAddress, Transaction, type Wallet } from "ethers";
import type pg from "pg";
import type { FeeOracle, FeeQuote } from "../chain/fee-oracle.js";
import type { NonceManager } from "../chain/nonce-manager.js";
import { RpcError, type RpcPool } from "../chain/rpc-pool.js";
import type { Db } from "../db/pool.js";
import { bufferToHex, hexToBuffer, withTransaction } from "../db/pool.js";
import { AttemptStatus, TxStatus } from "../states.js";
import { failpoint } from "./failpoints.js";
import { meaningOf, type RevertMeaning, revertDataOf } from "./reverts.js";
import { enqueueWebhooks } from "./webhooks.js";

export type TxKind = "record_batch" | "create_election" | "close_election";

export interface SubmitterDeps {
  db: Db;
  rpc: RpcPool;
  wallet: Wallet;
  nonces: NonceManager;
  fees: FeeOracle;
  chainId: number;
  registryAddress: string;
  confirmations: number;
  maxInFlight: number;
  stuckAfterMs: number;
  log: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

interface TxRow {
  id: string;
  nonce: string;
  kind: TxKind;
  election_id: string;
  status: TxStatus;
  data: Buffer;
  gas_limit: string;
  block_number: string | null;
  block_hash: Buffer | null;
  receipt_status: number | null;
  mined_attempt_id: string | null;
  revert_reason: string | null;
}

interface AttemptRow {
  id: string;
  hash: Buffer;
  raw: Buffer;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  status: AttemptStatus;
  created_at: Date;
  sent_at: Date | null;
  /** Milliseconds since it was sent (or stored), on the database's clock, which wrote both. */
  age_ms: number;
}

interface Receipt {
  transactionHash: string;
  blockNumber: string;
  blockHash: string;
  status: string;
  gasUsed: string;
  effectiveGasPrice?: string;
}

export type BroadcastOutcome = "accepted" | "nonce_used" | "underpriced" | "rejected" | "unreachable";

export interface Submitter {
  /** Signs and stores a transaction at the next nonce, then broadcasts it. */
  send(
    kind: TxKind,
    electionId: string,
    data: string,
    gasLimit: bigint,
    fees: FeeQuote,
    batchId?: string,
  ): Promise<string>;
  /** Receipts, reorgs, confirmations, re-broadcasts, replacements; head is the latest block. */
  track(head: number): Promise<void>;
  /** Unconfirmed transactions of this key. */
  inFlight(): Promise<number>;
  /** eth_call of a transaction from the signer; null when it would succeed. */
  simulate(data: string): Promise<RevertMeaning | null>;
  broadcastCount(): number;
  /** Stuck transactions whose replacement the fee cap refused, as of the last track(). */
  heldByFeeCap(): number;
}

/** Gas for recordVoteBatch: measured 35,491 + 3,926 per vote (bench:gas), with a margin. */
export function batchGasLimit(votes: number): bigint {
  return 50_000n + 5_000n * BigInt(votes);
}

export function createSubmitter(deps: SubmitterDeps): Submitter {
  const { db, rpc, wallet } = deps;
  const signer = getAddress(wallet.address).toLowerCase();
  const lastKnownCheck = new Map<string, number>();
  const checkedAtHead = new Map<string, number>();
  const heldByCap = new Set<string>();
  let heldThisTrack = 0;
  let broadcasts = 0;

  async function broadcast(raw: Buffer): Promise<BroadcastOutcome> {
    broadcasts++;
    try {
      await rpc.call("eth_sendRawTransaction", [bufferToHex(raw)]);
      return "accepted";
    } catch (error) {
      if (!(error instanceof RpcError)) return "unreachable";
      const m = error.message.toLowerCase();
      if (/already known|known transaction|already imported|alreadyknown|already in (the )?(mem)?pool/.test(m)) {
        return "accepted";
      }
      if (/nonce too low|nonce.*(lower|too small|already used)|invalid nonce/.test(m)) return "nonce_used";
      if (/underpriced|replacement/.test(m)) return "underpriced";
      deps.log("warn", "broadcast rejected", { error: error.message.slice(0, 300) });
      return "rejected";
    }
  }

  /** Records that a node has (or had) this attempt. */
  async function markSent(txId: string, attemptId: string, hash: Buffer): Promise<void> {
    await withTransaction(db, async (client) => {
      await client.query(
        `update tx_attempts set status = case when status = 'pending' then 'submitted' else status end,
                sent_at = coalesce(sent_at, now()), broadcast_count = broadcast_count + 1 where id = $1`,
        [attemptId],
      );
      await client.query(
        "update chain_txs set status = 'submitted', updated_at = now() where id = $1 and status = 'pending'",
        [txId],
      );
      await client.query(
        `update batches set state = 'submitted', tx_hash = $2, submitted_at = coalesce(submitted_at, now()),
                waiting_reason = null
          where tx_id = $1 and state in ('formed', 'submitted')`,
        [txId, hash],
      );
    });
  }

  async function signAttempt(
    nonce: number,
    data: string,
    gasLimit: bigint,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ) {
    const tx = Transaction.from({
      type: 2,
      chainId: deps.chainId,
      nonce,
      to: deps.registryAddress,
      data,
      value: 0n,
      gasLimit,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const raw = await wallet.signTransaction(tx);
    return { raw: hexToBuffer(raw), hash: hexToBuffer(Transaction.from(raw).hash as string) };
  }

  async function receiptOf(hash: Buffer): Promise<Receipt | null> {
    return rpc.call<Receipt | null>("eth_getTransactionReceipt", [bufferToHex(hash)]);
  }

  async function revertMeaning(data: Buffer, blockTag: string): Promise<RevertMeaning> {
    try {
      await rpc.call("eth_call", [{ from: signer, to: deps.registryAddress, data: bufferToHex(data) }, blockTag]);
      return { reason: "reverted", action: "wait", detail: "reverted in its block, succeeds now" };
    } catch (error) {
      if (error instanceof RpcError) return meaningOf(revertDataOf(error), error.message);
      throw error;
    }
  }

  async function onMined(tx: TxRow, attempt: AttemptRow, receipt: Receipt): Promise<void> {
    const success = BigInt(receipt.status) === 1n;
    const outOfGas = !success && BigInt(receipt.gasUsed) >= BigInt(tx.gas_limit);
    const meaning = success
      ? null
      : outOfGas
        ? { reason: "out_of_gas", action: "reconcile" as const, detail: `used all ${tx.gas_limit} gas` }
        : await revertMeaning(tx.data, "latest");
    failpoint("before_mined_update");
    await withTransaction(db, async (client) => {
      await client.query(
        `update chain_txs set status = 'mined', mined_attempt_id = $2, block_number = $3, block_hash = $4,
                receipt_status = $5, gas_used = $6, effective_gas_price = $7, revert_reason = $8,
                mined_at = now(), updated_at = now()
          where id = $1`,
        [
          tx.id,
          attempt.id,
          Number(BigInt(receipt.blockNumber)),
          hexToBuffer(receipt.blockHash),
          success ? 1 : 0,
          BigInt(receipt.gasUsed).toString(),
          receipt.effectiveGasPrice ? BigInt(receipt.effectiveGasPrice).toString() : null,
          meaning ? `${meaning.reason}: ${meaning.detail}` : null,
        ],
      );
      await client.query(
        `update tx_attempts set status = case when id = $2 then 'mined' else 'replaced' end where tx_id = $1`,
        [tx.id, attempt.id],
      );
      if (tx.kind === "record_batch") {
        if (success) {
          await client.query(
            `update batches set state = 'included', tx_hash = $2, block_number = $3, included_at = now(),
                    waiting_reason = null
              where tx_id = $1`,
            [tx.id, attempt.hash, Number(BigInt(receipt.blockNumber))],
          );
        } else {
          await client.query("update batches set failure_reason = $2 where tx_id = $1", [tx.id, meaning?.reason]);
        }
      } else if (tx.kind === "create_election" && success) {
        await client.query("update elections set state = 'active', updated_at = now() where election_id = $1", [
          tx.election_id,
        ]);
      } else if (tx.kind === "close_election" && success) {
        await client.query("update elections set chain_closed = true, updated_at = now() where election_id = $1", [
          tx.election_id,
        ]);
      }
    });
    deps.log(success ? "info" : "warn", success ? "mined" : "reverted", {
      kind: tx.kind,
      nonce: Number(tx.nonce),
      hash: receipt.transactionHash,
      block: Number(BigInt(receipt.blockNumber)),
      ...(meaning ? { reason: meaning.detail } : {}),
    });
  }

  async function onFinal(client: pg.PoolClient, tx: TxRow, success: boolean, reason: string | null): Promise<void> {
    await client.query("update chain_txs set status = $2, updated_at = now() where id = $1", [
      tx.id,
      success ? TxStatus.Confirmed : TxStatus.Failed,
    ]);
    if (tx.kind === "record_batch") {
      if (success) {
        const { rows } = await client.query<{ id: string }>(
          `update batches set state = 'confirmed', confirmed_at = now() where tx_id = $1 returning id`,
          [tx.id],
        );
        const batchIds = rows.map((r) => r.id);
        const votes = await client.query<{ id: string }>("select id from votes where batch_id = any($1::bigint[])", [
          batchIds,
        ]);
        await enqueueWebhooks(
          client,
          "votes.confirmed",
          votes.rows.map((r) => r.id),
        );
      } else {
        // The votes stay attached to the failed batch until the election is reconciled with the chain.
        await client.query(
          `update batches set state = 'failed', failure_reason = coalesce(failure_reason, $2) where tx_id = $1`,
          [tx.id, reason ?? "reverted"],
        );
        await client.query("update elections set needs_reconcile = true, updated_at = now() where election_id = $1", [
          tx.election_id,
        ]);
      }
    } else if (tx.kind === "create_election" && !success) {
      await client.query(
        "update elections set state = 'failed', failure_reason = $2, updated_at = now() where election_id = $1 and state = 'creating'",
        [tx.election_id, reason ?? "reverted"],
      );
    } else if (tx.kind === "close_election" && !success) {
      const already = /AlreadyClosed/.test(tx.revert_reason ?? "");
      await client.query(
        "update elections set chain_closed = chain_closed or $2, failure_reason = coalesce(failure_reason, $3), updated_at = now() where election_id = $1",
        [tx.election_id, already, already ? null : `close failed: ${reason}`],
      );
    }
  }

  async function replace(tx: TxRow, latest: AttemptRow): Promise<void> {
    const current = await deps.fees.quote();
    const bumped = deps.fees.bump(
      { maxFeePerGas: BigInt(latest.max_fee_per_gas), maxPriorityFeePerGas: BigInt(latest.max_priority_fee_per_gas) },
      current,
    );
    if (!bumped) {
      // Shown as the vote's `waiting` while it stays submitted; said once per transaction.
      await db.query("update batches set waiting_reason = 'fee_cap' where tx_id = $1", [tx.id]);
      heldThisTrack++;
      if (!heldByCap.has(tx.id)) {
        heldByCap.add(tx.id);
        deps.log("warn", "stuck transaction not replaced: the fee cap", {
          nonce: Number(tx.nonce),
          hash: bufferToHex(latest.hash),
          maxFeePerGas: latest.max_fee_per_gas,
        });
      }
      return;
    }
    const signed = await signAttempt(Number(tx.nonce), bufferToHex(tx.data), BigInt(tx.gas_limit), bumped);
    const { rows } = await db.query<{ id: string }>(
      `insert into tx_attempts (tx_id, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, status)
       values ($1, $2, $3, $4, $5, 'pending') returning id`,
      [tx.id, signed.hash, signed.raw, bumped.maxFeePerGas.toString(), bumped.maxPriorityFeePerGas.toString()],
    );
    const attemptId = rows[0]?.id as string;
    deps.log("info", "replacing stuck transaction", {
      nonce: Number(tx.nonce),
      old: bufferToHex(latest.hash),
      new: bufferToHex(signed.hash),
      maxFeePerGas: bumped.maxFeePerGas.toString(),
    });
    const outcome = await broadcast(signed.raw);
    if (outcome === "accepted" || outcome === "nonce_used") {
      await db.query("update tx_attempts set status = 'replaced' where tx_id = $1 and id <> $2 and status <> 'mined'", [
        tx.id,
        attemptId,
      ]);
      await markSent(tx.id, attemptId, signed.hash);
    }
  }

  async function trackUnmined(tx: TxRow, attempts: AttemptRow[], head: number): Promise<void> {
    // A receipt can appear only with a new block; check each head once.
    if (checkedAtHead.get(tx.id) !== head) {
      for (const attempt of [...attempts].reverse()) {
        const receipt = await receiptOf(attempt.hash);
        if (receipt?.blockHash) {
          checkedAtHead.delete(tx.id);
          await onMined(tx, attempt, receipt);
          return;
        }
      }
      checkedAtHead.set(tx.id, head);
    }
    const latest = attempts.at(-1);
    const now = Date.now();
    if (!latest || now - (lastKnownCheck.get(tx.id) ?? 0) < 1000) return;
    lastKnownCheck.set(tx.id, now);
    const age = latest.age_ms;
    let outcome: BroadcastOutcome | null = null;
    if (latest.status === AttemptStatus.Pending) {
      // Stored but not accepted by a node yet (crash before broadcast, node down, fee refused).
      outcome = await broadcast(latest.raw);
      if (outcome === "accepted" || outcome === "nonce_used") await markSent(tx.id, latest.id, latest.hash);
      else if (age > deps.stuckAfterMs) await replace(tx, latest);
    } else {
      const known = await rpc.call<unknown>("eth_getTransactionByHash", [bufferToHex(latest.hash)]);
      if (known === null) {
        // Dropped from the mempool or reorged out: send the same signed bytes again.
        outcome = await broadcast(latest.raw);
        deps.log("warn", "transaction unknown to the node: sent again", {
          nonce: Number(tx.nonce),
          hash: bufferToHex(latest.hash),
          outcome,
        });
      } else if (age > deps.stuckAfterMs) {
        await replace(tx, latest);
      }
    }
    if (outcome === "nonce_used") await resolveUsedNonce(tx, attempts);
  }

  /** The node says this nonce is used: ours if an attempt has a receipt, else taken by someone else. */
  async function resolveUsedNonce(tx: TxRow, attempts: AttemptRow[]): Promise<void> {
    const latestNonce = Number(BigInt(await rpc.call<string>("eth_getTransactionCount", [signer, "latest"])));
    if (latestNonce <= Number(tx.nonce)) return;
    for (const attempt of attempts) {
      const receipt = await receiptOf(attempt.hash);
      if (receipt?.blockHash) {
        await onMined(tx, attempt, receipt);
        return;
      }
    }
    deps.log("error", "nonce taken by a transaction that is not ours", { nonce: Number(tx.nonce) });
    await withTransaction(db, async (client) => {
      await client.query("update chain_txs set revert_reason = 'nonce_taken' where id = $1", [tx.id]);
      await onFinal(client, { ...tx, revert_reason: "nonce_taken" }, false, "nonce_taken");
    });
  }

  async function trackMined(tx: TxRow, attempts: AttemptRow[], head: number): Promise<void> {
    const mined = attempts.find((a) => a.id === tx.mined_attempt_id);
    if (!mined || tx.block_number === null) return;
    const block = Number(tx.block_number);
    if (head - block + 1 < deps.confirmations && checkedAtHead.get(tx.id) === head) return;
    checkedAtHead.set(tx.id, head);
    const receipt = await receiptOf(mined.hash);
    if (!receipt?.blockHash) {
      deps.log("warn", "mined transaction left the chain (reorg): sending it again", {
        nonce: Number(tx.nonce),
        hash: bufferToHex(mined.hash),
      });
      await withTransaction(db, async (client) => {
        await client.query(
          `update chain_txs set status = 'submitted', mined_attempt_id = null, block_number = null, block_hash = null,
                  receipt_status = null, gas_used = null, effective_gas_price = null, revert_reason = null,
                  mined_at = null, updated_at = now()
            where id = $1`,
          [tx.id],
        );
        await client.query("update tx_attempts set status = 'submitted' where tx_id = $1 and status = 'mined'", [
          tx.id,
        ]);
        await client.query(
          `update batches set state = 'submitted', block_number = null, included_at = null, failure_reason = null
            where tx_id = $1 and state = 'included'`,
          [tx.id],
        );
        if (tx.kind === "create_election") {
          await client.query("update elections set state = 'creating' where election_id = $1", [tx.election_id]);
        }
      });
      checkedAtHead.delete(tx.id);
      await broadcast(mined.raw);
      return;
    }
    if (!hexToBuffer(receipt.blockHash).equals(tx.block_hash ?? Buffer.alloc(0))) {
      // Mined again in another block after a reorg.
      const number = Number(BigInt(receipt.blockNumber));
      await db.query("update chain_txs set block_number = $2, block_hash = $3 where id = $1", [
        tx.id,
        number,
        hexToBuffer(receipt.blockHash),
      ]);
      await db.query("update batches set block_number = $2 where tx_id = $1", [tx.id, number]);
      return;
    }
    if (head - block + 1 >= deps.confirmations) {
      const success = tx.receipt_status === 1;
      const reason = tx.revert_reason?.split(":")[0] ?? null;
      await withTransaction(db, (client) => onFinal(client, tx, success, reason));
      checkedAtHead.delete(tx.id);
      lastKnownCheck.delete(tx.id);
      heldByCap.delete(tx.id);
    }
  }

  return {
    async send(kind, electionId, data, gasLimit, fees, batchId) {
      const nonce = deps.nonces.peek();
      const signed = await signAttempt(nonce, data, gasLimit, fees);
      let txId: string;
      let attemptId: string;
      try {
        [txId, attemptId] = await withTransaction(db, async (client) => {
          const { rows } = await client.query<{ id: string }>(
            `insert into chain_txs (signer, nonce, kind, election_id, status, to_address, data, gas_limit)
             values ($1, $2, $3, $4, 'pending', $5, $6, $7) returning id`,
            [signer, nonce, kind, electionId, deps.registryAddress, hexToBuffer(data), gasLimit.toString()],
          );
          const id = rows[0]?.id as string;
          const attempt = await client.query<{ id: string }>(
            `insert into tx_attempts (tx_id, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, status)
             values ($1, $2, $3, $4, $5, 'pending') returning id`,
            [id, signed.hash, signed.raw, fees.maxFeePerGas.toString(), fees.maxPriorityFeePerGas.toString()],
          );
          if (batchId !== undefined) {
            const updated = await client.query("update batches set tx_id = $2 where id = $1 and state = 'formed'", [
              batchId,
              id,
            ]);
            if (updated.rowCount !== 1) throw new Error(`batch ${batchId} is not formed any more`);
          }
          return [id, attempt.rows[0]?.id as string];
        });
      } catch (error) {
        await deps.nonces.sync();
        throw error;
      }
      deps.nonces.commit(nonce);
      failpoint("after_store");
      const outcome = await broadcast(signed.raw);
      failpoint("after_broadcast");
      if (outcome === "accepted" || outcome === "nonce_used") await markSent(txId, attemptId, signed.hash);
      return bufferToHex(signed.hash);
    },

    async track(head) {
      heldThisTrack = 0;
      const { rows: txs } = await db.query<TxRow>(
        `select id, nonce, kind, election_id, status, data, gas_limit, block_number, block_hash, receipt_status,
                mined_attempt_id, revert_reason
           from chain_txs where signer = $1 and status in ('pending', 'submitted', 'mined') order by nonce`,
        [signer],
      );
      if (txs.length === 0) return;
      const { rows: attempts } = await db.query<AttemptRow & { tx_id: string }>(
        `select id, tx_id, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, status, created_at, sent_at,
                (extract(epoch from now() - coalesce(sent_at, created_at)) * 1000)::float8 as age_ms
           from tx_attempts where tx_id = any($1::bigint[]) order by id`,
        [txs.map((t) => t.id)],
      );
      for (const tx of txs) {
        const own = attempts.filter((a) => a.tx_id === tx.id);
        if (tx.status === TxStatus.Mined) await trackMined(tx, own, head);
        else await trackUnmined(tx, own, head);
      }
    },

    async inFlight() {
      const { rows } = await db.query<{ n: string }>(
        "select count(*) as n from chain_txs where signer = $1 and status in ('pending', 'submitted', 'mined')",
        [signer],
      );
      return Number(rows[0]?.n ?? 0);
    },

    async simulate(data) {
      try {
        await rpc.call("eth_call", [{ from: signer, to: deps.registryAddress, data }, "latest"]);
        return null;
      } catch (error) {
        if (error instanceof RpcError) return meaningOf(revertDataOf(error), error.message);
        throw error;
      }
    },

    broadcastCount: () => broadcasts,
    heldByFeeCap: () => heldThisTrack,
  };
}

export function encodeRecordBatch(
  electionId: string,
  firstSeq: number,
  votes: { ref: Buffer; choice: number; vote_hash: Buffer }[],
): string {
  return voteRegistryInterface.encodeFunctionData("recordVoteBatch", [
    BigInt(electionId),
    BigInt(firstSeq),
    votes.map((v) => bufferToHex(v.ref)),
    votes.map((v) => v.choice),
    votes.map((v) => bufferToHex(v.vote_hash)),
  ]);
}
