/**
 * Nonces of the signing key, kept locally, with the chain's pending nonce as a floor: the next
 * nonce is the largest of the chain's pending count, one past the highest nonce stored in
 * chain_txs (signed transactions the node may not have seen yet, e.g. after a crash), and what this
 * process handed out. Only the worker holding the key's advisory lock uses it.
 */
import type { Db } from "../db/pool.js";
import type { RpcPool } from "./rpc-pool.js";

export interface NonceManager {
  /** Re-reads the floor from the chain and the database. */
  sync(): Promise<number>;
  /** The next nonce; call `commit` once a transaction with it is stored, or `sync` on failure. */
  peek(): number;
  commit(nonce: number): void;
}

export function createNonceManager(options: { db: Db; rpc: RpcPool; signer: string }): NonceManager {
  let next = 0;
  return {
    async sync() {
      const [pendingHex, stored] = await Promise.all([
        options.rpc.call<string>("eth_getTransactionCount", [options.signer, "pending"]),
        options.db.query<{ max: string | null }>("select max(nonce) as max from chain_txs where signer = $1", [
          options.signer.toLowerCase(),
        ]),
      ]);
      const chain = Number(BigInt(pendingHex));
      const db = stored.rows[0]?.max == null ? 0 : Number(stored.rows[0].max) + 1;
      next = Math.max(chain, db);
      return next;
    },
    peek: () => next,
    commit(nonce) {
      if (nonce >= next) next = nonce + 1;
    },
  };
}
