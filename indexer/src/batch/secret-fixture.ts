/**
 * Test support for the secret-election unit tests: a real 3-of-5 ceremony for election 7 of a
 * registry on chain 31337, its events' arguments, and ballots built by the crypto library.
 */
import { type BallotBuilder, createBallotBuilder } from "@veritally/crypto/ballot";
import { encodePoint } from "@veritally/crypto/group";
import { csprng, type ElectionContext, electionKeyToJson } from "@veritally/crypto/trustee";
import { type HonestCeremony, runHonestCeremony } from "@veritally/crypto/trustee/testing";
import type { Election } from "../model/index.js";
import { ballotSpecOf, bytesOfHex, type ChainContext, electionIdBytes, hexOf } from "./ballots.js";
import { newElection } from "./elections.js";

export const CHAIN: ChainContext = { chainId: 31337, contractAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
export const ELECTION_ID = "7";
export const CHOICES = 3;

export const CONTEXT: ElectionContext = {
  chainId: 31337n,
  registry: bytesOfHex(CHAIN.contractAddress),
  electionId: electionIdBytes(ELECTION_ID),
  trustees: 5,
  threshold: 3,
};

let ceremony: HonestCeremony | undefined;
/** One ceremony per test file (it takes a few hundred milliseconds). */
export function theCeremony(): HonestCeremony {
  ceremony ??= runHonestCeremony(CONTEXT, csprng);
  return ceremony;
}

export const utf8Hex = (value: unknown): string => hexOf(new TextEncoder().encode(JSON.stringify(value)));

/** SecretElectionCreated's arguments for the ceremony (or `overrides`). */
export function secretCreatedArgs(
  overrides: Partial<{ electionKey: string; threshold: number; trusteeCount: number; ceremonyRecord: string }> = {},
) {
  const record = theCeremony().record;
  return {
    electionId: BigInt(ELECTION_ID),
    electionKey: hexOf(encodePoint(record.jointKey)),
    threshold: 3,
    trusteeCount: 5,
    ceremonyRecord: utf8Hex(electionKeyToJson(record)),
    ...overrides,
  };
}

/** An election row as ElectionCreated leaves it (3 choices), before SecretElectionCreated. */
export function createdElection(): Election {
  const election = newElection(ELECTION_ID);
  election.choiceCount = CHOICES;
  election.tally = [0, 0, 0];
  election.closesAt = new Date(1_800_003_600_000);
  return election;
}

export async function builderFor(election: Election): Promise<BallotBuilder<Uint8Array>> {
  const spec = ballotSpecOf(election, CHAIN);
  if (!spec.ok) throw new Error(spec.reason);
  return createBallotBuilder(spec.spec);
}
