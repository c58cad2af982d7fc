/**
 * Where the prover's secret scalars come from. The default is the CSPRNG; a seeded source exists only so
 * that test vectors are reproducible (a seeded ballot is not secret: anyone with the seed decrypts it).
 */
import { sha512 } from "@noble/hashes/sha2.js";
import { concat, L, randomScalar, u32be } from "./group.js";

/** Returns a fresh nonzero scalar in [1, L) on each call. */
export type ScalarSource = () => bigint;

export const csprngScalars: ScalarSource = randomScalar;

const te = new TextEncoder();
const DOMAIN_SEEDED = te.encode("veritally/test-vectors/v1/nonce");

/**
 * Deterministic scalars for test vectors: the i-th (from 0) is
 * SHA-512(u32be(len(domain)) ‖ domain ‖ u32be(len(seed)) ‖ seed ‖ u32be(i)) read little-endian mod L,
 * skipping a zero result (as the CSPRNG source does).
 */
export function seededScalars(seed: Uint8Array): ScalarSource {
  let i = 0;
  return () => {
    for (;;) {
      const digest = sha512(concat([u32be(DOMAIN_SEEDED.length), DOMAIN_SEEDED, u32be(seed.length), seed, u32be(i)]));
      i++;
      let n = 0n;
      for (let k = digest.length - 1; k >= 0; k--) n = (n << 8n) | BigInt(digest[k] ?? 0);
      const s = n % L;
      if (s !== 0n) return s;
    }
  };
}
