/** The election a credential belongs to: every key derivation and signature is bound to it. */
import { hexToBytes } from "@noble/hashes/utils.js";

export interface CredentialContext {
  /** EVM chain id, below 2^64. */
  readonly chainId: bigint;
  /** 20-byte address of the VoteRegistry. */
  readonly registry: Uint8Array;
  /** 32-byte election id (the uint256 on chain, big-endian). */
  readonly electionId: Uint8Array;
}

/** The 60 bytes that bind a derivation or a signature to the election: u64be(chainId) ‖ registry ‖ electionId. */
export function contextBytes(ctx: CredentialContext): Uint8Array {
  checkCredentialContext(ctx);
  const out = new Uint8Array(60);
  new DataView(out.buffer).setBigUint64(0, ctx.chainId);
  out.set(ctx.registry, 8);
  out.set(ctx.electionId, 28);
  return out;
}

export function checkCredentialContext(ctx: CredentialContext): void {
  if (ctx.chainId < 0n || ctx.chainId >= 1n << 64n) throw new RangeError("context.chainId: must fit in 64 bits");
  if (ctx.registry.length !== 20) throw new RangeError("context.registry: must be 20 bytes");
  if (ctx.electionId.length !== 32) throw new RangeError("context.electionId: must be 32 bytes");
}

/**
 * The context from its text forms: chainId decimal, registry `0x` + 40 hex digits, electionId a
 * decimal integer or `0x` + 64 hex digits (the uint256 on chain). A malformed value is a RangeError
 * naming the field.
 */
export function credentialContext(fields: {
  chainId: string;
  registry: string;
  electionId: string;
}): CredentialContext {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(fields.chainId) || BigInt(fields.chainId) >= 1n << 64n)
    throw new RangeError(`chainId: must be a decimal integer below 2^64, got "${fields.chainId}"`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(fields.registry))
    throw new RangeError(`registry: must be 0x and 40 hex digits, got "${fields.registry}"`);
  let id: bigint;
  if (/^0x[0-9a-fA-F]{64}$/.test(fields.electionId)) id = BigInt(fields.electionId);
  else if (/^(0|[1-9][0-9]{0,77})$/.test(fields.electionId)) id = BigInt(fields.electionId);
  else
    throw new RangeError(`electionId: must be a decimal integer or 0x and 64 hex digits, got "${fields.electionId}"`);
  if (id >= 1n << 256n) throw new RangeError("electionId: must be below 2^256");
  return {
    chainId: BigInt(fields.chainId),
    registry: hexToBytes(fields.registry.slice(2)),
    electionId: hexToBytes(id.toString(16).padStart(64, "0")),
  };
}
