/**
 * Building and verifying ballots for one election. `createBallotBuilder` / `createBallotVerifier` use
 * libsodium's arithmetic (loaded once per thread or page); `makeBallotBuilder` / `makeBallotVerifier` take any
 * arithmetic (the benchmark's @noble/curves baseline, the tests' cross-check).
 */
import { type GroupOps, nobleOps } from "./backend.js";
import { type Ballot, ballotSize, decodeBallot, encodeBallot, MAX_CHOICES, tracker } from "./ballot-codec.js";
import type { Ciphertext as PointCiphertext } from "./elgamal.js";
import { CryptoDecodeError, type Point } from "./group.js";
import {
  type PreparedContext,
  type ProofContext,
  prepareContext,
  proveBallot,
  type Transcript,
  verifyBallotProof,
} from "./proofs.js";
import type { ScalarSource } from "./random.js";
import { loadSodiumOps } from "./sodium.js";

export type { Ballot };
export { ballotSize, decodeBallot, encodeBallot, MAX_CHOICES, tracker };

/** An election as the ballot sees it: the proof context and how many choices the ballot has. */
export interface ElectionSpec extends ProofContext {
  readonly choices: number;
}

export interface BuiltBallot<T> {
  readonly ballot: Ballot<T>;
  readonly encoded: Uint8Array;
  readonly tracker: Uint8Array;
  readonly transcript: Transcript<T>;
}

export interface BallotBuilder<T> {
  /** Encrypts a vote for `choice` (0-based) with its proofs; `random` defaults to the CSPRNG. */
  build(choice: number, random?: ScalarSource): BuiltBallot<T>;
}

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface BallotVerifier {
  readonly election: ElectionSpec;
  /** Decodes and verifies one encoded ballot; a refusal names the field or the proof. */
  verify(encoded: Uint8Array): VerifyResult;
}

function checkChoices(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CHOICES) {
    throw new RangeError(`choices must be an integer in [1, ${MAX_CHOICES}], got ${n}`);
  }
}

export function makeBallotBuilder<T>(ops: GroupOps<T>, election: ElectionSpec): BallotBuilder<T> {
  checkChoices(election.choices);
  const pc: PreparedContext<T> = prepareContext(ops, election);
  return {
    build(choice, random) {
      if (!Number.isInteger(choice) || choice < 0 || choice >= election.choices) {
        throw new RangeError(`choice must be an integer in [0, ${election.choices}), got ${choice}`);
      }
      const votes = Array.from({ length: election.choices }, (_, i): 0 | 1 => (i === choice ? 1 : 0));
      const proved = proveBallot(ops, pc, votes, random);
      const ballot = { ciphertexts: proved.ciphertexts, proof: proved.proof };
      const encoded = encodeBallot(ops, ballot);
      return { ballot, encoded, tracker: tracker(encoded), transcript: proved.transcript };
    },
  };
}

export function makeBallotVerifier<T>(ops: GroupOps<T>, election: ElectionSpec): BallotVerifier {
  checkChoices(election.choices);
  const pc = prepareContext(ops, election);
  return {
    election,
    verify(encoded) {
      let b: Ballot<T>;
      try {
        b = decodeBallot(ops, encoded, election.choices);
      } catch (e) {
        if (e instanceof CryptoDecodeError) return { ok: false, reason: e.message };
        throw e;
      }
      return verifyBallotProof(ops, pc, b.ciphertexts, b.proof)
        ? { ok: true }
        : { ok: false, reason: "proof: challenge mismatch (a commitment, response or the context differs)" };
    },
  };
}

export async function createBallotBuilder(election: ElectionSpec): Promise<BallotBuilder<Uint8Array>> {
  return makeBallotBuilder(await loadSodiumOps(), election);
}

export async function createBallotVerifier(election: ElectionSpec): Promise<BallotVerifier> {
  return makeBallotVerifier(await loadSodiumOps(), election);
}

/**
 * Synchronous convenience for tests and tools: builds a ballot with @noble/curves arithmetic (a few times slower
 * than createBallotBuilder, same bytes for the same randomness).
 */
export function encryptBallot(ctx: ProofContext, n: number, choice: number, random?: ScalarSource): Ballot<Point> {
  return makeBallotBuilder(nobleOps, { ...ctx, choices: n }).build(choice, random).ballot;
}

/** The ciphertexts of an encoded ballot as @noble/curves points (for the homomorphic tally). Strict decoding. */
export function ballotCiphertexts(encoded: Uint8Array, expectedChoices?: number): PointCiphertext[] {
  return decodeBallot<Point>(nobleOps, encoded, expectedChoices).ciphertexts.map((ct) => ({
    alpha: ct.alpha,
    beta: ct.beta,
  }));
}
