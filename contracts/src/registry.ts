/**
 * Typed ethers bindings for VoteRegistry, and the decoding of its events and errors.
 */
import {
  BaseContract,
  type BigNumberish,
  type ConstantContractMethod,
  type ContractMethod,
  type ContractRunner,
  type ContractTransactionResponse,
  Interface,
  type Log,
} from "ethers";
import { voteRegistryAbi } from "./generated/abi.js";

export { referenceVoteStoreAbi, voteRegistryAbi } from "./generated/abi.js";

export const voteRegistryInterface = new Interface(voteRegistryAbi);

type Tx<A extends unknown[]> = ContractMethod<A, void, ContractTransactionResponse>;
type View<A extends unknown[], R> = ConstantContractMethod<A, R>;

/** An election as `getElection` returns it (ethers Result fields). */
export interface ElectionOnChain {
  opensAt: bigint;
  closesAt: bigint;
  recordUntil: bigint;
  choiceCount: bigint;
  closed: boolean;
  nextSeq: bigint;
  /** Records sealed ballots, not choices. */
  secret: boolean;
  tallyPublished: boolean;
}

export type VoteRegistryContract = BaseContract & {
  ELECTION_MANAGER_ROLE: View<[], string>;
  RECORDER_ROLE: View<[], string>;
  PAUSER_ROLE: View<[], string>;
  DEFAULT_ADMIN_ROLE: View<[], string>;
  hasRole: View<[role: string, account: string], boolean>;
  grantRole: Tx<[role: string, account: string]>;
  revokeRole: Tx<[role: string, account: string]>;
  paused: View<[], boolean>;
  pause: Tx<[]>;
  unpause: Tx<[]>;
  createElection: Tx<
    [
      electionId: BigNumberish,
      choiceCount: BigNumberish,
      opensAt: BigNumberish,
      closesAt: BigNumberish,
      recordUntil: BigNumberish,
      metadata: string,
    ]
  >;
  createSecretElection: Tx<
    [
      electionId: BigNumberish,
      choiceCount: BigNumberish,
      opensAt: BigNumberish,
      closesAt: BigNumberish,
      recordUntil: BigNumberish,
      metadata: string,
      key: string,
      threshold: BigNumberish,
      trusteeCount: BigNumberish,
      ceremonyRecord: string | Uint8Array,
    ]
  >;
  closeElection: Tx<[electionId: BigNumberish]>;
  recordBallotBatch: Tx<[electionId: BigNumberish, firstSeq: BigNumberish, ballots: (string | Uint8Array)[]]>;
  publishDecryptionShare: Tx<[electionId: BigNumberish, trusteeIndex: BigNumberish, share: string | Uint8Array]>;
  publishTally: Tx<[electionId: BigNumberish, counts: BigNumberish[], proof: string | Uint8Array]>;
  electionKey: View<[electionId: BigNumberish], string>;
  recordVoteBatch: Tx<
    [electionId: BigNumberish, firstSeq: BigNumberish, refs: string[], choices: BigNumberish[], voteHashes: string[]]
  >;
  recordVote: Tx<[electionId: BigNumberish, seq: BigNumberish, ref: string, choice: BigNumberish, voteHash: string]>;
  getElection: View<[electionId: BigNumberish], ElectionOnChain>;
  electionExists: View<[electionId: BigNumberish], boolean>;
  nextSeq: View<[electionId: BigNumberish], bigint>;
  metadataHash: View<[electionId: BigNumberish], string>;
  voteHashOf: View<[electionId: BigNumberish, ref: string, choice: BigNumberish, receiptSecret: string], string>;
};

export function connectVoteRegistry(address: string, runner: ContractRunner | null): VoteRegistryContract {
  return new BaseContract(address, voteRegistryInterface, runner) as VoteRegistryContract;
}

export interface VoteRecordedEvent {
  kind: "VoteRecorded";
  electionId: bigint;
  seq: bigint;
  ref: string;
  choice: number;
  voteHash: string;
}
export interface BatchRecordedEvent {
  kind: "BatchRecorded";
  electionId: bigint;
  firstSeq: bigint;
  count: number;
}
export interface ElectionCreatedEvent {
  kind: "ElectionCreated";
  electionId: bigint;
  choiceCount: number;
  opensAt: bigint;
  closesAt: bigint;
  recordUntil: bigint;
  metadataHash: string;
  metadata: string;
}
export interface ElectionClosedEvent {
  kind: "ElectionClosed";
  electionId: bigint;
  closesAt: bigint;
}
export interface SecretElectionCreatedEvent {
  kind: "SecretElectionCreated";
  electionId: bigint;
  electionKey: string;
  threshold: number;
  trusteeCount: number;
  ceremonyRecord: string;
}
export interface BallotRecordedEvent {
  kind: "BallotRecorded";
  electionId: bigint;
  seq: bigint;
  /** The sealed ballot's bytes, 0x-hex. */
  ballot: string;
}
export interface DecryptionSharePublishedEvent {
  kind: "DecryptionSharePublished";
  electionId: bigint;
  trusteeIndex: number;
  share: string;
}
export interface TallyPublishedEvent {
  kind: "TallyPublished";
  electionId: bigint;
  counts: bigint[];
  proof: string;
}
export type RegistryEvent =
  | VoteRecordedEvent
  | BatchRecordedEvent
  | ElectionCreatedEvent
  | ElectionClosedEvent
  | SecretElectionCreatedEvent
  | BallotRecordedEvent
  | DecryptionSharePublishedEvent
  | TallyPublishedEvent;

/** Decodes one of VoteRegistry's own events from a log; null for anything else. */
export function decodeRegistryEvent(log: Pick<Log, "topics" | "data">): RegistryEvent | null {
  const parsed = voteRegistryInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (!parsed) return null;
  const a = parsed.args;
  switch (parsed.name) {
    case "VoteRecorded":
      return {
        kind: "VoteRecorded",
        electionId: a.electionId,
        seq: a.seq,
        ref: a.ref,
        choice: Number(a.choice),
        voteHash: a.voteHash,
      };
    case "BatchRecorded":
      return { kind: "BatchRecorded", electionId: a.electionId, firstSeq: a.firstSeq, count: Number(a.count) };
    case "ElectionCreated":
      return {
        kind: "ElectionCreated",
        electionId: a.electionId,
        choiceCount: Number(a.choiceCount),
        opensAt: a.opensAt,
        closesAt: a.closesAt,
        recordUntil: a.recordUntil,
        metadataHash: a.metadataHash,
        metadata: a.metadata,
      };
    case "ElectionClosed":
      return { kind: "ElectionClosed", electionId: a.electionId, closesAt: a.closesAt };
    case "SecretElectionCreated":
      return {
        kind: "SecretElectionCreated",
        electionId: a.electionId,
        electionKey: a.electionKey,
        threshold: Number(a.threshold),
        trusteeCount: Number(a.trusteeCount),
        ceremonyRecord: a.ceremonyRecord,
      };
    case "BallotRecorded":
      return { kind: "BallotRecorded", electionId: a.electionId, seq: a.seq, ballot: a.ballot };
    case "DecryptionSharePublished":
      return {
        kind: "DecryptionSharePublished",
        electionId: a.electionId,
        trusteeIndex: Number(a.trusteeIndex),
        share: a.share,
      };
    case "TallyPublished":
      return { kind: "TallyPublished", electionId: a.electionId, counts: [...a.counts], proof: a.proof };
    default:
      return null;
  }
}

export interface DecodedRegistryError {
  name: string;
  args: Record<string, unknown>;
}

/** Decodes a VoteRegistry custom error (or an AccessControl/Pausable one) from revert data. */
export function decodeRegistryError(data: string | null | undefined): DecodedRegistryError | null {
  if (!data || data === "0x") return null;
  try {
    const parsed = voteRegistryInterface.parseError(data);
    if (!parsed) return null;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name || String(i)] = parsed.args[i];
    });
    return { name: parsed.name, args };
  } catch {
    return null;
  }
}

/** Topic hashes, for log filters (eth_getLogs, Subsquid). */
export const registryTopics = {
  ElectionCreated: voteRegistryInterface.getEvent("ElectionCreated")?.topicHash as string,
  ElectionClosed: voteRegistryInterface.getEvent("ElectionClosed")?.topicHash as string,
  VoteRecorded: voteRegistryInterface.getEvent("VoteRecorded")?.topicHash as string,
  BatchRecorded: voteRegistryInterface.getEvent("BatchRecorded")?.topicHash as string,
  SecretElectionCreated: voteRegistryInterface.getEvent("SecretElectionCreated")?.topicHash as string,
  BallotRecorded: voteRegistryInterface.getEvent("BallotRecorded")?.topicHash as string,
  DecryptionSharePublished: voteRegistryInterface.getEvent("DecryptionSharePublished")?.topicHash as string,
  TallyPublished: voteRegistryInterface.getEvent("TallyPublished")?.topicHash as string,
} as const;
