/**
 * EIP-1559 fees from eth_feeHistory: the next block's base fee (the last entry of
 * baseFeePerGas) and the median priority fee paid over recent blocks, never below
 * MIN_PRIORITY_FEE_GWEI. maxFeePerGas leaves room for the base fee to double, but never above the
 * cap; when even the next block's base fee plus the priority fee is above the cap, the answer is
 * "above cap" and nothing is sent (batches wait, and say so).
 */
import type { RpcPool } from "./rpc-pool.js";

export interface FeeQuote {
  baseFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  capPerGas: bigint;
  /** Even base fee + priority fee exceeds the cap: wait. */
  aboveCap: boolean;
}

export interface FeeOracle {
  quote(): Promise<FeeQuote>;
  /** Fees for replacing an attempt: at least `bumpPercent` above both of its fees; null if over the cap. */
  bump(previous: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, current: FeeQuote): FeeQuote | null;
  last(): FeeQuote | null;
}

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);
const minOf = (a: bigint, b: bigint) => (a < b ? a : b);

export function createFeeOracle(options: {
  rpc: RpcPool;
  capPerGas: bigint;
  minPriorityFeePerGas: bigint;
  bumpPercent: number;
  blocks?: number;
}): FeeOracle {
  const blocks = options.blocks ?? 10;
  const cap = options.capPerGas;
  const bumpBasisPoints = BigInt(Math.ceil(options.bumpPercent * 100));
  let lastQuote: FeeQuote | null = null;
  const up = (x: bigint) => (x * (10_000n + bumpBasisPoints) + 9_999n) / 10_000n;

  return {
    async quote() {
      const history = await options.rpc.call<{ baseFeePerGas: string[]; reward?: string[][] }>("eth_feeHistory", [
        `0x${blocks.toString(16)}`,
        "latest",
        [50],
      ]);
      const base = BigInt(history.baseFeePerGas.at(-1) ?? "0x0");
      const rewards = (history.reward ?? [])
        .map((r) => BigInt(r[0] ?? "0x0"))
        .filter((r) => r > 0n)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const median = rewards.length ? (rewards[Math.floor(rewards.length / 2)] as bigint) : 0n;
      const priority = maxOf(median, options.minPriorityFeePerGas);
      const maxFee = minOf(2n * base + priority, cap);
      lastQuote = {
        baseFeePerGas: base,
        maxPriorityFeePerGas: minOf(priority, maxFee),
        maxFeePerGas: maxFee,
        capPerGas: cap,
        aboveCap: base + priority > cap,
      };
      return lastQuote;
    },
    bump(previous, current) {
      const priority = up(previous.maxPriorityFeePerGas);
      const maxFee = up(previous.maxFeePerGas);
      const newPriority = maxOf(priority, current.maxPriorityFeePerGas);
      const newMax = maxOf(maxOf(maxFee, current.maxFeePerGas), newPriority);
      if (newMax > cap) return null;
      return { ...current, maxPriorityFeePerGas: newPriority, maxFeePerGas: newMax };
    },
    last: () => lastQuote,
  };
}
