import { metadataHashOf } from "@veritally/contracts";
import { describe, expect, test } from "vitest";
import {
  applyClosed,
  applyCreated,
  applyMetadata,
  countBatch,
  countVote,
  inGracePeriod,
  newElection,
  noteVoteTime,
  refreshTallyConsistency,
  secondsToDate,
} from "./elections.js";

const metadata = JSON.stringify({ title: "Budget", description: "Which project?", choices: ["Park", "Library"] });

function created(choiceCount = 2, text = metadata) {
  return {
    electionId: 7n,
    choiceCount,
    opensAt: 1_800_000_000n,
    closesAt: 1_800_003_600n,
    recordUntil: 1_800_007_200n,
    metadataHash: metadataHashOf(text),
    metadata: text,
  };
}

describe("an election row under its events, without a database", () => {
  test("ElectionCreated sets the window, grows the tally and parses valid metadata", () => {
    const election = newElection("7");
    applyCreated(election, created(), { height: 12, at: new Date(5000), txHash: "0xabc" });
    expect(election.choiceCount).toBe(2);
    expect(election.opensAt).toEqual(secondsToDate(1_800_000_000n));
    expect(election.closesAt.getTime()).toBe(1_800_003_600_000);
    expect(election.scheduledClosesAt.getTime()).toBe(1_800_003_600_000);
    expect(election.tally).toEqual([0, 0]);
    expect(election.createdEventSeen).toBe(true);
    expect([election.createdAtBlock, election.createdTx]).toEqual([12, "0xabc"]);
    expect(election.metadataValid).toBe(true);
    expect(election.choiceLabels).toEqual(["Park", "Library"]);
  });

  test("metadata that does not match its hash is kept raw, refused and not parsed", () => {
    const election = newElection("7");
    applyMetadata(election, metadata, metadataHashOf("something else"), 2);
    expect(election.metadataValid).toBe(false);
    expect(election.metadataError).toBe("metadata does not match metadataHash");
    expect(election.title).toBeNull();
    expect(election.metadataRaw).toBe(metadata);
  });

  test("a vote counts in the tally, out of range, and in the grace period", () => {
    const election = newElection("7");
    applyCreated(election, created(), { height: 1, at: new Date(0), txHash: "0x1" });
    countVote(election, 1, false);
    countVote(election, 1, true);
    countVote(election, 5, false);
    expect(election.tally).toEqual([0, 2]);
    expect(election.totalVotes).toBe(3);
    expect(election.outOfRangeVotes).toBe(1);
    expect(election.graceVotes).toBe(1);
    refreshTallyConsistency(election);
    expect(election.tallyConsistent).toBe(false);
  });

  test("closing early moves closesAt, and votes after it are in the grace period", () => {
    const election = newElection("7");
    applyCreated(election, created(), { height: 1, at: new Date(0), txHash: "0x1" });
    applyClosed(election, 1_800_001_000n, 9, new Date(1_800_001_000_000));
    expect(election.closed).toBe(true);
    expect(election.closedAtBlock).toBe(9);
    expect(election.scheduledClosesAt.getTime()).toBe(1_800_003_600_000);
    expect(inGracePeriod(election, new Date(1_800_001_000_000))).toBe(false);
    expect(inGracePeriod(election, new Date(1_800_001_000_001))).toBe(true);
  });

  test("vote times keep the earliest and latest, and batch costs add up when attributed", () => {
    const election = newElection("7");
    noteVoteTime(election, new Date(2000));
    noteVoteTime(election, new Date(1000));
    noteVoteTime(election, new Date(3000));
    expect([election.firstVoteAt?.getTime(), election.lastVoteAt?.getTime()]).toEqual([1000, 3000]);
    countBatch(election, 100n, 700n);
    countBatch(election, null, null);
    expect([election.batchCount, election.gasUsed, election.feesWei]).toEqual([2, 100n, 700n]);
  });
});
