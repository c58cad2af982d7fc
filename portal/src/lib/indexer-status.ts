/**
 * Where the indexer stands (its status row) and the indexed height every cached answer is keyed
 * by. Read by every page (the status line) and the response cache.
 */

import type { IndexerStatusRow } from "@veritally/indexer/read-model";
import type { IndexerReader } from "./indexer-reader.js";

export interface IndexerStatus {
  /** Highest block the indexer has processed. */
  height: number;
  chainHead: number;
  chainHeadAt: Date | null;
  updatedAt: Date;
  lag: number;
  finalizedHeight: number;
  chainId: number;
  contractAddress: string;
  startBlock: number;
  /** Set when the indexer stopped because its database no longer matches the chain. */
  error: string | null;
  errorBlock: number | null;
}

export interface ChainFacts {
  chainId: number | null;
  registryAddress: string | null;
  explorerUrl: string | null;
}

export interface StatusReads {
  status(): Promise<IndexerStatus | null>;
  height(): Promise<number>;
  chainFacts(status?: IndexerStatus | null): ChainFacts;
}

export function createStatusReads(
  db: IndexerReader,
  options: {
    now: () => number;
    /** How long a read of the indexed height is reused (ms); concurrent reads share one query. */
    heightTtlMs: number;
    chainId?: number | undefined;
    registryAddress?: string | undefined;
    explorerUrl?: string | undefined;
  },
): StatusReads {
  async function status(): Promise<IndexerStatus | null> {
    const rows = await db.query<
      Pick<
        IndexerStatusRow,
        | "height"
        | "chain_head"
        | "chain_head_at"
        | "updated_at"
        | "lag"
        | "finalized_height"
        | "chain_id"
        | "contract_address"
        | "start_block"
        | "error"
        | "error_block"
      >
    >(
      `select height, chain_head, chain_head_at, updated_at, lag, finalized_height, chain_id, contract_address,
              start_block, error, error_block from indexer_status where id = 'status'`,
    );
    const r = rows[0];
    if (!r) return null;
    return {
      height: r.height,
      chainHead: r.chain_head,
      chainHeadAt: r.chain_head_at,
      updatedAt: r.updated_at,
      lag: r.lag,
      finalizedHeight: r.finalized_height,
      chainId: r.chain_id,
      contractAddress: r.contract_address,
      startBlock: r.start_block,
      error: r.error,
      errorBlock: r.error_block,
    };
  }

  let heightRead: { at: number; value: Promise<number> } | undefined;
  function height(): Promise<number> {
    const now = options.now();
    if (heightRead && now - heightRead.at < options.heightTtlMs) return heightRead.value;
    const value = db
      .query<{ height: number }>("select height from indexer_status where id = 'status'")
      .then((rows) => rows[0]?.height ?? -1);
    heightRead = { at: now, value };
    value.catch(() => {
      if (heightRead?.value === value) heightRead = undefined;
    });
    return value;
  }

  function chainFacts(s?: IndexerStatus | null): ChainFacts {
    return {
      chainId: options.chainId ?? s?.chainId ?? null,
      registryAddress: options.registryAddress ?? s?.contractAddress?.toLowerCase() ?? null,
      explorerUrl: options.explorerUrl ?? null,
    };
  }

  return { status, height, chainFacts };
}
