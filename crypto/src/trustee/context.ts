import { sha512 } from "@noble/hashes/sha2.js";
import { concat, hashToScalar, randomScalar, u32be } from "../group.js";

/** The ceremony's public parameters; every trustee challenge and key derivation is bound to them. */
export interface ElectionContext {
  readonly chainId: bigint;
  /** 20-byte registry contract address. */
  readonly registry: Uint8Array;
  /** 32-byte election id. */
  readonly electionId: Uint8Array;
  /** Number of trustees n (indices 1..n). */
  readonly trustees: number;
  /** Threshold k: any k trustees decrypt, k-1 learn nothing. */
  readonly threshold: number;
}

export const MAX_TRUSTEES = 255;

/** A source of uniformly random nonzero scalars; the CSPRNG by default, seeded only for test vectors. */
export type ScalarSource = () => bigint;
export const csprng: ScalarSource = randomScalar;

/** A deterministic scalar source for test vectors: H("veritally/trustee/v1/test-rng", seed, u32be(counter)). */
export function seededScalars(seed: string): ScalarSource {
  const s = new TextEncoder().encode(seed);
  let counter = 0;
  return () => {
    for (;;) {
      const x = hashToScalar("veritally/trustee/v1/test-rng", [s, u32be(counter++)]);
      if (x !== 0n) return x;
    }
  };
}

export function u64be(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

/** Throws a RangeError naming the field when the context is malformed. */
export function checkContext(ctx: ElectionContext): void {
  if (ctx.chainId < 0n || ctx.chainId >= 1n << 64n) throw new RangeError("context.chainId: must fit in 64 bits");
  if (ctx.registry.length !== 20) throw new RangeError("context.registry: must be 20 bytes");
  if (ctx.electionId.length !== 32) throw new RangeError("context.electionId: must be 32 bytes");
  if (!Number.isInteger(ctx.trustees) || ctx.trustees < 1 || ctx.trustees > MAX_TRUSTEES)
    throw new RangeError(`context.trustees: must be an integer in [1, ${MAX_TRUSTEES}]`);
  if (!Number.isInteger(ctx.threshold) || ctx.threshold < 1 || ctx.threshold > ctx.trustees)
    throw new RangeError("context.threshold: must be an integer in [1, trustees]");
}

/** The context's hash inputs, in order: u64be(chainId), registry, electionId, u32be(n), u32be(k). */
export function contextParts(ctx: ElectionContext): Uint8Array[] {
  checkContext(ctx);
  return [u64be(ctx.chainId), ctx.registry, ctx.electionId, u32be(ctx.trustees), u32be(ctx.threshold)];
}

export function checkIndex(ctx: ElectionContext, index: number, field: string): void {
  if (!Number.isInteger(index) || index < 1 || index > ctx.trustees)
    throw new RangeError(`${field}: trustee index must be an integer in [1, ${ctx.trustees}]`);
}

/** SHA-512 with the same framing as hashToScalar, as raw bytes (for key derivation). */
export function hashBytes(domain: string, parts: readonly Uint8Array[]): Uint8Array {
  const d = new TextEncoder().encode(domain);
  const chunks: Uint8Array[] = [u32be(d.length), d];
  for (const p of parts) chunks.push(u32be(p.length), p);
  return sha512(concat(chunks));
}

export function sameContext(a: ElectionContext, b: ElectionContext): boolean {
  const eq = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    a.chainId === b.chainId &&
    eq(a.registry, b.registry) &&
    eq(a.electionId, b.electionId) &&
    a.trustees === b.trustees &&
    a.threshold === b.threshold
  );
}
