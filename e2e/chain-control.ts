/**
 * What the drills do to the local chain, for Hardhat's node and for anvil: their JSON-RPC methods
 * for the same fault differ (names, and milliseconds against seconds).
 */
import type { JsonRpcProvider } from "ethers";

export type ChainKind = "hardhat" | "anvil";

export interface ChainControl {
  kind: ChainKind;
  /** Stops mining until resumeMining. */
  pauseMining(): Promise<void>;
  /** A block every `blockMs` again. */
  resumeMining(blockMs: number): Promise<void>;
  /** The base fee of the next block, in wei. */
  setNextBaseFee(wei: bigint): Promise<void>;
}

const hex = (n: bigint | number) => `0x${n.toString(16)}`;

export function chainControl(kind: ChainKind, provider: JsonRpcProvider): ChainControl {
  if (kind === "hardhat") {
    return {
      kind,
      pauseMining: () => provider.send("evm_setIntervalMining", [0]),
      resumeMining: (blockMs) => provider.send("evm_setIntervalMining", [blockMs]),
      setNextBaseFee: (wei) => provider.send("hardhat_setNextBlockBaseFeePerGas", [hex(wei)]),
    };
  }
  return {
    kind,
    // anvil counts the interval in seconds; 0 stops it.
    pauseMining: () => provider.send("evm_setIntervalMining", [0]),
    resumeMining: (blockMs) => provider.send("evm_setIntervalMining", [Math.max(1, Math.round(blockMs / 1000))]),
    setNextBaseFee: (wei) => provider.send("anvil_setNextBlockBaseFeePerGas", [hex(wei)]),
  };
}
