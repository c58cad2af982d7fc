/**
 * The vote hash of the design brief, the one implementation every part uses:
 *
 *   voteHash = keccak256(abi.encode(uint256 chainId, address registry, uint256 electionId,
 *                                   bytes16 ref, uint16 choice, bytes32 receiptSecret))
 *
 * Binding the chain id and the registry address makes a receipt useless on any other
 * deployment. The contract computes the same value in `voteHashOf`.
 */
import { keccak256 } from "ethers";
import { InvalidInputError } from "./errors.js";

export interface VoteHashInput {
  chainId: bigint | number | string;
  registry: string;
  /** A bigint, a safe integer, or a decimal string (as JSON carries it). */
  electionId: bigint | number | string;
  /** 0x + 32 hex digits */
  ref: string;
  choice: number;
  /** 0x + 64 hex digits */
  receiptSecret: string;
}

/** Writes `hex` (no 0x) into the 32-byte word at `offset`, right-aligned or left-aligned. */
function putWord(out: Uint8Array, offset: number, hex: string, align: "right" | "left"): void {
  const padded = align === "right" ? hex.padStart(64, "0") : hex.padEnd(64, "0");
  for (let i = 0; i < 32; i++) out[offset + i] = Number.parseInt(padded.slice(i * 2, i * 2 + 2), 16);
}

function checkHex(field: string, value: string, bytes: number): void {
  if (typeof value !== "string" || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
    throw new InvalidInputError(field, `expected 0x and ${bytes * 2} hex digits`);
  }
}

function checkUint(field: string, value: bigint | number | string, bits: number): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new InvalidInputError(field, "expected an integer");
  }
  if (typeof value === "string" && !/^[0-9]{1,78}$/.test(value)) {
    throw new InvalidInputError(field, "expected a decimal integer");
  }
  const big = BigInt(value);
  if (big < 0n || big >= 1n << BigInt(bits)) throw new InvalidInputError(field, `expected a uint${bits}`);
  return big;
}

/** Computes the vote hash; throws InvalidInputError naming the bad field. */
export function computeVoteHash(input: VoteHashInput): string {
  checkHex("ref", input.ref, 16);
  checkHex("receiptSecret", input.receiptSecret, 32);
  if (typeof input.registry !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(input.registry)) {
    throw new InvalidInputError("registry", "expected a 20-byte address");
  }
  // abi.encode of six static types is six 32-byte words; encoding them by hand is what
  // Solidity does and is several times faster than a general ABI coder (the relayer hashes
  // every vote it accepts). The committed vectors come from an independent encoder.
  const out = new Uint8Array(192);
  putWord(out, 0, checkUint("chainId", input.chainId, 256).toString(16), "right");
  putWord(out, 32, input.registry.slice(2), "right");
  putWord(out, 64, checkUint("electionId", input.electionId, 256).toString(16), "right");
  putWord(out, 96, input.ref.slice(2), "left");
  putWord(out, 128, checkUint("choice", input.choice, 16).toString(16), "right");
  putWord(out, 160, input.receiptSecret.slice(2), "right");
  return keccak256(out);
}

/** Whether a receipt reproduces the recorded hash (case-insensitive hex comparison). */
export function voteHashMatches(input: VoteHashInput, recordedHash: string): boolean {
  return computeVoteHash(input).toLowerCase() === recordedHash.toLowerCase();
}
