/**
 * The vote hash of the design brief, the one implementation every part uses:
 *
 *   voteHash = keccak256(abi.encode(uint256 chainId, address registry, uint256 electionId,
 *                                   bytes16 ref, uint16 choice, bytes32 receiptSecret))
 *
 * Binding the chain id and the registry address makes a receipt useless on any other
 * deployment. The contract computes the same value in `voteHashOf`.
 */
import { AbiCoder, getAddress, keccak256 } from "ethers";
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

const TYPES = ["uint256", "address", "uint256", "bytes16", "uint16", "bytes32"] as const;
const coder = AbiCoder.defaultAbiCoder();

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
  let registry: string;
  try {
    registry = getAddress(input.registry);
  } catch {
    throw new InvalidInputError("registry", "expected a 20-byte address");
  }
  const encoded = coder.encode(TYPES, [
    checkUint("chainId", input.chainId, 256),
    registry,
    checkUint("electionId", input.electionId, 256),
    input.ref,
    checkUint("choice", input.choice, 16),
    input.receiptSecret,
  ]);
  return keccak256(encoded);
}

/** Whether a receipt reproduces the recorded hash (case-insensitive hex comparison). */
export function voteHashMatches(input: VoteHashInput, recordedHash: string): boolean {
  return computeVoteHash(input).toLowerCase() === recordedHash.toLowerCase();
}
