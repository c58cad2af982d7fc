/**
 * The data module against a real Postgres database migrated with the indexer's migrations and
 * filled as the indexer fills it.
 */
import { encodeRef, InvalidInputError } from "@veritally/contracts";
import { freePort } from "@veritally/contracts/local-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test-helpers/postgres.js";
import { createIndexerDatabase, withClient } from "../testing/databases.js";
import { type SeededElection, seedIndexerElection, seedIndexerStatus } from "../testing/seed.js";
import { createPortalData, fillTimeline, isElectionId, type PortalData, phaseOf } from "./data.js";
import { createPool, DatabaseUnavailableError } from "./db.js";

// Every time in this file is placed around one injected clock, so the phases and the operators'
// window come out the same on any date.
const NOW = new Date("2026-11-02T12:00:00Z");
let db: TestDatabase;
let data: PortalData;
let main: SeededElection;
let gappy: SeededElection;

beforeAll(async () => {
  db = await createIndexerDatabase("portal_data");
  await withClient(db.url, async (client) => {
    main = await seedIndexerElection(client, {
      id: "7",
      title: "Budget 2027",
      choices: ["Yes", "No", "Abstain"],
      votes: 1234,
      batchSize: 100,
      secondsPerBatch: 20,
      firstBatchAt: new Date("2026-11-01T10:00:00Z"),
      firstBlock: 200,
      opensAt: new Date("2026-11-01T09:00:00Z"),
      closesAt: new Date("2026-11-01T12:00:00Z"),
      recordUntil: new Date("2026-11-01T13:00:00Z"),
    });
    gappy = await seedIndexerElection(client, {
      id: "8",
      votes: 50,
      batchSize: 10,
      firstBlock: 400,
      omitFromChain: [3, 4, 5, 20],
      now: NOW,
    });
    await seedIndexerStatus(client, { height: 500, chainHead: 503 });
  });
  data = createPortalData({ indexerUrl: db.url, explorerUrl: "https://explorer.example", now: () => NOW.getTime() });
});

afterAll(async () => {
  await data?.close();
  await db?.drop();
});

describe("elections", () => {
  it("lists every election with its phase, totals and completeness", async () => {
    const list = await data.listElections();
    expect(list.map((e) => e.id).sort()).toEqual(["7", "8"]);
    const seven = list.find((e) => e.id === "7");
    expect(seven).toMatchObject({ title: "Budget 2027", phase: "closed", totalVotes: 1234, complete: true });
    const eight = list.find((e) => e.id === "8");
    expect(eight).toMatchObject({ phase: "open", totalVotes: 46, complete: false });
  });

  it("gives the tally per choice with percentages that add up", async () => {
    const e = await data.election("7");
    if (!e) throw new Error("no election 7");
    expect(e.choices.map((c) => c.label)).toEqual(["Yes", "No", "Abstain"]);
    expect(e.choices.map((c) => c.count)).toEqual(main.tally);
    expect(e.choices.reduce((n, c) => n + c.count, 0)).toBe(1234);
    const share = e.choices.reduce((n, c) => n + c.percent, 0);
    expect(share).toBeGreaterThan(99.8);
    expect(share).toBeLessThan(100.2);
    expect(e.choices[0]?.percent).toBe(Math.round(((main.tally[0] ?? 0) / 1234) * 1000) / 10);
  });

  it("answers null for an unknown or malformed election id", async () => {
    expect(await data.election("999")).toBeNull();
    expect(await data.election("abc")).toBeNull();
    expect(await data.election("07")).toBeNull();
    expect(await data.audit("1; drop table vote")).toBeNull();
    expect(isElectionId("0")).toBe(true);
    expect(isElectionId("1".repeat(79))).toBe(false);
  });
});

describe("the audit page's data", () => {
  it("has batch figures computed from the chain's gas and fees", async () => {
    const a = await data.audit("7");
    if (!a) throw new Error("no audit");
    expect(a.batches.count).toBe(13);
    expect(a.batches.meanSize).toBeCloseTo(1234 / 13, 5);
    expect(BigInt(a.batches.gasUsed)).toBe(35_491n * 13n + 3_926n * 1234n);
    expect(a.batches.gasPerVote).toBeCloseTo(Number(35_491n * 13n + 3_926n * 1234n) / 1234, 3);
    expect(a.batches.recent).toHaveLength(13);
    // Most recent first.
    expect(a.batches.recent[0]).toMatchObject({ firstSeq: "1200", count: 34, blockNumber: 212 });
    expect(a.batches.recent[0]?.txHash).toBe(main.batches[12]?.txHash);
  });

  it("has a timeline whose buckets add up to the total, with empty minutes filled in", async () => {
    const a = await data.audit("7");
    if (!a) throw new Error("no audit");
    expect(a.timeline.granularity).toBe("minute");
    // 13 batches 20 s apart from 10:00:00: minutes 10:00 to 10:04.
    expect(a.timeline.points.map((p) => p.start.toISOString())).toEqual([
      "2026-11-01T10:00:00.000Z",
      "2026-11-01T10:01:00.000Z",
      "2026-11-01T10:02:00.000Z",
      "2026-11-01T10:03:00.000Z",
      "2026-11-01T10:04:00.000Z",
    ]);
    expect(a.timeline.points.reduce((n, p) => n + p.count, 0)).toBe(1234);
  });

  it("names the first and the last vote", async () => {
    const a = await data.audit("7");
    expect(a?.firstVote).toMatchObject({ seq: "0", ref: main.vote(0).ref, blockNumber: 200 });
    expect(a?.lastVote).toMatchObject({ seq: "1233", ref: main.vote(1233).ref, blockNumber: 212 });
  });

  it("reports missing seq ranges and calls the record incomplete", async () => {
    const e = await data.election("8");
    if (!e) throw new Error("no election 8");
    expect(e.integrity.complete).toBe(false);
    expect(e.integrity.missingSeqCount).toBe("4");
    expect(e.integrity.gaps).toEqual([
      { from: "3", to: "5", size: "3" },
      { from: "20", to: "20", size: "1" },
    ]);
    expect(gappy.totalOnChain).toBe(46);
  });

  it("reports a repeated ref as an integrity issue", async () => {
    await withClient(db.url, async (client) => {
      await client.query(
        `insert into integrity_issue (id, election_id, kind, value, seq, first_seq, block_number)
         values ('8-dup-30', '8', 'duplicate_ref', $1, 30, 2, 403)`,
        [gappy.vote(2).ref],
      );
      await client.query("update election set duplicate_ref_count = 1 where id = '8'");
    });
    const e = await data.election("8");
    expect(e?.integrity.duplicateRefCount).toBe(1);
    expect(e?.integrity.issues).toEqual([
      { kind: "duplicate_ref", value: gappy.vote(2).ref, seq: "30", firstSeq: "2", blockNumber: 403 },
    ]);
  });

  it("gives the timeline in hours for a long election", () => {
    const points = fillTimeline(
      [
        { start: new Date("2026-01-01T00:00:00Z"), count: 3 },
        { start: new Date("2026-01-01T03:00:00Z"), count: 4 },
      ],
      3_600_000,
      100,
    );
    expect(points.map((p) => p.count)).toEqual([3, 0, 0, 4]);
  });

  it("derives the phase from the election's window", () => {
    const e = {
      opensAt: new Date(1000),
      closesAt: new Date(2000),
      recordUntil: new Date(3000),
      closed: false,
    };
    expect(phaseOf(e, 500)).toBe("scheduled");
    expect(phaseOf(e, 1500)).toBe("open");
    expect(phaseOf({ ...e, closed: true }, 1500)).toBe("recording");
    expect(phaseOf(e, 2500)).toBe("recording");
    expect(phaseOf(e, 3000)).toBe("closed");
  });
});

describe("votes", () => {
  it("finds a vote by its ref in hex or in the human form", async () => {
    const v = main.vote(42);
    const [byHex] = await data.votesByRef(v.ref);
    expect(byHex).toMatchObject({
      electionId: "7",
      electionTitle: "Budget 2027",
      seq: "42",
      choice: v.choice,
      choiceLabel: ["Yes", "No", "Abstain"][v.choice],
      voteHash: v.voteHash,
      blockNumber: 200,
      txHash: main.batches[0]?.txHash,
    });
    const human = encodeRef(v.ref).toLowerCase();
    expect(await data.votesByRef(human)).toEqual([byHex]);
    expect(byHex?.refText).toBe(encodeRef(v.ref));
  });

  it("answers no vote for an unknown ref and an InvalidInputError for a malformed one", async () => {
    expect(await data.votesByRef(`0x${"ab".repeat(16)}`)).toEqual([]);
    await expect(data.votesByRef("not-a-ref")).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("streams every vote of an election as CSV, ordered by seq", async () => {
    const stream = await data.votesCsv("7");
    if (!stream) throw new Error("no stream");
    const text = await new Response(stream).text();
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe(
      "election_id,seq,ref,choice,choice_label,vote_hash,block_number,block_hash,tx_hash,log_index,timestamp,in_grace_period",
    );
    expect(lines).toHaveLength(1235);
    const seqs = lines.slice(1).map((l) => Number(l.split(",")[1]));
    expect(seqs).toEqual(Array.from({ length: 1234 }, (_, i) => i));
    const v = main.vote(1000);
    expect(lines[1001]?.split(",").slice(0, 6)).toEqual([
      "7",
      "1000",
      v.ref,
      String(v.choice),
      ["Yes", "No", "Abstain"][v.choice],
      v.voteHash,
    ]);
    expect(await data.votesCsv("999")).toBeNull();
  });

  it("returns the pool connection when a download is cancelled", async () => {
    for (let i = 0; i < 12; i++) {
      const stream = await data.votesCsv("7");
      const reader = stream?.getReader();
      await reader?.read();
      await reader?.cancel();
    }
    // Twelve cancelled downloads on a pool of ten: a leak would block here.
    expect((await data.listElections()).length).toBe(2);
  });
});

describe("status and chain facts", () => {
  it("reads the indexer's height, head and lag", async () => {
    const s = await data.status();
    expect(s).toMatchObject({ height: 500, chainHead: 503, lag: 3, chainId: 31337, error: null });
    expect(await data.height()).toBe(500);
    expect(data.chainFacts(s)).toEqual({
      chainId: 31337,
      registryAddress: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      explorerUrl: "https://explorer.example",
    });
  });

  it("sums batches over time for the operators' page", async () => {
    const ops = await data.operations({ hours: 24 * 31 });
    expect(ops.totals.votes).toBe(1234 + 50);
    expect(ops.totals.batches).toBe(13 + 5);
    expect(ops.points.reduce((n, p) => n + p.votes, 0)).toBe(1284);
  });
});

describe("when the database is not there", () => {
  it("reports an unreachable server as DatabaseUnavailableError without the password", async () => {
    const port = await freePort();
    const down = createPortalData({ indexerUrl: `postgres://portal:s3cret@127.0.0.1:${port}/veritally_indexer` });
    try {
      const error = await down.listElections().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toContain("not reachable");
      expect((error as Error).message).not.toContain("s3cret");
    } finally {
      await down.close();
    }
  });

  it("reports a database without the indexer's tables as unavailable, naming the cause", async () => {
    const empty = await createTestDatabase("portal_empty");
    const portal = createPortalData({ indexerUrl: empty.url });
    try {
      const error = await portal.election("1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toMatch(/start the indexer/);
    } finally {
      await portal.close();
      await empty.drop();
    }
  });

  it("opens read-only sessions: a write is refused by the database", async () => {
    const pool = createPool(db.url, { max: 1, statementTimeoutMs: 5000 });
    try {
      const error = await pool.query("create table written_by_portal (x int)").catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("25006");
    } finally {
      await pool.end();
    }
  });
});
