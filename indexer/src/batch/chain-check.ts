/**
 * Before a batch adds anything: is the last block this database holds still on the chain? The
 * processor checks this for hot blocks, not for blocks it took as final (see reorg.ts). While
 * catching up the node is busy serving the processor: then once a second, and at every batch at
 * the head. Also the chain head, for the status row.
 */
import type { Store } from "@subsquid/typeorm-store";
import { IndexedBlock, IndexerStatus } from "../model/index.js";
import type { Block, Context } from "../processor.js";
import { ChainMismatchError } from "../reorg.js";
import { chainClient } from "../subsquid/index.js";
import { inHotBlock } from "../vote-copy.js";

export const STATUS_ID = "status";

export interface StatusOptions {
  chainId: number;
  contractAddress: string;
  startBlock: number;
  finalityConfirmation: number;
}

export interface ChainCheck {
  /**
   * Starts the check when due. The answer is awaited after the writes, before the transaction
   * commits: the node may be slow to answer while it serves the processor's prefetching, and
   * nothing written depends on it: so this resolves once the check is sent, with its answer to
   * await later (wrapped, or awaiting this would wait for it). A mismatch rejects the answer
   * with ChainMismatchError.
   */
  start(ctx: Context): Promise<{ answer: Promise<void> }>;
  /** The status row after this batch, or undefined for a hot block that is not the last of its call. */
  status(ctx: Context, lastBlock: Block | undefined, now: Date): IndexerStatus | undefined;
}

/** `now` is the clock the throttle reads (performance.now by default). */
export function createChainCheck(options: StatusOptions, now: () => number = () => performance.now()): ChainCheck {
  const last = { at: Number.NEGATIVE_INFINITY, chainHead: 0 };
  return {
    async start(ctx) {
      if (!ctx.isHead && now() - last.at < 1000) return { answer: Promise.resolve() };
      last.at = now();
      const [lastIndexed] = await ctx.store.find(IndexedBlock, { order: { height: "DESC" }, take: 1 });
      const client = chainClient(ctx);
      const check = Promise.all([
        client.call<string>("eth_blockNumber"),
        lastIndexed
          ? client.call<{ hash: string } | null>("eth_getBlockByNumber", [
              `0x${lastIndexed.height.toString(16)}`,
              false,
            ])
          : Promise.resolve(undefined),
      ]).then(([chainHeadHex, lastIndexedOnChain]) => {
        if (lastIndexed && lastIndexedOnChain?.hash !== lastIndexed.hash) {
          throw new ChainMismatchError(lastIndexed.height, lastIndexed.hash, lastIndexedOnChain?.hash ?? null);
        }
        last.chainHead = Number(BigInt(chainHeadHex));
      });
      // Handled where awaited; this only keeps an early failure from being reported as unhandled.
      check.catch(() => {});
      return { answer: check };
    },
    status(ctx, lastBlock, at) {
      // Hot blocks come one per call, all in one transaction: the status once, with the last.
      if (!lastBlock || (!ctx.isHead && inHotBlock(ctx.store))) return undefined;
      const chainHead = Math.max(last.chainHead, lastBlock.height);
      return new IndexerStatus({
        id: STATUS_ID,
        height: lastBlock.height,
        headHash: lastBlock.hash,
        chainHead,
        chainHeadAt: at,
        updatedAt: at,
        lag: Math.max(0, chainHead - lastBlock.height),
        finalizedHeight: Math.max(0, chainHead - options.finalityConfirmation),
        chainId: options.chainId,
        contractAddress: options.contractAddress.toLowerCase(),
        startBlock: options.startBlock,
        error: null,
        errorBlock: null,
      });
    },
  };
}

/** Writes the status row when there is one to write. */
export async function writeStatus(store: Store, status: IndexerStatus | undefined): Promise<void> {
  if (status) await store.upsert(status);
}
