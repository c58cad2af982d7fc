import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeReceipt, LOCAL_ACCOUNTS } from "@veritally/contracts";
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../config.js";
import {
  adminHeaders,
  assertContiguous,
  recordedVotes,
  startWorkerHarness,
  type TestChain,
  testWorker,
  until,
  type WorkerHarness,
} from "../testing/setup.js";

let h: WorkerHarness;
let chain: TestChain;
let app: FastifyInstance;
let sql: pg.Pool;
let key: string;
let w: WorkerHarness["w"];
let config: Config;

const vote: WorkerHarness["vote"] = (...args) => h.vote(...args);
const status: WorkerHarness["status"] = (ref) => h.status(ref);
const mine = (n = 1) => chain.node.provider.send("hardhat_mine", [`0x${n.toString(16)}`]);

beforeAll(async () => {
  h = await startWorkerHarness("relayer_worker", {
    client: "worker tests",
    env: () => ({
      MAX_BATCH: "100",
      MAX_WAIT_MS: "200",
      CONFIRMATIONS: "2",
      STUCK_AFTER_MS: "600",
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_RETRY_BASE_MS: "50",
    }),
    // an Idempotency-Key answer older than IDEMPOTENCY_TTL_HOURS: the worker deletes it
    beforeWorker: async (pool) => {
      await pool.query(
        `insert into idempotency_keys (client_id, key, request_hash, vote_id, response, created_at)
         values (1, 'old-key', '\\x00', 0, '{}', now() - interval '25 hours')`,
      );
    },
  });
  ({ chain, app, sql, key, w, config } = h);
});

afterEach((context) => h?.logIfFailed(context));

afterAll(async () => {
  await h?.stop();
});

describe("worker", () => {
  it("records every accepted vote once, in full batches and a timed-out one, with contiguous seqs", async () => {
    await chain.createElection(1, { choices: 4 });
    const accepted = [];
    for (let i = 0; i < 250; i += 50) {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, j) => vote(1, `v-${i + j}`, (i + j) % 4)));
      accepted.push(...answers.map((a) => a.json()));
    }
    expect(accepted.every((a) => a.status === "queued")).toBe(true);
    await w.tick();
    // two full batches went at once; the 50 left wait for MAX_WAIT_MS
    const { rows: early } = await sql.query("select vote_count from batches order by id");
    expect(early.map((r) => r.vote_count)).toEqual([100, 100]);
    await until(async () => (await recordedVotes(chain, 1)).length === 250, {
      step: () => w.tick(),
      what: "250 votes on chain",
    });
    const records = await recordedVotes(chain, 1);
    const refs = assertContiguous(records);
    expect(new Set(refs)).toEqual(new Set(accepted.map((a) => a.refHex)));
    const { rows: batches } = await sql.query("select first_seq, vote_count from batches order by first_seq");
    expect(batches.map((b) => [Number(b.first_seq), b.vote_count])).toEqual([
      [0, 100],
      [100, 100],
      [200, 50],
    ]);
    // the receipt opens the recorded hash: the chain holds what the voter was told
    const sample = accepted[137];
    const record = records.find((r) => r.ref === sample.refHex);
    expect(record?.voteHash).toBe(
      await chain.registry.voteHashOf(1, sample.refHex, record?.choice ?? 0, decodeReceipt(sample.receipt)),
    );
    // included, then confirmed two blocks deep
    expect((await status(sample.ref)).status).toMatch(/included|confirmed/);
    await mine(2);
    await until(async () => (await status(sample.ref)).status === "confirmed", { step: () => w.tick() });
    const s = await status(sample.ref);
    expect(s.txHash).toBe(record?.txHash);
    expect(s.confirmations).toBeGreaterThanOrEqual(2);
    expect(Number(s.seq)).toBe(record?.seq);
  });

  it("deletes stored Idempotency-Key answers (they hold receipts) after IDEMPOTENCY_TTL_HOURS", async () => {
    await w.tick();
    expect((await sql.query("select count(*) from idempotency_keys where key = 'old-key'")).rows[0].count).toBe("0");
  });

  it("creates an election on chain for the admin API, records its votes, and closes it", async () => {
    const now = Date.now();
    const created = await app.inject({
      method: "POST",
      url: "/v1/admin/elections",
      headers: adminHeaders,
      payload: {
        electionId: "20",
        metadata: { title: "Created by the relayer", description: "d", choices: ["A", "B", "C"] },
        opensAt: new Date(now - 5000).toISOString(),
        closesAt: new Date(now + 3_600_000).toISOString(),
        recordUntil: new Date(now + 7_200_000).toISOString(),
      },
    });
    expect(created.statusCode).toBe(202);
    await until(
      async () =>
        (await app.inject({ method: "GET", url: "/v1/admin/elections/20", headers: adminHeaders })).json().state ===
        "active",
      { step: () => w.tick(), what: "election 20 active" },
    );
    const onChain = await chain.registry.getElection(20);
    expect(onChain.choiceCount).toBe(3n);
    app.services.elections.invalidate();
    const accepted = (await vote(20, "e20-voter", 2)).json();
    await until(async () => (await recordedVotes(chain, 20)).length === 1, { step: () => w.tick() });
    expect((await recordedVotes(chain, 20))[0]?.ref).toBe(accepted.refHex);
    await app.inject({ method: "POST", url: "/v1/admin/elections/20/close", headers: adminHeaders });
    await until(async () => (await chain.registry.getElection(20)).closed, {
      step: () => w.tick(),
      what: "closed on chain",
    });
  });

  it("holds batches while the contract is paused (no gas spent) and sends them after", async () => {
    await chain.createElection(3);
    const registry = chain.registry; // connected to the deployer, who holds the pauser role
    await (await registry.pause()).wait();
    const accepted = await vote(3, "paused-voter", 1);
    expect(accepted.statusCode).toBe(202);
    const a = accepted.json();
    const txsBefore = Number((await sql.query("select count(*) from chain_txs")).rows[0].count);
    await until(async () => (await status(a.ref)).waiting === "contract_paused", {
      step: () => w.tick(),
      what: "waiting for the pause",
    });
    expect((await status(a.ref)).status).toBe("batched");
    expect(Number((await sql.query("select count(*) from chain_txs")).rows[0].count)).toBe(txsBefore);
    await (await registry.unpause()).wait();
    await until(async () => (await recordedVotes(chain, 3)).length === 1, {
      step: () => w.tick(),
      timeoutMs: 20_000,
      what: "recorded after unpause",
    });
  });

  it("reconciles a sequence mismatch from nextSeq and the events, never recording a vote twice", async () => {
    // votes are accepted, then someone else records three votes for the same election
    await chain.createElection(4);
    const ours = await Promise.all([0, 1, 2, 3, 4].map((i) => vote(4, `e4-${i}`, i % 3)));
    const registry = chain.registry;
    await (await registry.grantRole(await registry.RECORDER_ROLE(), LOCAL_ACCOUNTS.deployer.address)).wait();
    const foreign = ["11", "22", "33"].map((b) => `0x${b.repeat(16)}`);
    await (
      await registry.recordVoteBatch(
        4,
        0,
        foreign,
        [0, 1, 2],
        foreign.map(() => `0x${"44".repeat(32)}`),
      )
    ).wait();
    await until(async () => (await recordedVotes(chain, 4)).length === 8, { step: () => w.tick(), timeoutMs: 20_000 });
    const records = await recordedVotes(chain, 4);
    assertContiguous(records);
    expect(records.filter((r) => ours.some((o) => o.json().refHex === r.ref)).map((r) => r.seq)).toEqual([
      3, 4, 5, 6, 7,
    ]);
    expect(w.lines.some((l) => l.includes("election reconciled with the chain"))).toBe(true);

    // Now the database loses a recorded batch (as if restored from a backup): the worker must find
    // the votes on chain instead of sending them again.
    await mine(2);
    await until(async () => (await status(ours[0]?.json().ref)).status === "confirmed", { step: () => w.tick() });
    const { rows } = await sql.query(
      "select id, tx_id, first_seq from batches where election_id = 4 and state = 'confirmed'",
    );
    const lost = rows[0];
    await sql.query(
      "update batches set state = 'formed', tx_id = null, tx_hash = null, block_number = null where id = $1",
      [lost.id],
    );
    await sql.query("update elections set next_seq = $2 where election_id = $1", [4, lost.first_seq]);
    await sql.query("delete from tx_attempts where tx_id = $1", [lost.tx_id]);
    await sql.query("delete from chain_txs where id = $1", [lost.tx_id]);
    await mine(1);
    await until(
      async () => {
        const s = await status(ours[2]?.json().ref);
        return s.status === "confirmed" && s.txHash !== null;
      },
      { step: () => w.tick(), what: "votes recovered from the chain" },
    );
    const after = await recordedVotes(chain, 4);
    expect(after).toHaveLength(8);
    assertContiguous(after);
    const reconciles = w.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "election reconciled with the chain");
    expect(reconciles.at(-1)).toMatchObject({ electionId: "4", alreadyOnChain: lost ? expect.any(Number) : 0 });
    expect(reconciles.at(-1).alreadyOnChain).toBeGreaterThan(0);
  });

  it("posts signed webhooks when a client's votes are confirmed or fail, retrying with backoff", async () => {
    const received: { body: string; signature: string; delivery: string; event: string }[] = [];
    let failuresLeft = 2;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        if (failuresLeft-- > 0) {
          res.writeHead(500).end();
          return;
        }
        received.push({
          body,
          signature: String(req.headers["veritally-signature"]),
          delivery: String(req.headers["veritally-delivery"]),
          event: String(req.headers["veritally-event"]),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const registered = await app.inject({
        method: "PUT",
        url: "/v1/client/webhook",
        headers: { authorization: `Bearer ${key}` },
        payload: { url: `http://127.0.0.1:${port}/hook` },
      });
      expect(registered.statusCode, registered.body).toBe(200);
      const secret: string = registered.json().secret;

      await chain.createElection(30);
      const confirmedVote = (await vote(30, "hook-1", 0)).json();
      // a second vote cannot reach the chain in time: submission stays paused until recording ends
      await app.inject({ method: "POST", url: "/v1/admin/submission/pause", headers: adminHeaders });
      await until(async () => (await recordedVotes(chain, 30)).length === 1, {
        step: async () => {
          await app.inject({ method: "POST", url: "/v1/admin/submission/resume", headers: adminHeaders });
          await w.tick();
          await app.inject({ method: "POST", url: "/v1/admin/submission/pause", headers: adminHeaders });
        },
      });
      const lateVote = (await vote(30, "hook-2", 1)).json();
      expect(lateVote.status).toBe("queued");
      // Time passes (the chain's clock is far ahead of the wall clock here): recording has ended.
      await sql.query("update elections set record_until = now() where election_id = 30");
      await mine(2);
      const arrived = (event: string) => received.some((r) => r.event === event);
      await until(async () => arrived("votes.included") && arrived("votes.confirmed") && arrived("votes.failed"), {
        step: () => w.tick(),
        timeoutMs: 30_000,
        what: "the included, confirmed and failed webhooks",
      });
      await app.inject({ method: "POST", url: "/v1/admin/submission/resume", headers: adminHeaders });

      for (const r of received) {
        const { t, v1 } = Object.fromEntries(r.signature.split(",").map((p) => p.split("="))) as {
          t: string;
          v1: string;
        };
        expect(v1).toBe(createHmac("sha256", secret).update(`${t}.${r.body}`).digest("hex"));
        expect(JSON.parse(r.body).id).toBe(r.delivery);
      }
      const confirmed = received.find((r) => r.event === "votes.confirmed");
      expect(JSON.parse(confirmed?.body ?? "{}")).toMatchObject({
        event: "votes.confirmed",
        electionId: "30",
        votes: [{ ref: confirmedVote.ref, status: "confirmed", seq: "0" }],
      });
      // In a block (not final yet), then final: two messages, told apart by event and status (a
      // retried delivery can arrive after a later one: receivers order by event, not arrival).
      const included = received.find((r) => r.event === "votes.included");
      expect(JSON.parse(included?.body ?? "{}")).toMatchObject({
        event: "votes.included",
        votes: [{ ref: confirmedVote.ref, status: "included", seq: "0" }],
      });
      const failed = received.find((r) => r.event === "votes.failed");
      expect(JSON.parse(failed?.body ?? "{}")).toMatchObject({
        event: "votes.failed",
        votes: [{ ref: lateVote.ref, status: "failed", reason: "recording_ended" }],
      });
      expect((await status(lateVote.ref)).reason).toBe("recording_ended");
      const { rows } = await sql.query("select attempts, state from webhook_deliveries order by id");
      expect(rows.every((r) => r.state === "delivered")).toBe(true);
      expect(rows.reduce((n, r) => n + r.attempts, 0)).toBe(received.length + 2);
      const stats = await h.stats();
      expect(stats.failures.votes).toContainEqual({ reason: "recording_ended", count: 1 });
    } finally {
      server.close();
    }
  });

  it("lets one worker per signing key submit: a second one waits for the lock", async () => {
    let second: Awaited<ReturnType<typeof testWorker>> | undefined;
    const lines: string[] = [];
    const starting = testWorker(config, { lines }).then((x) => {
      second = x;
      return x;
    });
    // It found the lock taken and waits (a condition, not a pause that hopes it would have started).
    await until(async () => lines.some((l) => l.includes("another worker holds this signing key's lock")), {
      what: "the second worker to find the lock taken",
    });
    expect(second).toBeUndefined();
    expect(lines.some((l) => l.includes("worker started"))).toBe(false);
    await w.stop();
    // The harness stops the worker it holds at the end: this one from now on.
    w = h.w = await starting;
    expect(w.lines.some((l) => l.includes("another worker holds this signing key's lock"))).toBe(true);
    expect(w.lines.some((l) => l.includes("worker started"))).toBe(true);
    // and it carries on where the first one stopped
    const accepted = (await vote(1, "after-handover", 1)).json();
    await until(async () => (await recordedVotes(chain, 1)).some((r) => r.ref === accepted.refHex), {
      step: () => w.tick(),
    });
  });
});
