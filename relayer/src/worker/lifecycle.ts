/**
 * The lifecycle of one chain transaction of the signing key as one pure function (the way
 * OpenZeppelin's relayer decides in its status checker, src/domain/transaction/evm/status.rs):
 * from the stored transaction, the receipt the node gives now for any of its attempts, the head,
 * and the highest final block, to the next step. The submitter fetches the inputs and applies the
 * step, with its domain effects (effects.ts), in one database transaction.
 *
 * Final: the transaction's block is at or below `final`, which the caller computes as the lower of
 * the node's `finalized` block (where served) and head − CONFIRMATIONS + 1. Until then a mined
 * transaction is checked again at every head, at any depth.
 */
import { TxStatus } from "../states.js";

export interface StoredTx {
  status: TxStatus;
  /** Where we last saw it mined (status mined), else null. */
  blockNumber: number | null;
  blockHash: string | null;
  /** The mined attempt, else null. */
  minedAttemptId: string | null;
}

export interface SeenReceipt {
  attemptId: string;
  blockNumber: number;
  blockHash: string;
  success: boolean;
}

export type Step =
  /** Nothing to record (unmined and still no receipt, or mined and not final yet). */
  | { kind: "wait" }
  /** A receipt appeared: record it (mined, not final). */
  | { kind: "mine"; receipt: SeenReceipt }
  /** Mined again in another block (or by another attempt) after a reorg: record where. */
  | { kind: "move"; receipt: SeenReceipt }
  /** The receipt disappeared (reorged out): back to submitted, broadcast the same bytes again. */
  | { kind: "unmine" }
  /** Its block is final: confirmed (success) or failed (reverted). */
  | { kind: "finalize"; success: boolean };

export function nextStep(tx: StoredTx, receipt: SeenReceipt | null, head: number, final: number): Step {
  if (tx.status === TxStatus.Confirmed || tx.status === TxStatus.Failed) return { kind: "wait" };
  if (tx.status === TxStatus.Pending || tx.status === TxStatus.Submitted) {
    return receipt && receipt.blockNumber <= head ? { kind: "mine", receipt } : { kind: "wait" };
  }
  // Mined.
  if (!receipt || receipt.blockNumber > head) return { kind: "unmine" };
  if (receipt.blockHash !== tx.blockHash || receipt.attemptId !== tx.minedAttemptId) return { kind: "move", receipt };
  if (receipt.blockNumber <= final) return { kind: "finalize", success: receipt.success };
  return { kind: "wait" };
}

/** The highest final block: the lower of the node's finalized block (null: not served) and CONFIRMATIONS. */
export function finalBlock(head: number, confirmations: number, finalizedTag: number | null): number {
  const byDepth = head - confirmations + 1;
  return finalizedTag === null ? byDepth : Math.min(finalizedTag, byDepth);
}

/** CONFIRMATIONS when unset: 2 on the local chain or where the node serves `finalized`, else 64. */
export function defaultConfirmations(chainId: number, finalizedServed: boolean): number {
  return chainId === 31337 || finalizedServed ? 2 : 64;
}
