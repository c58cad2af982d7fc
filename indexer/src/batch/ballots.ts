/**
 * Sealed ballots of secret elections: each one's context, its verification, its tracker, its row,
 * and the running encrypted aggregate of the valid ones kept on the election row. No database.
 *
 * Verification is the crypto library's libsodium verifier, synchronous, about 3.6 ms per 4-choice
 * ballot on this machine (indexer/README.md); one verifier per election, kept across batches. The
 * aggregate is added up with libsodium on the encodings too: the trustee library's aggregator
 * (@noble/curves points) costs about 1.7 ms more per ballot, for the same sums (tested).
 */
import { createHash } from "node:crypto";
import type { GroupOps } from "@veritally/crypto/backend";
import {
  type BallotVerifier,
  createBallotVerifier,
  decodeBallot,
  type ElectionSpec,
  MAX_CHOICES,
  type VerifyResult,
} from "@veritally/crypto/ballot";
import type { Ciphertext } from "@veritally/crypto/elgamal";
import { decodePoint, encodePoint, IDENTITY } from "@veritally/crypto/group";
import type { PointBytes } from "@veritally/crypto/sodium";
import type * as registry from "../abi/VoteRegistry.js";
import { voteId } from "../aggregate.js";
import { Ballot, type Election, IntegrityIssue } from "../model/index.js";
import type { Block } from "../processor.js";

type BallotArgs = ReturnType<typeof registry.events.BallotRecorded.decode>;

/** Where the elections are: the ballot's context binds the chain and the registry. */
export interface ChainContext {
  chainId: number;
  /** The registry's address, 0x-hex (any case). */
  contractAddress: string;
}

/** 0x-hex (as the decoder gives bytes) to bytes. */
export function bytesOfHex(hex: string): Uint8Array {
  return Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex");
}

export function hexOf(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** The election id as the ballot's context has it: 32 bytes, big-endian. */
export function electionIdBytes(id: string): Uint8Array {
  return bytesOfHex(BigInt(id).toString(16).padStart(64, "0"));
}

/** The ballot's tracker: SHA-256 of its bytes, 0x-hex (docs/ballot-spec.md section 7). */
export function trackerOf(ballot: Uint8Array): string {
  return `0x${createHash("sha256").update(ballot).digest("hex")}`;
}

export type SpecOutcome = { ok: true; spec: ElectionSpec } | { ok: false; reason: string };

/** The context every ballot of `election` is verified against, from the chain's record of it. */
export function ballotSpecOf(election: Election, chain: ChainContext): SpecOutcome {
  if (!election.secret || !election.electionKey) {
    return { ok: false, reason: `election ${election.id}: not a secret election (no SecretElectionCreated seen)` };
  }
  if (!Number.isInteger(election.choiceCount) || election.choiceCount < 1 || election.choiceCount > MAX_CHOICES) {
    return { ok: false, reason: `election ${election.id}: ${election.choiceCount} choices, ballots have 1 to 255` };
  }
  let publicKey: ElectionSpec["publicKey"];
  try {
    publicKey = decodePoint(bytesOfHex(election.electionKey), "electionKey");
  } catch (error) {
    return { ok: false, reason: `election ${election.id}: ${(error as Error).message}` };
  }
  return {
    ok: true,
    spec: {
      chainId: BigInt(chain.chainId),
      registry: bytesOfHex(chain.contractAddress),
      electionId: electionIdBytes(election.id),
      publicKey,
      choices: election.choiceCount,
    },
  };
}

export interface BallotChecks {
  /** Verifies one ballot of `election`; synchronous once the election's verifier is loaded. */
  verify(election: Election, ballot: Uint8Array): VerifyResult | Promise<VerifyResult>;
}

/**
 * One verifier per election context (id, key, choices), loaded once and kept across batches: a
 * verifier prepares the context's hash prefix and the key's table once.
 */
export function createBallotChecks(
  chain: ChainContext,
  load: (spec: ElectionSpec) => Promise<BallotVerifier> = createBallotVerifier,
): BallotChecks {
  const verifiers = new Map<string, BallotVerifier>();
  return {
    verify(election, ballot) {
      const key = `${election.id}|${election.electionKey}|${election.choiceCount}`;
      const verifier = verifiers.get(key);
      if (verifier) return verifier.verify(ballot);
      const outcome = ballotSpecOf(election, chain);
      if (!outcome.ok) return { ok: false, reason: outcome.reason };
      return load(outcome.spec).then((loaded) => {
        verifiers.set(key, loaded);
        return loaded.verify(ballot);
      });
    },
  };
}

/** The identity's 0x-hex: the aggregate of no ballots. */
const IDENTITY_HEX = hexOf(encodePoint(IDENTITY));

/** A secret election's aggregate before any ballot: the identity for every choice. */
export function emptyAggregate(election: Election): void {
  election.aggregateAlphas = new Array(election.choiceCount).fill(IDENTITY_HEX);
  election.aggregateBetas = new Array(election.choiceCount).fill(IDENTITY_HEX);
}

/** The stored aggregate as points (the identity allowed); throws when the row holds no valid aggregate. */
export function storedAggregate(election: Election): Ciphertext[] {
  const alphas = election.aggregateAlphas ?? [];
  const betas = election.aggregateBetas ?? [];
  if (alphas.length !== election.choiceCount || betas.length !== election.choiceCount) {
    throw new Error(
      `election ${election.id}: the stored aggregate has ${alphas.length}/${betas.length} entries, expected ${election.choiceCount}`,
    );
  }
  return alphas.map((alpha, j) => ({
    alpha: decodePoint(bytesOfHex(alpha), `aggregateAlphas[${j}]`, { allowIdentity: true }),
    beta: decodePoint(bytesOfHex(betas[j] ?? ""), `aggregateBetas[${j}]`, { allowIdentity: true }),
  }));
}

/** The running aggregate of one election: per choice, the sum of the valid ballots' alphas and betas, as encodings. */
export interface RunningAggregate {
  /** Adds a verified ballot's ciphertexts. */
  add(ballot: Uint8Array): void;
  readonly ballots: number;
  result(): { alpha: PointBytes; beta: PointBytes }[];
}

/** Opens the election's aggregate from its row (validBallots ballots so far); back to it with `storeAggregate`. */
export function openAggregate(election: Election, ops: GroupOps<PointBytes>): RunningAggregate {
  const choices = election.choiceCount;
  const point = (value: string | undefined, field: string): PointBytes => {
    const decoded = value === undefined ? undefined : ops.decode(bytesOfHex(value));
    if (decoded === undefined) throw new Error(`election ${election.id}: ${field} is not a point`);
    return decoded;
  };
  // Checks the lengths (storedAggregate throws naming them); the sums go on from the encodings.
  storedAggregate(election);
  const sums = Array.from({ length: choices }, (_, j) => ({
    alpha: point(election.aggregateAlphas?.[j], `aggregateAlphas[${j}]`),
    beta: point(election.aggregateBetas?.[j], `aggregateBetas[${j}]`),
  }));
  let ballots = election.validBallots;
  return {
    add(ballot) {
      const { ciphertexts } = decodeBallot(ops, ballot, choices);
      sums.forEach((sum, j) => {
        const ct = ciphertexts[j];
        if (!ct) throw new Error(`ballot: no ciphertext for choice ${j}`);
        sum.alpha = ops.add(sum.alpha, ct.alpha);
        sum.beta = ops.add(sum.beta, ct.beta);
      });
      ballots += 1;
    },
    get ballots() {
      return ballots;
    },
    result: () => sums.map((sum) => ({ ...sum })),
  };
}

export function storeAggregate(election: Election, aggregate: RunningAggregate): void {
  if (aggregate.ballots !== election.validBallots) {
    throw new Error(
      `election ${election.id}: the aggregate holds ${aggregate.ballots} ballots, the election counts ${election.validBallots} valid ones`,
    );
  }
  const result = aggregate.result();
  election.aggregateAlphas = result.map((ct) => hexOf(ct.alpha));
  election.aggregateBetas = result.map((ct) => hexOf(ct.beta));
}

/** A ballot's share of the election's counts: total (ballots recorded), valid or invalid, grace. */
export function countBallot(election: Election, valid: boolean, inGrace: boolean): void {
  election.totalVotes += 1;
  if (valid) election.validBallots += 1;
  else election.invalidBallots += 1;
  if (inGrace) election.graceVotes += 1;
}

/** Where a ballot was recorded. */
export interface BallotAt {
  block: Pick<Block, "height" | "hash">;
  at: Date;
  txHash: string;
  logIndex: number;
  inGrace: boolean;
}

export function ballotRow(
  election: Election,
  args: BallotArgs,
  ballot: Uint8Array,
  tracker: string,
  result: VerifyResult,
  where: BallotAt,
): Ballot {
  const row = new Ballot();
  row.id = voteId(election.id, args.seq);
  row.election = election;
  row.seq = args.seq;
  row.tracker = tracker;
  row.ballot = ballot;
  row.blockNumber = where.block.height;
  row.blockHash = where.block.hash;
  row.timestamp = where.at;
  row.txHash = where.txHash;
  row.logIndex = where.logIndex;
  row.inGracePeriod = where.inGrace;
  row.valid = result.ok;
  row.invalidReason = result.ok ? null : result.reason;
  return row;
}

/** A ballot whose proofs fail: recorded, left out of the aggregate, and named here. */
export function invalidBallotIssue(election: Election, seq: bigint, reason: string, height: number): IntegrityIssue {
  return new IntegrityIssue({
    id: `${election.id}-invalid_ballot-${seq}`,
    election,
    kind: "invalid_ballot",
    value: reason,
    seq,
    firstSeq: seq,
    blockNumber: height,
  });
}
