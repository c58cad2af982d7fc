/**
 * The processor's configuration, and nothing else: where the chain is, which logs to fetch, which
 * fields, how final a block must be. main.ts holds the batch handler; runner.ts runs them.
 */
import {
  type Log as _Log,
  type Transaction as _Transaction,
  type BlockHeader,
  type DataHandlerContext,
  EvmBatchProcessor,
} from "@subsquid/evm-processor";
import type { Store } from "@subsquid/typeorm-store";
import { events } from "./abi/VoteRegistry.js";
import type { IndexerConfig } from "./config.js";
import { prometheusPortWithHost } from "./subsquid/index.js";

export const REGISTRY_TOPICS = [
  events.ElectionCreated.topic,
  events.ElectionClosed.topic,
  events.VoteRecorded.topic,
  events.BatchRecorded.topic,
  events.SecretElectionCreated.topic,
  events.BallotRecorded.topic,
  events.DecryptionSharePublished.topic,
  events.TallyPublished.topic,
];

// Receipts give gasUsed and effectiveGasPrice. `from` and `to` (on by default) are turned
// off: either makes the processor fetch whole transactions, calldata included, which for a
// batch of 500 votes is 48 kB that nothing here reads.
const fields = {
  block: { timestamp: true },
  log: { address: true, topics: true, data: true, transactionHash: true },
  transaction: { from: false, to: false, hash: true, gasUsed: true, effectiveGasPrice: true },
} as const;

// INDEX_GAS=false: logs only (eth_getLogs), no receipts; see BENCHMARKS.md.
const fieldsWithoutGas = {
  block: { timestamp: true },
  log: { address: true, topics: true, data: true, transactionHash: true },
  transaction: { from: false, to: false, hash: true },
} as const;

export function createProcessor(config: IndexerConfig) {
  const processor = new EvmBatchProcessor()
    .setRpcEndpoint({
      url: config.rpcUrl,
      capacity: config.rpcCapacity,
      rateLimit: config.rpcRateLimit,
      // A local node answers at once; a public RPC sometimes does not, and then the request is retried.
      requestTimeout: 30_000,
    })
    .setRpcDataIngestionSettings({ headPollInterval: config.headPollMs })
    .setFinalityConfirmation(config.finalityConfirmation)
    .setBlockRange({ from: config.startBlock })
    .setFields((config.gasFields ? fields : fieldsWithoutGas) as typeof fields)
    .addLog({
      address: [config.contractAddress],
      topic0: REGISTRY_TOPICS,
      // The transaction is needed only for its receipt fields (gas, price).
      transaction: config.gasFields,
    });
  // The metrics server binds to one interface, 127.0.0.1 unless configured: Node's listen() takes
  // {port, host}, and the processor passes its "port" setting through to listen() as it is.
  processor.setPrometheusPort(prometheusPortWithHost(config.prometheusPort, config.prometheusHost));
  return processor;
}

export type Fields = typeof fields;
export type Processor = ReturnType<typeof createProcessor>;
export type Block = BlockHeader<Fields>;
export type Log = _Log<Fields>;
export type Transaction = _Transaction<Fields>;
export type Context = DataHandlerContext<Store, Fields>;
