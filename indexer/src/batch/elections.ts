/**
 * What each event does to an election row: pure functions on the entity, no database. The handler
 * reads the rows a batch touches, applies these, and writes the rows once.
 */
import { metadataHashOf, parseElectionMetadata } from "@veritally/contracts";
import type * as registry from "../abi/VoteRegistry.js";
import { Election } from "../model/index.js";

type CreatedArgs = ReturnType<typeof registry.events.ElectionCreated.decode>;

/** A chain timestamp (seconds) as a Date. */
export function secondsToDate(value: bigint): Date {
  return new Date(Number(value) * 1000);
}

/** An election row before any event has filled it. */
export function newElection(id: string): Election {
  return new Election({
    id,
    metadataHash: "",
    metadataRaw: "",
    metadataValid: false,
    metadataError: null,
    title: null,
    description: null,
    choiceLabels: null,
    closed: false,
    closedAt: null,
    closedAtBlock: null,
    totalVotes: 0,
    tally: [],
    firstVoteAt: null,
    lastVoteAt: null,
    batchCount: 0,
    gasUsed: 0n,
    feesWei: 0n,
    graceVotes: 0,
    nextExpectedSeq: 0n,
    missingSeqCount: 0n,
    duplicateRefCount: 0,
    duplicateHashCount: 0,
    tallyConsistent: true,
    outOfRangeVotes: 0,
    createdEventSeen: false,
    secret: false,
    electionKey: null,
    threshold: null,
    trusteeCount: null,
    ceremonyRecord: null,
    ceremonyRecordError: null,
    validBallots: 0,
    invalidBallots: 0,
    aggregateAlphas: null,
    aggregateBetas: null,
    decryptionSharesReceived: 0,
    decryptionShareTrustees: [],
    decryptionThresholdReached: false,
    tallyCounts: null,
    tallyProof: null,
    tallyPublishedAtBlock: null,
    tallyTx: null,
    tallyValid: null,
    tallyError: null,
  });
}

/** The metadata as emitted, checked against its hash and the choice count; parsed fields only when valid. */
export function applyMetadata(election: Election, metadata: string, metadataHash: string, choiceCount: number): void {
  election.metadataRaw = metadata;
  election.metadataHash = metadataHash.toLowerCase();
  const parsed = parseElectionMetadata(metadata, choiceCount);
  let error: string | null = parsed.ok ? null : parsed.reason;
  // The contract hashes what it emits; checked anyway, from the event alone.
  if (!error && metadataHashOf(metadata).toLowerCase() !== election.metadataHash) {
    error = "metadata does not match metadataHash";
  }
  election.metadataValid = error === null;
  election.metadataError = error;
  if (parsed.ok && error === null) {
    election.title = parsed.metadata.title;
    election.description = parsed.metadata.description;
    election.choiceLabels = parsed.metadata.choices;
  } else {
    election.title = null;
    election.description = null;
    election.choiceLabels = null;
  }
}

/** Where an event was recorded. */
export interface RecordedAt {
  height: number;
  at: Date;
  txHash: string;
}

/** ElectionCreated: the window, the choices and the metadata; the tally grows to the choice count. */
export function applyCreated(election: Election, args: CreatedArgs, where: RecordedAt): void {
  election.choiceCount = args.choiceCount;
  election.opensAt = secondsToDate(args.opensAt);
  election.closesAt = secondsToDate(args.closesAt);
  election.scheduledClosesAt = secondsToDate(args.closesAt);
  election.recordUntil = secondsToDate(args.recordUntil);
  election.createdAtBlock = where.height;
  election.createdAt = where.at;
  election.createdTx = where.txHash;
  election.createdEventSeen = true;
  if (election.tally.length < args.choiceCount) {
    election.tally = [...election.tally, ...new Array(args.choiceCount - election.tally.length).fill(0)];
  }
  applyMetadata(election, args.metadata, args.metadataHash, args.choiceCount);
}

/** ElectionClosed: closed early, at `closesAt`. */
export function applyClosed(election: Election, closesAt: bigint, height: number, at: Date): void {
  election.closed = true;
  election.closedAt = at;
  election.closedAtBlock = height;
  election.closesAt = secondsToDate(closesAt);
}

/** Whether a vote or batch recorded at `at` came after the election closed (in the grace period). */
export function inGracePeriod(election: Election, at: Date): boolean {
  return at.getTime() > election.closesAt.getTime();
}

/**
 * A vote's share of the election's counts: total, tally (or out of range), grace votes. The first
 * and last vote times are kept by `noteVoteTime`, once per block.
 */
export function countVote(election: Election, choice: number, inGrace: boolean): void {
  election.totalVotes += 1;
  if (choice < election.choiceCount) {
    while (election.tally.length <= choice) election.tally.push(0);
    election.tally[choice] = (election.tally[choice] ?? 0) + 1;
  } else {
    election.outOfRangeVotes += 1;
  }
  if (inGrace) election.graceVotes += 1;
}

export function noteVoteTime(election: Election, at: Date): void {
  if (!election.firstVoteAt || at < election.firstVoteAt) election.firstVoteAt = at;
  if (!election.lastVoteAt || at > election.lastVoteAt) election.lastVoteAt = at;
}

/** A batch's cost, added to the election's sums (gas and fee are null when not attributed to this batch). */
export function countBatch(election: Election, gas: bigint | null, fee: bigint | null): void {
  election.batchCount += 1;
  if (gas !== null) election.gasUsed += gas;
  if (fee !== null) election.feesWei += fee;
}

/**
 * The tally adds up to the votes counted: false only when votes were out of range. A secret
 * election has no clear tally: its published counts must add up to its valid ballots.
 */
export function refreshTallyConsistency(election: Election): void {
  if (election.secret) {
    election.tallyConsistent =
      election.tallyCounts == null ||
      election.tallyCounts.reduce((sum, n) => sum + BigInt(n), 0n) === BigInt(election.validBallots);
    return;
  }
  election.tallyConsistent = election.tally.reduce((sum, n) => sum + n, 0) === election.totalVotes;
}
