import { describe, expect, it } from "vitest";
import { electionAnswer } from "./election-answer.js";
import { extrasOf } from "./election-extras.js";
import type { ElectionDetail } from "./elections.js";
import type { IndexerStatus } from "./indexer-status.js";

const NOW = Date.parse("2026-11-02T12:00:00Z");

function election(change: Partial<ElectionDetail> = {}): ElectionDetail {
  const counts = change.choices ?? [
    { choice: 0, label: "Yes", count: 60, percent: 60 },
    { choice: 1, label: "No", count: 40, percent: 40 },
  ];
  const total = counts.reduce((n, c) => n + c.count, 0);
  return {
    id: "1",
    title: "T",
    phase: "open",
    opensAt: new Date(NOW - 3_600_000),
    closesAt: new Date(NOW + 3_600_000),
    recordUntil: new Date(NOW + 7_200_000),
    closedEarly: false,
    totalVotes: total,
    lastVoteAt: null,
    complete: true,
    description: null,
    choiceCount: counts.length,
    choices: counts,
    metadataHash: "0x",
    createdAtBlock: 1,
    createdAt: new Date(NOW - 7_200_000),
    createdTx: "0x",
    scheduledClosesAt: new Date(NOW + 3_600_000),
    closedAt: null,
    firstVoteAt: null,
    graceVotes: 0,
    batchCount: 1,
    gasUsed: "0",
    feesWei: "0",
    contact: null,
    eligibleVoters: null,
    integrity: {
      complete: true,
      nextExpectedSeq: String(total),
      missingSeqCount: "0",
      gaps: [],
      gapsShown: 0,
      duplicateRefCount: 0,
      duplicateHashCount: 0,
      issues: [],
      tallyConsistent: true,
      outOfRangeVotes: 0,
      metadataValid: true,
      metadataError: null,
      createdEventSeen: true,
    },
    ...change,
  };
}

const status: IndexerStatus = {
  height: 120,
  chainHead: 120,
  chainHeadAt: null,
  updatedAt: new Date(NOW - 7_000),
  lag: 0,
  finalizedHeight: 100,
  chainId: 31337,
  contractAddress: "0x",
  startBlock: 1,
  error: null,
  errorBlock: null,
};

describe("the answer at the top of an election's page", () => {
  it("calls an open election's count provisional and complete only so far", () => {
    const a = electionAnswer(election(), status, 110, NOW);
    expect(a.finality).toBe("provisional");
    expect(a.leaderText).toBe("Yes leads with 60.0 % of the votes.");
    expect(a.completenessText).toMatch(/^Complete so far: .*not the final count\.$/);
    expect(a.asOfBlock).toBe(120);
    expect(a.ageSeconds).toBe(7);
    expect(a.turnoutPercent).toBeNull();
  });

  it("says final only once recording ended and the last vote's block is final", () => {
    const closed = election({ phase: "closed" });
    expect(electionAnswer(closed, status, 110, NOW).finality).toBe("provisional");
    const final = electionAnswer(closed, status, 90, NOW);
    expect(final.finality).toBe("final");
    expect(final.leaderText).toBe("Yes won with 60.0 % of the votes.");
    expect(final.completenessText).toMatch(/^Complete: .*Nothing can be added any more\.$/);
  });

  it("does not call an election with no vote complete, names a tie and gives turnout from the roll", () => {
    const empty = electionAnswer(
      election({ choices: [{ choice: 0, label: "Yes", count: 0, percent: 0 }] }),
      status,
      null,
      NOW,
    );
    expect(empty.leaderText).toBe("No vote is recorded yet.");
    expect(empty.completenessText).toBe("Nothing is missing so far, because no vote is recorded yet.");
    const tie = electionAnswer(
      election({
        eligibleVoters: 400,
        choices: [
          { choice: 0, label: "A", count: 50, percent: 50 },
          { choice: 1, label: "B", count: 50, percent: 50 },
        ],
      }),
      status,
      110,
      NOW,
    );
    expect(tie.leaderText).toBe("A tie: A and B have 50.0 % each.");
    expect(tie.turnoutPercent).toBe(25);
  });
});

describe("the metadata's optional contact and roll", () => {
  it("reads an address, a site or a name, and ignores what is malformed", () => {
    expect(extrasOf('{"contact":"observers@city.example","eligibleVoters":1200}')).toEqual({
      contact: { text: "observers@city.example", href: "mailto:observers@city.example" },
      eligibleVoters: 1200,
    });
    expect(extrasOf('{"contact":"https://city.example/observers"}').contact?.href).toBe(
      "https://city.example/observers",
    );
    expect(extrasOf('{"contact":"javascript:alert(1)"}').contact).toEqual({ text: "javascript:alert(1)", href: null });
    expect(extrasOf('{"eligibleVoters":-3,"contact":5}')).toEqual({ contact: null, eligibleVoters: null });
    expect(extrasOf("not json")).toEqual({ contact: null, eligibleVoters: null });
    expect(extrasOf(null)).toEqual({ contact: null, eligibleVoters: null });
  });
});
