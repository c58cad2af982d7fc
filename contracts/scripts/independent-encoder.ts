/**
 * A second, deliberately separate implementation of the vote hash: ABI encoding done by hand
 * (six 32-byte words) and keccak from @noble/hashes rather than ethers. The committed vectors
 * are produced by this encoder; the shared module and the contract must both reproduce them.
 */
import { keccak_256 } from "@noble/hashes/sha3";

function word(hexDigits: string, align: "left" | "right"): string {
  if (hexDigits.length > 64) throw new Error("value wider than a word");
  return align === "right" ? hexDigits.padStart(64, "0") : hexDigits.padEnd(64, "0");
}

export function independentVoteHash(v: {
  chainId: string | number | bigint;
  registry: string;
  electionId: string | number | bigint;
  ref: string;
  choice: number;
  receiptSecret: string;
}): string {
  const hex =
    word(BigInt(v.chainId).toString(16), "right") +
    word(v.registry.slice(2).toLowerCase(), "right") +
    word(BigInt(v.electionId).toString(16), "right") +
    word(v.ref.slice(2).toLowerCase(), "left") + // bytesN is left-aligned
    word(v.choice.toString(16), "right") +
    word(v.receiptSecret.slice(2).toLowerCase(), "right");
  const bytes = Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
  return `0x${Buffer.from(keccak_256(bytes)).toString("hex")}`;
}
