/**
 * The cross-check against a real indexer database and a real relayer database (the relayer's own
 * migrations, read through a login that is only a member of veritally_audit_reader).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../../test-helpers/postgres.js";
import { waitFor } from "../testing/chain.js";
import {
  createIndexerDatabase,
  createRelayerDatabase,
  type RelayerTestDatabase,
  withClient,
} from "../testing/databases.js";
import {
  type ElectionSeed,
  generatedVote,
  seedIndexerElection,
  seedIndexerStatus,
  seedRelayerElection,
} from "../testing/seed.js";
import { createPortalData, type PortalData } from "./data.js";

let indexerDb: TestDatabase;
let relayerDb: RelayerTestDatabase;
let data: PortalData;

// One time base for both databases' seeds (the relayer's acceptance times lead the chain's by 3 s).
const firstBatchAt = new Date(Date.now() - 3_600_000);
const clean: ElectionSeed = { id: "1", votes: 2500, batchSize: 250, firstBlock: 100, firstBatchAt };
// Election 2: every kind of discrepancy, planted on one side or the other.
const planted: ElectionSeed = {
  id: "2",
  votes: 400,
  batchSize: 40,
  firstBlock: 300,
  omitFromChain: [399],
  firstBatchAt,
};
const swappedA = 120;
const swappedB = 121;

beforeAll(async () => {
  [indexerDb, relayerDb] = await Promise.all([createIndexerDatabase("portal_xc"), createRelayerDatabase("portal_xc")]);
  await withClient(indexerDb.url, async (client) => {
    await seedIndexerElection(client, clean);
    await seedIndexerElection(client, planted);
    // Block 309 holds planted seqs 360..399; the indexer has processed it.
    await seedIndexerStatus(client, { height: 320 });
  });
  await withClient(relayerDb.url, async (client) => {
    await seedRelayerElection(client, clean);
    const a = generatedVote(0, 0, 3);
    await seedRelayerElection(client, planted, {
      // The relayer never accepted seq 50: a vote on chain unknown to it.
      unknownSeqs: [50],
      alter: (v) => {
        if (v.seq === 10) return { ...v, choice: (v.choice + 1) % 3 };
        if (v.seq === 11) return { ...v, voteHash: `0x${"ee".repeat(32)}` };
        if (v.seq === 12) return { ...v, ref: `0x${"12".repeat(16)}` };
        return v;
      },
      queued: [
        { ref: `0x${"a1".repeat(16)}`, choice: 0, voteHash: a.voteHash, acceptedAt: new Date() },
        { ref: `0x${"a2".repeat(16)}`, choice: 1, voteHash: a.voteHash, acceptedAt: new Date(Date.now() - 7_200_000) },
      ],
      failed: [{ ref: `0x${"f1".repeat(16)}`, choice: 2, voteHash: a.voteHash, reason: "election_closed" }],
    });
    // The relayer holds seqs 120 and 121 the other way round from the chain.
    await client.query(`update votes set seq = 1000000 where election_id = 2 and seq = ${swappedA}`);
    await client.query(`update votes set seq = ${swappedA} where election_id = 2 and seq = ${swappedB}`);
    await client.query(`update votes set seq = ${swappedB} where election_id = 2 and seq = 1000000`);
  });
  data = createPortalData({
    indexerUrl: indexerDb.url,
    relayerAuditUrl: relayerDb.auditUrl,
    pendingGraceSeconds: 600,
    crossCheckMinIntervalSeconds: 0,
  });
}, 60_000);

afterAll(async () => {
  await data?.close();
  await Promise.all([indexerDb?.drop(), relayerDb?.drop()]);
});

describe("cross-check", () => {
  it("finds every vote equal on both sides of a clean election", async () => {
    const report = await data.crossCheck("1");
    if (!report) throw new Error("no report");
    expect(report.verdict).toBe("consistent");
    expect(report.matched).toBe(2500);
    expect(report.chain.streamed).toBe(2500);
    expect(report.relayer.total).toBe(2500);
    expect(report.relayer.byStatus.confirmed).toBe(2500);
    expect(report.relayer.tallyIncluded).toEqual(report.chain.tally);
    expect(report.mismatches.count + report.chainOnly.count + report.pending.count + report.missing.count).toBe(0);
    expect(report.indexedHeight).toBe(320);
  });

  it("reports each planted discrepancy, and only those", async () => {
    const report = await data.crossCheck("2");
    if (!report) throw new Error("no report");
    expect(report.verdict).toBe("inconsistent");
    const bySeq = new Map(report.mismatches.items.map((m) => [m.seq, m.fields]));
    expect(bySeq.get("10")).toEqual(["choice"]);
    expect(bySeq.get("11")).toEqual(["voteHash"]);
    expect(bySeq.get("12")).toEqual(["ref"]);
    // The swapped pair: each ref is on chain at the other seq.
    for (const seq of [swappedA, swappedB]) {
      expect(bySeq.get(String(seq))).toEqual(expect.arrayContaining(["ref", "voteHash"]));
    }
    expect(report.mismatches.count).toBe(5);
    expect(report.mismatches.byField.ref).toBe(3);

    // On chain, never accepted by the relayer.
    expect(report.chainOnly.count).toBe(1);
    expect(report.chainOnly.items[0]).toMatchObject({ seq: "50", blockNumber: 301 });
    expect(report.chainOnly.items[0]?.txHash).toMatch(/^0x[0-9a-f]{64}$/);

    // Seq 399: the relayer says confirmed in block 309, which the indexer processed; not on chain.
    expect(report.missing.count).toBe(1);
    expect(report.missing.items[0]).toMatchObject({
      seq: "399",
      status: "confirmed",
      blockNumber: 309,
      state: "missing",
    });

    // Queued: one recent (expected), one two hours old (overdue); the failed one is not expected on chain.
    expect(report.pending).toMatchObject({ count: 2, inFlight: 1, overdue: 1, notIndexedYet: 0 });
    expect(report.pending.items[0]).toMatchObject({ status: "queued", state: "overdue" });
    expect(report.pending.items[0]?.ageSeconds).toBeGreaterThanOrEqual(7199);
    expect(report.failedOffChain).toBe(1);
    expect(report.relayer.byStatus).toMatchObject({ queued: 2, failed: 1, confirmed: 399 });
    expect(report.matched).toBe(400 - 1 - 1 - 5);
    expect(report.summary).toMatch(/5 vote\(s\) differ/);
  });

  it("calls votes in a block above the indexed height 'not indexed yet', not missing", async () => {
    const seed: ElectionSeed = { id: "3", votes: 30, batchSize: 10, firstBlock: 400, firstBatchAt };
    await withClient(indexerDb.url, (c) => seedIndexerElection(c, { ...seed, votes: 20 }));
    await withClient(relayerDb.url, (c) => seedRelayerElection(c, seed, { batchState: "included" }));
    const report = await data.crossCheck("3");
    // Block 402 is above the indexed height 320; blocks 400 and 401 too, but those votes are indexed.
    expect(report?.verdict).toBe("consistent_in_flight");
    expect(report?.matched).toBe(20);
    expect(report?.pending).toMatchObject({ count: 10, notIndexedYet: 10 });
    expect(report?.missing.count).toBe(0);
  });

  it("computes once per indexed height and again when the height moves", async () => {
    const first = await data.crossCheck("1");
    expect(await data.crossCheck("1")).toBe(first);
    await withClient(indexerDb.url, (c) => seedIndexerStatus(c, { height: 321 }));
    // Once the module sees the new height (its height read is reused for a moment):
    await waitFor("the new height", async () => (await data.height()) === 321);
    const next = await data.crossCheck("1");
    expect(next).not.toBe(first);
    expect(next?.indexedHeight).toBe(321);
  });

  it("serves a report younger than the minimum interval after the height moved, naming its block", async () => {
    const throttled = createPortalData({
      indexerUrl: indexerDb.url,
      relayerAuditUrl: relayerDb.auditUrl,
      crossCheckMinIntervalSeconds: 60,
    });
    try {
      const first = await throttled.crossCheck("1");
      await withClient(indexerDb.url, (c) => seedIndexerStatus(c, { height: 322 }));
      await waitFor("the new height", async () => (await throttled.height()) === 322);
      const again = await throttled.crossCheck("1");
      expect(again).toBe(first);
      expect(again?.indexedHeight).toBe(first?.indexedHeight);
      expect(await throttled.height()).toBe(322);
    } finally {
      await throttled.close();
    }
  });

  it("reads the relayer through a role that sees vote_audit and nothing else", async () => {
    const client = new pg.Client({ connectionString: relayerDb.auditUrl });
    await client.connect();
    try {
      const ok = await client.query("select count(*)::int as n from vote_audit where election_id = 1");
      expect(ok.rows[0].n).toBe(2500);
      const denied = await client.query("select voter_hash from votes limit 1").catch((e: unknown) => e);
      expect((denied as { code?: string }).code).toBe("42501");
      const write = await client.query("delete from votes").catch((e: unknown) => e);
      expect((write as { code?: string }).code).toBe("42501");
    } finally {
      await client.end();
    }
  });

  it("measures acceptance-to-block latency from the relayer's times and the chain's block times", async () => {
    const latency = await data.latency({ hours: 24 });
    if (!latency) throw new Error("no latency");
    // Every relayer vote in a block the indexer knows: 2,500 + 399 (one unknown to the relayer) + 20
    // (election 3's third block is not indexed).
    expect(latency.points.reduce((n, p) => n + p.votes, 0)).toBe(2919);
    for (const p of latency.points) {
      // The seed accepts each vote three seconds before its block.
      expect(p.meanSeconds).toBeCloseTo(3, 3);
      expect(p.maxSeconds).toBeCloseTo(3, 3);
    }
  });

  it("answers null when no relayer database is configured", async () => {
    const alone = createPortalData({ indexerUrl: indexerDb.url });
    try {
      expect(await alone.crossCheck("1")).toBeNull();
      expect(await alone.latency()).toBeNull();
    } finally {
      await alone.close();
    }
  });
});
