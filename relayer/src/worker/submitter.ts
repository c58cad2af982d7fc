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
import type { FeeOracle, FeeQuote } from "../chain/fee-oracle.js";
import type { NonceManager } from "../chain/nonce-manager.js";
import { RpcError, type RpcPool } from "../chain/rpc-pool.js";
import type { Db } from "../db/pool.js";
import { bufferToHex, hexToBuffer, returnedId, withTransaction } from "../db/pool.js";
import { AttemptStatus, isUnminedTxStatus, type TxStatus } from "../states.js";
import { applyEffect, type MinedFacts, type TxKind } from "./effects.js";
import { failpoint } from "./failpoints.js";
import { defaultConfirmations, finalBlock, nextStep, type StoredTx } from "./lifecycle.js";
import { meaningOf, type RevertMeaning, revertDataOf } from "./reverts.js";

export type { TxKind } from "./effects.js";

export interface SubmitterDeps {
  db: Db;
  rpc: RpcPool;
  wallet: Wallet;
  nonces: NonceManager;
  fees: FeeOracle;
  chainId: number;
  registryAddress: string;
  /** CONFIRMATIONS; 0: automatic (defaultConfirmations). */
  confirmations: number;
  stuckAfterMs: number;
  log: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

interface TxRow {
  id: string;
  nonce: string;
  kind: TxKind;
  election_id: string;
  status: TxStatus;
  to_address: string;
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

const TX_COLUMNS = `id, nonce, kind, election_id, status, to_address, data, gas_limit, block_number, block_hash,
  receipt_status, mined_attempt_id, revert_reason`;
const ATTEMPT_COLUMNS = `id, tx_id, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, status, created_at, sent_at,
  (extract(epoch from now() - coalesce(sent_at, created_at)) * 1000)::float8 as age_ms`;

/** What counts as final at one head. */
export interface Finality {
  head: number;
  /** The node's `finalized` block, null where it serves none. */
  finalizedTag: number | null;
  /** CONFIRMATIONS in force (the automatic default resolved). */
  confirmations: number;
  /** The highest final block: the lower of the two rules. */
  final: number;
}

/** The key's nonces as the last head showed them. */
export interface NonceView {
  head: number;
  /** The chain's count of the key's mined transactions (`latest`). */
  chainNonce: number | null;
  /** Nonces below ours that the node's pool lacks, since when; null: none. */
  gap: { from: number; to: number; since: Date } | null;
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
  /** What counted as final at the last head tracked (null before the first). */
  finality(): Finality | null;
  /** The key's nonces at the last head tracked. */
  nonces(): NonceView;
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
  let finality: Finality | null = null;
  let nonceAudit: NonceView = { head: -1, chainNonce: null, gap: null };

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
    to: string,
    data: string,
    gasLimit: bigint,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ) {
    const tx = Transaction.from({
      type: 2,
      chainId: deps.chainId,
      nonce,
      to,
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
    const signed = await signAttempt(
      Number(tx.nonce),
      tx.to_address,
      bufferToHex(tx.data),
      BigInt(tx.gas_limit),
      bumped,
    );
    const attemptId = returnedId(
      await db.query<{ id: string }>(
        `insert into tx_attempts (tx_id, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, status)
         values ($1, $2, $3, $4, $5, 'pending') returning id`,
        [tx.id, signed.hash, signed.raw, bumped.maxFeePerGas.toString(), bumped.maxPriorityFeePerGas.toString()],
      ),
      "a replacement attempt",
    );
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

  /** The node's `finalized` block; null where it serves none (an error answer, not an outage). */
  async function finalizedTag(): Promise<number | null> {
    try {
      const block = await rpc.call<{ number?: string } | null>("eth_getBlockByNumber", ["finalized", false]);
      return block?.number ? Number(BigInt(block.number)) : null;
    } catch (error) {
      if (error instanceof RpcError) return null;
      throw error;
    }
  }

  async function finalityAt(head: number): Promise<Finality> {
    if (finality?.head === head) return finality;
    const tag = await finalizedTag();
    const confirmations =
      deps.confirmations > 0 ? deps.confirmations : defaultConfirmations(deps.chainId, tag !== null);
    finality = { head, finalizedTag: tag, confirmations, final: finalBlock(head, confirmations, tag) };
    return finality;
  }

  /** The receipt of whichever attempt is in a block: the one last seen mined first, then the newest. */
  async function seenReceipt(
    tx: TxRow,
    attempts: AttemptRow[],
  ): Promise<{ attempt: AttemptRow; receipt: Receipt } | null> {
    const order = [...attempts]
      .reverse()
      .sort((a, b) => Number(b.id === tx.mined_attempt_id) - Number(a.id === tx.mined_attempt_id));
    for (const attempt of order) {
      const receipt = await receiptOf(attempt.hash);
      if (receipt?.blockHash) return { attempt, receipt };
    }
    return null;
  }

  async function minedFacts(tx: TxRow, attempt: AttemptRow, receipt: Receipt): Promise<MinedFacts> {
    const success = BigInt(receipt.status) === 1n;
    const outOfGas = !success && BigInt(receipt.gasUsed) >= BigInt(tx.gas_limit);
    const revert = success
      ? null
      : outOfGas
        ? { reason: "out_of_gas", detail: `used all ${tx.gas_limit} gas` }
        : await revertMeaning(tx.data, "latest");
    return {
      attemptId: attempt.id,
      hash: attempt.hash,
      blockNumber: Number(BigInt(receipt.blockNumber)),
      blockHash: receipt.blockHash,
      success,
      gasUsed: BigInt(receipt.gasUsed),
      effectiveGasPrice: receipt.effectiveGasPrice ? BigInt(receipt.effectiveGasPrice) : null,
      revert: revert ? { reason: revert.reason, detail: revert.detail } : null,
    };
  }

  function storedOf(tx: TxRow): StoredTx {
    return {
      status: tx.status,
      blockNumber: tx.block_number === null ? null : Number(tx.block_number),
      blockHash: tx.block_hash ? bufferToHex(tx.block_hash) : null,
      minedAttemptId: tx.mined_attempt_id,
    };
  }

  /** One transaction at this head: the lifecycle decides, effects.ts applies; true when it is (again) unmined. */
  async function advance(tx: TxRow, attempts: AttemptRow[], head: number, final: number): Promise<boolean> {
    const unmined = isUnminedTxStatus(tx.status);
    // A receipt of an unmined transaction can appear only with a new block: check each head once.
    if (unmined && checkedAtHead.get(tx.id) === head) return true;
    const seen = await seenReceipt(tx, attempts);
    checkedAtHead.set(tx.id, head);
    const step = nextStep(
      storedOf(tx),
      seen
        ? {
            attemptId: seen.attempt.id,
            blockNumber: Number(BigInt(seen.receipt.blockNumber)),
            blockHash: seen.receipt.blockHash.toLowerCase(),
            success: BigInt(seen.receipt.status) === 1n,
          }
        : null,
      head,
      final,
    );
    const fields = { kind: tx.kind, nonce: Number(tx.nonce) };
    switch (step.kind) {
      case "wait":
        return unmined;
      case "mine":
      case "move": {
        if (!seen) return unmined;
        const facts = await minedFacts(tx, seen.attempt, seen.receipt);
        failpoint("before_mined_update");
        await withTransaction(db, (client) => applyEffect(client, tx, { kind: "mine", mined: facts }));
        deps.log(
          step.kind === "move" ? "warn" : facts.success ? "info" : "warn",
          step.kind === "move" ? "mined again in another block (reorg)" : facts.success ? "mined" : "reverted",
          {
            ...fields,
            hash: seen.receipt.transactionHash,
            block: facts.blockNumber,
            ...(facts.revert ? { reason: facts.revert.detail } : {}),
          },
        );
        return false;
      }
      case "unmine": {
        const mined = attempts.find((a) => a.id === tx.mined_attempt_id) ?? attempts.at(-1);
        deps.log("warn", "mined transaction left the chain (reorg): sending it again", {
          ...fields,
          hash: mined ? bufferToHex(mined.hash) : null,
        });
        await withTransaction(db, (client) => applyEffect(client, tx, { kind: "unmine" }));
        checkedAtHead.delete(tx.id);
        if (mined) await broadcast(mined.raw);
        return false;
      }
      case "finalize": {
        const reason = tx.revert_reason?.split(":")[0] ?? null;
        await withTransaction(db, (client) =>
          applyEffect(client, tx, { kind: "finalize", success: step.success, reason }),
        );
        checkedAtHead.delete(tx.id);
        lastKnownCheck.delete(tx.id);
        heldByCap.delete(tx.id);
        return false;
      }
    }
  }

  /** Re-broadcasts and replacements of a transaction no node has in a block. */
  async function keepSending(tx: TxRow, attempts: AttemptRow[], urgent: boolean): Promise<void> {
    const latest = attempts.at(-1);
    const now = Date.now();
    if (!latest || (!urgent && now - (lastKnownCheck.get(tx.id) ?? 0) < 1000)) return;
    lastKnownCheck.set(tx.id, now);
    const age = latest.age_ms;
    let outcome: BroadcastOutcome | null = null;
    if (latest.status === AttemptStatus.Pending) {
      // Stored but not accepted by a node yet (crash before broadcast, node down, fee refused).
      outcome = await broadcast(latest.raw);
      if (outcome === "accepted" || outcome === "nonce_used") await markSent(tx.id, latest.id, latest.hash);
      else if (age > deps.stuckAfterMs || (urgent && outcome !== "unreachable")) await replace(tx, latest);
    } else {
      const known = urgent ? null : await rpc.call<unknown>("eth_getTransactionByHash", [bufferToHex(latest.hash)]);
      if (known === null) {
        // Dropped from the pool, reorged out, or a nonce gap: send the same signed bytes again.
        outcome = await broadcast(latest.raw);
        if (!urgent || outcome !== "accepted") {
          deps.log("warn", "transaction unknown to the node: sent again", {
            nonce: Number(tx.nonce),
            hash: bufferToHex(latest.hash),
            outcome,
          });
        }
        // Bytes the node refuses now (the base fee rose past them): sign again with fees that apply.
        if (outcome === "rejected" || outcome === "underpriced") await replace(tx, latest);
      } else if (age > deps.stuckAfterMs) {
        await replace(tx, latest);
      }
    }
    if (outcome === "nonce_used") await resolveUsedNonce(tx, attempts);
  }

  /** The node says this nonce is used: ours if an attempt has a receipt (tracked at the next head), else taken by someone else. */
  async function resolveUsedNonce(tx: TxRow, attempts: AttemptRow[]): Promise<void> {
    const latestNonce = Number(BigInt(await rpc.call<string>("eth_getTransactionCount", [signer, "latest"])));
    if (latestNonce <= Number(tx.nonce)) return;
    if (await seenReceipt(tx, attempts)) {
      checkedAtHead.delete(tx.id);
      return;
    }
    deps.log("error", "nonce taken by a transaction that is not ours", { nonce: Number(tx.nonce) });
    await withTransaction(db, async (client) => {
      await client.query("update chain_txs set revert_reason = 'nonce_taken' where id = $1", [tx.id]);
      await applyEffect(
        client,
        { ...tx, revert_reason: "nonce_taken" },
        { kind: "finalize", success: false, reason: "nonce_taken" },
      );
    });
  }

  /**
   * The chain's and the node's nonces of the key against ours, once per head. A transaction
   * reported final whose nonce the chain no longer counts is the gravest alarm: it is opened and
   * sent again. A nonce the node's pool lacks below our next one (reorged out, dropped, a node
   * restarted without its pool) is a gap: every stored transaction from it on is sent again at
   * once, in nonce order, and a nonce with nothing stored is filled.
   */
  async function auditNonces(head: number): Promise<Set<string>> {
    const urgent = new Set<string>();
    if (nonceAudit.head === head) return urgent;
    const [latestHex, pendingHex] = await Promise.all([
      rpc.call<string>("eth_getTransactionCount", [signer, "latest"]),
      rpc.call<string>("eth_getTransactionCount", [signer, "pending"]),
    ]);
    const latest = Number(BigInt(latestHex));
    const pending = Number(BigInt(pendingHex));
    const expected = deps.nonces.peek();
    nonceAudit = { ...nonceAudit, head, chainNonce: latest };

    const { rows: lost } = await db.query<TxRow>(
      `select ${TX_COLUMNS} from chain_txs
        where signer = $1 and nonce >= $2 and status in ('confirmed', 'failed')
          and revert_reason is distinct from 'nonce_taken'
        order by nonce`,
      [signer, latest],
    );
    if (lost.length > 0) {
      const { rows: attempts } = await db.query<AttemptRow & { tx_id: string }>(
        `select ${ATTEMPT_COLUMNS} from tx_attempts where tx_id = any($1::bigint[]) order by id`,
        [lost.map((t) => t.id)],
      );
      for (const tx of lost) {
        if (
          await seenReceipt(
            tx,
            attempts.filter((a) => a.tx_id === tx.id),
          )
        )
          continue;
        const votes = await db.query<{ n: string | null }>(
          "select sum(vote_count) as n from batches where tx_id = $1",
          [tx.id],
        );
        deps.log("error", "ALARM: a transaction reported final is no longer on chain; sending it again", {
          kind: tx.kind,
          nonce: Number(tx.nonce),
          electionId: tx.election_id,
          votes: Number(votes.rows[0]?.n ?? 0),
          finalizedTag: finality?.finalizedTag ?? null,
          confirmations: finality?.confirmations ?? deps.confirmations,
        });
        await withTransaction(db, (client) => applyEffect(client, tx, { kind: "reopen" }));
      }
    }

    if (pending >= expected) {
      if (nonceAudit.gap) {
        deps.log("info", "nonce gap filled", {
          from: nonceAudit.gap.from,
          to: nonceAudit.gap.to,
          ms: Date.now() - nonceAudit.gap.since.getTime(),
        });
      }
      nonceAudit = { ...nonceAudit, gap: null };
      return urgent;
    }
    const gap = { from: pending, to: expected - 1, since: nonceAudit.gap?.since ?? new Date() };
    if (!nonceAudit.gap)
      deps.log("warn", "nonce gap: the node lacks transactions of this key", { ...gap, chainNonce: latest });
    nonceAudit = { ...nonceAudit, gap };
    const { rows: stored } = await db.query<{ id: string; nonce: string }>(
      "select id, nonce from chain_txs where signer = $1 and nonce >= $2 and nonce < $3",
      [signer, pending, expected],
    );
    const have = new Set(stored.map((r) => Number(r.nonce)));
    for (const r of stored) urgent.add(r.id);
    for (let nonce = pending; nonce < expected; nonce++) {
      if (!have.has(nonce)) await fillNonce(nonce);
    }
    return urgent;
  }

  /** A nonce below ours with nothing stored (signed elsewhere and lost): a zero-value transfer to ourselves fills it. */
  async function fillNonce(nonce: number): Promise<void> {
    const quote = await deps.fees.quote();
    deps.log("warn", "filling a nonce with nothing stored", { nonce });
    const stored = await store("fill_nonce", "0", nonce, signer, "0x", 21_000n, quote);
    const outcome = await broadcast(stored.raw);
    if (outcome === "accepted" || outcome === "nonce_used") await markSent(stored.txId, stored.attemptId, stored.hash);
  }

  /** Signs and stores a transaction at `nonce` (nothing is broadcast before it is stored). */
  async function store(
    kind: TxKind,
    electionId: string,
    nonce: number,
    to: string,
    data: string,
    gasLimit: bigint,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
    batchId?: string,
  ): Promise<{ txId: string; attemptId: string; raw: Buffer; hash: Buffer }> {
    const signed = await signAttempt(nonce, to, data, gasLimit, fees);
    return withTransaction(db, async (client) => {
      const txId = returnedId(
        await client.query<{ id: string }>(
          `insert into chain_txs (signer, nonce, kind, election_id, status, to_address, data, gas_limit)
           values ($1, $2, $3, $4, 'pending', $5, $6, $7) returning id`,
          [signer, nonce, kind, electionId, to, hexToBuffer(data), gasLimit.toString()],
        ),
        "a chain transaction",
      );
      const attempt = await client.query<{ id: string }>(
        `insert into tx_attempts (tx_id, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, status)
         values ($1, $2, $3, $4, $5, 'pending') returning id`,
        [txId, signed.hash, signed.raw, fees.maxFeePerGas.toString(), fees.maxPriorityFeePerGas.toString()],
      );
      if (batchId !== undefined) {
        const updated = await client.query("update batches set tx_id = $2 where id = $1 and state = 'formed'", [
          batchId,
          txId,
        ]);
        if (updated.rowCount !== 1) throw new Error(`batch ${batchId} is not formed any more`);
      }
      return { txId, attemptId: returnedId(attempt, "an attempt"), raw: signed.raw, hash: signed.hash };
    });
  }

  async function track(head: number): Promise<void> {
    heldThisTrack = 0;
    const { final } = await finalityAt(head);
    const urgent = await auditNonces(head);
    const { rows: txs } = await db.query<TxRow>(
      `select ${TX_COLUMNS} from chain_txs where signer = $1 and status in ('pending', 'submitted', 'mined') order by nonce`,
      [signer],
    );
    if (txs.length === 0) return;
    const { rows: attempts } = await db.query<AttemptRow & { tx_id: string }>(
      `select ${ATTEMPT_COLUMNS} from tx_attempts where tx_id = any($1::bigint[]) order by id`,
      [txs.map((t) => t.id)],
    );
    for (const tx of txs) {
      const own = attempts.filter((a) => a.tx_id === tx.id);
      if (await advance(tx, own, head, final)) await keepSending(tx, own, urgent.has(tx.id));
    }
  }

  return {
    async send(kind, electionId, data, gasLimit, fees, batchId) {
      const nonce = deps.nonces.peek();
      let stored: Awaited<ReturnType<typeof store>>;
      try {
        stored = await store(kind, electionId, nonce, deps.registryAddress, data, gasLimit, fees, batchId);
      } catch (error) {
        await deps.nonces.sync();
        throw error;
      }
      deps.nonces.commit(nonce);
      failpoint("after_store");
      const outcome = await broadcast(stored.raw);
      failpoint("after_broadcast");
      if (outcome === "accepted" || outcome === "nonce_used")
        await markSent(stored.txId, stored.attemptId, stored.hash);
      return bufferToHex(stored.hash);
    },

    track,
    finality: () => finality,
    nonces: () => nonceAudit,

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
