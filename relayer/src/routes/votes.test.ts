import { decodeReceipt, decodeRef, LOCAL_CHAIN_ID } from "@veritally/contracts";
import { voteHashVectors } from "@veritally/contracts/vectors";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import {
  adminHeaders,
  startTestChain,
  startTestDb,
  type TestChain,
  type TestDb,
  testConfig,
} from "../testing/setup.js";

let chain: TestChain;
let db: TestDb;
let app: FastifyInstance;
let sql: pg.Pool;
let key: string;
let clientId: string;

const vote = (electionId: string | number, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: `/v1/elections/${electionId}/votes`,
    headers: { authorization: `Bearer ${key}`, ...headers },
    payload: body as object,
  });

const count = async (table = "votes") => Number((await sql.query(`select count(*) from ${table}`)).rows[0].count);

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain(), startTestDb("relayer_api")]);
  app = await buildApp({ config: testConfig(db, chain) });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const created = await app.inject({
    method: "POST",
    url: "/v1/admin/clients",
    headers: adminHeaders,
    payload: { name: "front end A" },
  });
  expect(created.statusCode).toBe(201);
  key = created.json().apiKey.key;
  clientId = created.json().client.id;
  await chain.createElection(1, { choices: 3 });
  await chain.createElection(2, { opensIn: 3600, closesIn: 7200 });
});

afterAll(async () => {
  await app?.close();
  await sql?.end();
  await chain?.stop();
  await db?.drop();
});

describe("POST /v1/elections/:id/votes", () => {
  it("answers 202 with a receipt whose hash the registry reproduces, after the row is committed", async () => {
    const res = await vote(1, { voterId: "voter-1", choice: 2 });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ electionId: "1", status: "queued" });
    expect(body.statusUrl).toBe(`/v1/votes/${body.ref}`);
    expect(res.headers.location).toBe(body.statusUrl);
    expect(decodeRef(body.ref)).toBe(body.refHex);
    const onChain = await chain.registry.voteHashOf(1, body.refHex, 2, decodeReceipt(body.receipt));
    expect(onChain).toBe(body.voteHash);
    const { rows } = await sql.query(
      "select state, choice, encode(vote_hash, 'hex') as h, voter_hash from votes where ref = $1",
      [Buffer.from(body.refHex.slice(2), "hex")],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "queued", choice: 2, h: body.voteHash.slice(2) });
    // the voter id is stored only as a keyed hash
    expect(rows[0].voter_hash.includes(Buffer.from("voter-1"))).toBe(false);
    expect(rows[0].voter_hash).toHaveLength(32);
  });

  it("refuses a second vote of the same voter in the same election with 409, and writes nothing", async () => {
    expect((await vote(1, { voterId: "voter-dup", choice: 0 })).statusCode).toBe(202);
    const before = await count();
    const res = await vote(1, { voterId: "voter-dup", choice: 1 });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: "duplicate_voter", message: expect.any(String) } });
    expect(await count()).toBe(before);
  });

  it("lets concurrent votes of one voter through exactly once", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => vote(1, { voterId: "racer", choice: i % 3 })),
    );
    expect(answers.filter((a) => a.statusCode === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 409)).toHaveLength(19);
  });

  it("accepts many distinct voters at once (group commit) and each gets its own ref", async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => vote(1, { voterId: `bulk-${i}`, choice: i % 3 })),
    );
    expect(answers.every((a) => a.statusCode === 202)).toBe(true);
    expect(new Set(answers.map((a) => a.json().ref)).size).toBe(200);
  });

  it("answers 404 for an election neither the relayer nor the chain knows", async () => {
    const res = await vote(999, { voterId: "v", choice: 0 });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("unknown_election");
  });

  it("answers 422 for a choice out of range and for an election not open yet", async () => {
    const out = await vote(1, { voterId: "v-range", choice: 3 });
    expect(out.statusCode).toBe(422);
    expect(out.json().error.code).toBe("choice_out_of_range");
    const early = await vote(2, { voterId: "v-early", choice: 0 });
    expect(early.statusCode).toBe(422);
    expect(early.json().error.code).toBe("election_not_open");
  });

  it("returns the same 202 for a retried Idempotency-Key and refuses the key with another body", async () => {
    const first = await vote(1, { voterId: "idem-1", choice: 1 }, { "idempotency-key": "k-1" });
    expect(first.statusCode).toBe(202);
    const before = await count();
    const again = await vote(1, { voterId: "idem-1", choice: 1 }, { "idempotency-key": "k-1" });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    expect(again.headers["idempotent-replayed"]).toBe("true");
    const other = await vote(1, { voterId: "idem-1", choice: 2 }, { "idempotency-key": "k-1" });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe("idempotency_key_reused");
    // a new key for a voter who already voted is a duplicate vote
    const dup = await vote(1, { voterId: "idem-1", choice: 1 }, { "idempotency-key": "k-2" });
    expect(dup.statusCode).toBe(409);
    expect(await count()).toBe(before);
  });

  it("answers concurrent retries of one Idempotency-Key with one vote", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => vote(1, { voterId: "idem-race", choice: 0 }, { "idempotency-key": "race" })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((a) => a.json().ref)).size).toBe(1);
  });

  it("refuses missing, malformed and revoked keys with 401", async () => {
    const none = await app.inject({
      method: "POST",
      url: "/v1/elections/1/votes",
      payload: { voterId: "x", choice: 0 },
    });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe("unauthorized");
    expect((await vote(1, { voterId: "x", choice: 0 }, { authorization: "Bearer nope" })).statusCode).toBe(401);
    expect((await vote(1, { voterId: "x", choice: 0 }, { authorization: `Bearer ${key}x` })).statusCode).toBe(401);
    const issued = await app.inject({
      method: "POST",
      url: `/v1/admin/clients/${clientId}/keys`,
      headers: adminHeaders,
    });
    expect(issued.statusCode).toBe(201);
    const second = issued.json().key;
    expect((await vote(1, { voterId: "rot-1", choice: 0 }, { authorization: `Bearer ${second}` })).statusCode).toBe(
      202,
    );
    const revoked = await app.inject({
      method: "DELETE",
      url: `/v1/admin/clients/${clientId}/keys/${issued.json().keyId}`,
      headers: adminHeaders,
    });
    expect(revoked.statusCode).toBe(200);
    expect(
      revoked.json().keys.find((k: { keyId: string }) => k.keyId === issued.json().keyId).revokedAt,
    ).not.toBeNull();
    expect((await vote(1, { voterId: "rot-2", choice: 0 }, { authorization: `Bearer ${second}` })).statusCode).toBe(
      401,
    );
  });

  it("names the bad field of a malformed body", async () => {
    const extra = await vote(1, { voterId: "x", choice: 0, admin: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.message).toBe("body.admin: unknown field");
    const missing = await vote(1, { voterId: "x" });
    expect(missing.json().error.message).toBe("body.choice: required");
    const wrongType = await vote(1, { voterId: "x", choice: "1" });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.message).toMatch(/^body\.choice: /);
  });
});

describe("GET /v1/votes/:ref", () => {
  it("shows a queued vote by human ref or hex, and nothing about the voter", async () => {
    const accepted = (await vote(1, { voterId: "status-1", choice: 0 })).json();
    for (const ref of [accepted.ref, accepted.ref.toLowerCase(), accepted.refHex]) {
      const res = await app.inject({ method: "GET", url: `/v1/votes/${ref}` });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        ref: accepted.ref,
        electionId: "1",
        status: "queued",
        txHash: null,
        seq: null,
      });
      expect(JSON.stringify(res.json())).not.toContain("status-1");
    }
  });

  it("takes a client's key (rate-limited as that client) and refuses a bad one", async () => {
    const accepted = (await vote(1, { voterId: "status-key", choice: 0 })).json();
    const withKey = await app.inject({
      method: "GET",
      url: accepted.statusUrl,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(withKey.statusCode).toBe(200);
    const badKey = await app.inject({
      method: "GET",
      url: accepted.statusUrl,
      headers: { authorization: "Bearer nope" },
    });
    expect(badKey.statusCode).toBe(401);
  });

  it("finds votes by the shared vectors' human refs, in any case and grouping", async () => {
    for (const [i, v] of voteHashVectors.slice(0, 3).entries()) {
      await sql.query(
        `insert into votes (election_id, client_id, voter_hash, ref, choice, vote_hash)
         values (1, $1, $2, $3, 0, $4)`,
        [
          clientId,
          Buffer.alloc(32, i + 100),
          Buffer.from(v.ref.slice(2), "hex"),
          Buffer.from(v.voteHash.slice(2), "hex"),
        ],
      );
      for (const form of [v.refText, v.refText.toLowerCase().replace(/-/g, ""), v.ref]) {
        const res = await app.inject({ method: "GET", url: `/v1/votes/${form}` });
        expect(res.json().ref).toBe(v.refText);
      }
    }
  });

  it("answers 404 for an unknown ref and 400 for a mistyped one", async () => {
    const unknown = await app.inject({ method: "GET", url: `/v1/votes/0x${"ab".repeat(16)}` });
    expect(unknown.statusCode).toBe(404);
    const typo = await app.inject({ method: "GET", url: "/v1/votes/ABCD-EFGH" });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error.message).toMatch(/^ref: /);
  });
});

describe("admin", () => {
  it("requires the admin key", async () => {
    expect((await app.inject({ method: "GET", url: "/v1/admin/clients" })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: "GET", url: "/v1/admin/clients", headers: { authorization: `Bearer ${key}` } }))
        .statusCode,
    ).toBe(401);
  });

  it("creates an election (state creating until the worker mined it) and refuses votes meanwhile", async () => {
    const now = Date.now();
    const payload = {
      electionId: "77",
      metadata: { title: "Budget", choices: ["Parks", "Roads"] },
      opensAt: new Date(now - 1000).toISOString(),
      closesAt: new Date(now + 3_600_000).toISOString(),
      recordUntil: new Date(now + 7_200_000).toISOString(),
    };
    const res = await app.inject({ method: "POST", url: "/v1/admin/elections", headers: adminHeaders, payload });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ electionId: "77", state: "creating", choiceCount: 2, source: "relayer" });
    expect((await vote(77, { voterId: "early", choice: 0 })).json().error.code).toBe("election_not_open");
    const again = await app.inject({
      method: "POST",
      url: "/v1/admin/elections",
      headers: adminHeaders,
      payload: { ...payload, electionId: "1" },
    });
    expect(again.statusCode).toBe(409);
  });

  it("refuses an election whose window is wrong, naming the field", async () => {
    const now = Date.now();
    const res = await app.inject({
      method: "POST",
      url: "/v1/admin/elections",
      headers: adminHeaders,
      payload: {
        metadata: { title: "Bad", choices: ["A", "B"] },
        opensAt: new Date(now).toISOString(),
        closesAt: new Date(now + 1000).toISOString(),
        recordUntil: new Date(now).toISOString(),
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^recordUntil: /);
    const one = await app.inject({
      method: "POST",
      url: "/v1/admin/elections",
      headers: adminHeaders,
      payload: {
        metadata: { title: "One", choices: ["A"] },
        opensAt: new Date(now).toISOString(),
        closesAt: new Date(now + 100_000).toISOString(),
        recordUntil: new Date(now + 100_000).toISOString(),
      },
    });
    expect(one.statusCode).toBe(400);
    expect(one.json().error.message).toMatch(/^metadata\.choices: /);
  });

  it("pauses and resumes intake, globally and per election", async () => {
    const paused = await app.inject({ method: "POST", url: "/v1/admin/intake/pause", headers: adminHeaders });
    expect(paused.json()).toMatchObject({ intakePaused: true, submissionPaused: false });
    const refused = await vote(1, { voterId: "paused-1", choice: 0 });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe("intake_paused");
    await app.inject({ method: "POST", url: "/v1/admin/intake/resume", headers: adminHeaders });
    expect((await vote(1, { voterId: "paused-1", choice: 0 })).statusCode).toBe(202);

    await app.inject({ method: "POST", url: "/v1/admin/elections/1/pause", headers: adminHeaders });
    expect((await vote(1, { voterId: "paused-2", choice: 0 })).json().error.code).toBe("election_paused");
    await app.inject({ method: "POST", url: "/v1/admin/elections/1/resume", headers: adminHeaders });
    expect((await vote(1, { voterId: "paused-2", choice: 0 })).statusCode).toBe(202);
  });

  it("lists clients without their keys' secrets", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/admin/clients", headers: adminHeaders });
    expect(res.statusCode).toBe(200);
    expect(res.json()[0]).toMatchObject({ name: "front end A" });
    expect(res.body).not.toContain(key);
  });

  it("reports stats in the documented shape", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/admin/stats", headers: adminHeaders });
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s.queue.depth).toBe(await count());
    expect(s.intake.acceptedPerSecond1m).toBeGreaterThan(0);
    expect(s).toHaveProperty("latency.acceptToIncludedP95Ms");
    expect(s).toHaveProperty("fees.capPerGasWei", "200000000000");
    expect(s.warnings.map((w: { code: string }) => w.code)).toContain("worker_down");
  });

  it("closes an election: later votes get 422", async () => {
    await chain.createElection(5);
    expect((await vote(5, { voterId: "before-close", choice: 0 })).statusCode).toBe(202);
    const closed = await app.inject({ method: "POST", url: "/v1/admin/elections/5/close", headers: adminHeaders });
    expect(closed.statusCode).toBe(202);
    expect(closed.json().intake).toEqual({ open: false, code: "election_closed" });
    expect((await vote(5, { voterId: "after-close", choice: 0 })).json().error.code).toBe("election_closed");
  });
});

describe("ops", () => {
  it("serves /health, /ready, /metrics and the OpenAPI document", async () => {
    expect((await app.inject({ method: "GET", url: "/health" })).json()).toEqual({ status: "ok" });
    const ready = await app.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ database: { ok: true }, rpc: { ok: true } });
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/^veritally_queue_depth \d+$/m);
    const docs = await app.inject({ method: "GET", url: "/docs/json" });
    expect(docs.json().paths).toHaveProperty(["/v1/elections/{electionId}/votes"]);
    expect(LOCAL_CHAIN_ID).toBe(31337);
  });

  it("sends security headers", async () => {
    const res = await app.inject({ method: "GET", url: "/health" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["strict-transport-security"]).toContain("max-age=");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });
});

describe("limits", () => {
  it("limits each client to its own rate", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/admin/clients",
      headers: adminHeaders,
      payload: { name: "slow client", rateLimitPerMinute: 3 },
    });
    const slowKey = created.json().apiKey.key;
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/v1/elections/1/votes",
        headers: { authorization: `Bearer ${slowKey}` },
        payload: { voterId: `slow-${i}`, choice: 0 },
      });
      codes.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json().error.code).toBe("rate_limited");
        expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      }
    }
    expect(codes).toEqual([202, 202, 202, 429, 429]);
    // the other client is not affected
    expect((await vote(1, { voterId: "not-slow", choice: 0 })).statusCode).toBe(202);
  });

  it("answers over real HTTP, with the body limit and headers", async () => {
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    const post = (body: string) =>
      fetch(`${address}/v1/elections/1/votes`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
      });
    const ok = await post(JSON.stringify({ voterId: "over-http", choice: 1 }));
    expect(ok.status).toBe(202);
    expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
    const accepted = (await ok.json()) as { statusUrl: string };
    const status = await fetch(`${address}${accepted.statusUrl}`);
    expect(((await status.json()) as { status: string }).status).toBe("queued");
    const big = await post(JSON.stringify({ voterId: "x".repeat(40_000), choice: 1 }));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: { code: "body_too_large", message: expect.any(String) } });
  });
});
