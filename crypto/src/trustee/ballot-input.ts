import { ballotCiphertexts, createBallotBuilder, createBallotVerifier } from "../ballot.js";
import type { Ciphertext } from "../elgamal.js";
import type { Point } from "../group.js";
import { verifyBatch } from "../verify.js";
import type { ElectionContext, ScalarSource } from "./context.js";

/** The one place where the trustee tools meet the ballot library: verifying ballots and reading their ciphertexts. */

export type BallotsCheck =
  | { ok: true; ciphertexts: Ciphertext[][] }
  | { ok: false; failures: readonly { index: number; reason: string }[] };

/** Verifies every encoded ballot against the election and its joint key, then returns their ciphertexts. */
export async function verifiedCiphertexts(
  ctx: ElectionContext,
  jointKey: Point,
  choices: number,
  encoded: readonly Uint8Array[],
  onProgress?: (done: number, total: number) => void,
): Promise<BallotsCheck> {
  const { chainId, registry, electionId } = ctx;
  const verifier = await createBallotVerifier({ chainId, registry, electionId, publicKey: jointKey, choices });
  const failures: { index: number; reason: string }[] = [];
  const CHUNK = 1000;
  for (let first = 0; first < encoded.length; first += CHUNK) {
    const batch = verifyBatch(verifier, encoded.slice(first, first + CHUNK));
    for (const f of batch.failures) failures.push({ index: first + f.index, reason: f.reason });
    onProgress?.(Math.min(first + CHUNK, encoded.length), encoded.length);
  }
  if (failures.length > 0) return { ok: false, failures };
  return { ok: true, ciphertexts: encoded.map((b) => ballotCiphertexts(b, choices)) };
}

/** The number of choices an encoded ballot declares (its second byte), to size the aggregate. */
export function declaredChoices(encoded: Uint8Array): number {
  return encoded[1] ?? 0;
}

/** Encrypted ballots with their proofs, one per vote (tests, vectors and the benchmark's pool). */
export async function encryptVotes(
  ctx: ElectionContext,
  jointKey: Point,
  choices: number,
  votes: readonly number[],
  rng?: ScalarSource,
): Promise<Uint8Array[]> {
  const { chainId, registry, electionId } = ctx;
  const builder = await createBallotBuilder({ chainId, registry, electionId, publicKey: jointKey, choices });
  return votes.map((v) => builder.build(v, rng).encoded);
}
