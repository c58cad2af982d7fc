/**
 * Secret elections through the data module, against a real Postgres database migrated with the
 * indexer's migrations and seeded as the indexer leaves it: one election before its tally (one
 * ballot whose proofs fail, two of three shares), one after it (verified from 3 of 5), an open
 * election beside them.
 */
import { createHash } from "node:crypto";
import { InvalidInputError } from "@veritally/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../../test-helpers/postgres.js";
import { createIndexerDatabase, withClient } from "../testing/databases.js";
import {
  FORGED_BALLOT_REASON,
  type SeededSecretElection,
  seedIndexerElection,
  seedIndexerStatus,
  seedSecretElection,
} from "../testing/seed.js";
import { summaryJson } from "./api.js";
import { createPortalData, type PortalData } from "./data.js";
import { readTracker, trackerFromFragment, trackerPrefixOf } from "./tracker.js";

const NOW = new Date("2026-11-02T12:00:00Z");
let db: TestDatabase;
let data: PortalData;
let pending: SeededSecretElection;
let tallied: SeededSecretElection;

beforeAll(async () => {
  db = await createIndexerDatabase("portal_secret_reads");
  await withClient(db.url, async (c) => {
    pending = await seedSecretElection(c, {
      id: "30",
      title: "Budget priorities",
      choices: ["Park", "Library", "Pool"],
      ballots: 25,
      invalidSeqs: [12],
      now: NOW,
      threshold: 3,
      trustees: 5,
      shares: [
        { trustee: 2, valid: true },
        { trustee: 4, valid: true },
      ],
      firstBlock: 100,
    });
    tallied = await seedSecretElection(c, {
      id: "31",
      title: "Harbour name",
      choices: ["North", "South"],
      ballots: 12,
      now: NOW,
      opensAt: new Date(NOW.getTime() - 5 * 3_600_000),
      closesAt: new Date(NOW.getTime() - 3 * 3_600_000),
      recordUntil: new Date(NOW.getTime() - 2 * 3_600_000),
      firstBatchAt: new Date(NOW.getTime() - 4 * 3_600_000),
      shares: [
        { trustee: 1, valid: true },
        { trustee: 3, valid: true },
        { trustee: 4, valid: true },
        { trustee: 5, valid: false, error: "share: $.trustee is 1, the event's trustee index is 5" },
      ],
      tally: { counts: [7, 5], valid: true },
      firstBlock: 200,
    });
    await seedIndexerElection(c, { id: "7", votes: 30, now: NOW, firstBlock: 300 });
    await seedIndexerStatus(c, { height: 400, chainHead: 402 });
  });
  data = createPortalData({ indexerUrl: db.url, now: () => NOW.getTime() });
});

afterAll(async () => {
  await data?.close();
  await db?.drop();
});

describe("the elections list", () => {
  it("marks each election's kind and, for secret ones, the trustees' status", async () => {
    const list = await data.listElections();
    const byId = new Map(list.map((e) => [e.id, e]));
    expect(byId.get("7")).toMatchObject({ kind: "open", trustees: null, complete: true });
    expect(byId.get("30")).toMatchObject({
      kind: "secret",
      totalVotes: 25,
      // A ballot whose proofs fail is a problem on the record.
      complete: false,
      trustees: {
        threshold: 3,
        trustees: 5,
        sharesReceived: 2,
        sharesVerified: 2,
        verifiedTrustees: [2, 4],
        thresholdReached: false,
        tally: "pending",
        ceremonyRecordError: null,
      },
    });
    expect(byId.get("31")).toMatchObject({
      kind: "secret",
      phase: "closed",
      complete: true,
      trustees: {
        sharesReceived: 4,
        sharesVerified: 3,
        verifiedTrustees: [1, 3, 4],
        thresholdReached: true,
        tally: "verified",
      },
    });
    const thirty = byId.get("30");
    if (!thirty) throw new Error("no election 30");
    const json = summaryJson(thirty);
    expect(json).toMatchObject({ kind: "secret", trustees: { threshold: 3, tally: "pending" } });
  });
});

describe("a secret election before its tally", () => {
  it("counts the ballots recorded and those whose proofs fail, names the invalid one, and has no tally", async () => {
    const audit = await data.audit("30");
    const s = audit?.secret;
    if (!audit || !s) throw new Error("no secret detail for election 30");
    expect({ ballots: s.ballots, valid: s.validBallots, invalid: s.invalidBallots, tally: s.tally }).toEqual({
      ballots: 25,
      valid: 24,
      invalid: 1,
      tally: null,
    });
    expect(audit.election.integrity.missingSeqCount).toBe("0");
    expect(audit.election.integrity.issues).toEqual([
      { kind: "invalid_ballot", value: FORGED_BALLOT_REASON, seq: "12", firstSeq: "12", blockNumber: 101 },
    ]);
    expect(s.shares.map((x) => [x.trustee, x.valid])).toEqual([
      [2, true],
      [4, true],
    ]);
    expect(s.firstBallot).toMatchObject({ seq: "0", tracker: pending.ballots[0]?.tracker, valid: true });
    expect(s.lastBallot).toMatchObject({ seq: "24", tracker: pending.ballots[24]?.tracker });
    // No clear votes: the open election's first and last vote stay empty.
    expect([audit.firstVote, audit.lastVote]).toEqual([null, null]);
    expect(audit.batches.count).toBe(3);
    expect(audit.timeline.points.reduce((n, p) => n + p.count, 0)).toBe(25);
  });
});

describe("a secret election after its tally", () => {
  it("gives the published counts per choice, verified, with the shares that did and did not verify", async () => {
    const s = (await data.audit("31"))?.secret;
    if (!s) throw new Error("no secret detail for election 31");
    expect(s.tally).toMatchObject({
      verified: true,
      error: null,
      choices: [
        { choice: 0, label: "North", count: 7, percent: 58.3 },
        { choice: 1, label: "South", count: 5, percent: 41.7 },
      ],
    });
    expect(s.tally?.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(s.shares.find((x) => x.trustee === 5)).toMatchObject({
      valid: false,
      error: "share: $.trustee is 1, the event's trustee index is 5",
    });
    expect(s.trustees).toMatchObject({ threshold: 3, trustees: 5, sharesVerified: 3, thresholdReached: true });
    expect((await data.audit("7"))?.secret).toBeNull();
  });
});

describe("trackers", () => {
  it("finds a ballot by its tracker with its seq, block, transaction and verdict", async () => {
    const b = pending.ballots[12];
    if (!b) throw new Error("no ballot 12");
    const [found, ...more] = await data.ballotsByTracker(b.tracker.toUpperCase().replace("0X", "0x"));
    expect(more).toEqual([]);
    expect(found).toMatchObject({
      electionId: "30",
      electionTitle: "Budget priorities",
      seq: "12",
      tracker: b.tracker,
      blockNumber: b.blockNumber,
      txHash: b.txHash,
      valid: false,
      invalidReason: FORGED_BALLOT_REASON,
    });
    expect((await data.ballotsByTracker(pending.ballots[3]?.tracker ?? ""))[0]).toMatchObject({
      seq: "3",
      valid: true,
    });
  });

  it("answers nothing for a tracker not on chain, and refuses a malformed one naming the field", async () => {
    const absent = `0x${createHash("sha256").update("not a ballot").digest("hex")}`;
    expect(await data.ballotsByTracker(absent)).toEqual([]);
    for (const [bad, reason] of [
      ["abc", "tracker: expected 0x followed by 64 hex digits"],
      [`0x${"ab".repeat(31)}`, "tracker: expected 64 hex digits after 0x, got 62"],
      [`0x${"g".repeat(64)}`, "tracker: character 3 ('g') is not a hex digit"],
    ] as const) {
      const refused = data.ballotsByTracker(bad);
      await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
      await expect(refused).rejects.toThrow(reason);
    }
  });

  it("gives every ballot of a tracker's bucket for the private lookup, and refuses a malformed prefix", async () => {
    const b = tallied.ballots[5];
    if (!b) throw new Error("no ballot 5");
    const prefix = trackerPrefixOf(b.tracker);
    const bucket = await data.ballotsByTrackerPrefix(prefix);
    expect(bucket.map((x) => x.tracker)).toContain(b.tracker);
    expect(bucket.every((x) => x.tracker.startsWith(`0x${prefix}`))).toBe(true);
    const all = [...pending.ballots, ...tallied.ballots].filter((x) => x.tracker.startsWith(`0x${prefix}`));
    expect(bucket).toHaveLength(all.length);
    for (const bad of ["ab", "ABCD", "zzzz", "abcde"]) {
      await expect(data.ballotsByTrackerPrefix(bad)).rejects.toThrow(/^prefix: /);
    }
  });

  it("reads a tracker from a booth's link fragment", () => {
    const t = `0x${"1f".repeat(32)}`;
    expect(trackerFromFragment(`#tracker=${t}`)).toBe(t);
    expect(trackerFromFragment(`#x=1&tracker=${t}`)).toBe(t);
    expect(trackerFromFragment("#result")).toBeNull();
    expect(trackerFromFragment("")).toBeNull();
    expect(readTracker(`  ${t.toUpperCase().replace("0X", "0x")} `)).toBe(t);
  });
});
