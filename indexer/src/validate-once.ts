/**
 * Receipts and logs are validated once, not twice. The processor's RPC client checks each receipt
 * as it arrives (its block number and hash, transaction index and hash, and each log's block
 * number, block hash and indexes); then the mapping that turns receipts into the handler's Log and
 * Transaction objects (evm-processor's mapBlock) checks and converts, field by field, everything
 * the processor asks for (address, topics, data, indexes, transaction hash, gas used, price). For
 * these methods the first pass is dropped: all the indexer reads is still checked, by the second
 * (a malformed value stops the batch; the processor starts again); a receipt of another block is
 * still noticed (its block hash is compared with the block's); a log's own block number and hash,
 * which the mapping takes from the block instead, are no longer checked. In an interleaved A/B of
 * a 100,000-event sync, 2 to 5% faster (BENCHMARKS.md).
 */
import type { RpcClient } from "@subsquid/rpc-client";

/** Methods whose results reach the handler only through mapBlock. */
export const MAPPED_METHODS: ReadonlySet<string> = new Set([
  "eth_getTransactionReceipt",
  "eth_getBlockReceipts",
  "eth_getLogs",
]);

type CallOptions = { validateResult?: unknown } | undefined;

interface Calls {
  call(method: string, params?: unknown[], options?: CallOptions): Promise<unknown>;
  batchCall(batch: { method: string }[], options?: CallOptions): Promise<unknown[]>;
}

/** Drops the client's own result check for calls of MAPPED_METHODS (and batches of them only). */
export function validateMappedResultsOnce(client: RpcClient): void {
  const calls = client as unknown as Calls;
  const call = calls.call.bind(calls);
  const batchCall = calls.batchCall.bind(calls);
  const unchecked = (options: CallOptions): CallOptions => options && { ...options, validateResult: undefined };
  calls.call = (method, params, options) =>
    call(method, params, MAPPED_METHODS.has(method) ? unchecked(options) : options);
  calls.batchCall = (batch, options) =>
    batchCall(
      batch,
      batch.length > 0 && batch.every((b) => MAPPED_METHODS.has(b.method)) ? unchecked(options) : options,
    );
}
