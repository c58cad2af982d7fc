/**
 * The security findings of issue 12 on the relayer, each as a test that failed before its fix:
 * bad keys locking out good ones, webhook SSRF spellings and DNS rebinding, voter-id spellings,
 * 500s for bad election input, duplicate and prototype keys, long ids, and the unknown-election
 * cache.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { createElectionDirectory } from "../services/elections.js";
import { canonicalVoterId } from "../services/voter-id.js";
import { checkWebhookTarget, isPrivateAddress, postWebhook } from "../services/webhook-url.js";
import {
  adminHeaders,
  startTestChain,
  startTestDb,
  type TestChain,
  type TestDb,
  testConfig,
} from "../testing/setup.js";
import { createWebhookSender } from "../worker/webhooks.js";

let chain: TestChain;
let db: TestDb;
let app: FastifyInstance;
let sql: pg.Pool;
let key: string;
let exactKey: string;

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain(), startTestDb("relayer_security")]);
  app = await buildApp({ config: testConfig(db, chain, { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "20" }) });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const made = async (payload: object) =>
    (await app.inject({ method: "POST", url: "/v1/admin/clients", headers: adminHeaders, payload })).json();
  key = (await made({ name: "front" })).apiKey.key;
  exactKey = (await made({ name: "exact", voterIdCase: "exact" })).apiKey.key;
  await chain.createElection(1, { choices: 3 });
});

afterAll(async () => {
  await app?.close();
  await sql?.end();
  await chain?.stop();
  await db?.drop();
});

const vote = (voterId: unknown, k = key, election = "1") =>
  app.inject({
    method: "POST",
    url: `/v1/elections/${election}/votes`,
    headers: { authorization: `Bearer ${k}` },
    payload: { voterId, choice: 0 },
  });
const count = async (table: string) => Number((await sql.query(`select count(*) from ${table}`)).rows[0].count);

describe("bad keys do not lock out good keys", () => {
  it("a valid client key and the admin key still work from an address that failed many times", async () => {
    const bad = "Bearer vt_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await app.inject({ method: "GET", url: "/v1/admin/stats", headers: { authorization: bad } });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    // the same address, now with real keys
    expect((await vote("lockout-probe")).statusCode).toBe(202);
    expect((await app.inject({ method: "GET", url: "/v1/admin/stats", headers: adminHeaders })).statusCode).toBe(200);
    const webhook = await app.inject({
      method: "DELETE",
      url: "/v1/client/webhook",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(webhook.statusCode).toBe(204);
    // and the attacker is still refused
    const again = await app.inject({
      method: "POST",
      url: "/v1/elections/1/votes",
      headers: { authorization: bad },
      payload: { voterId: "z", choice: 0 },
    });
    expect(again.statusCode).toBe(429);
  });
});

describe("webhook addresses", () => {
  const refused = [
    "http://[::ffff:127.0.0.1]:9/x",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:9/x",
    "http://[::ffff:7f00:1]:9/x",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data",
    "http://[::127.0.0.1]/x",
    "http://[::]/x",
    "http://[fd00::1]/x",
    "http://[fe80::1]/x",
    "http://[ff02::1]/x",
    "http://2130706433/x",
    "http://0177.0.0.1/x",
    "http://0x7f.1/x",
    "http://0x7f000001/x",
    "http://127.1/x",
    "http://0.0.0.0/x",
    "http://100.64.0.1/x",
    "http://192.168.1.1/x",
    "http://172.16.0.1/x",
    "http://224.0.0.1/x",
    "http://255.255.255.255/x",
    "http://localhost./x",
    "http://LOCALHOST/x",
    "http://foo.localhost./x",
  ];
  it.each(refused)("refuses %s at registration and writes nothing", async (url) => {
    const before = await sql.query("select webhook_url from clients order by id");
    const res = await app.inject({
      method: "PUT",
      url: "/v1/client/webhook",
      headers: { authorization: `Bearer ${key}` },
      payload: { url },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^url: /);
    expect((await sql.query("select webhook_url from clients order by id")).rows).toEqual(before.rows);
  });

  it("judges the address an IPv6 spelling carries", () => {
    expect(isPrivateAddress("::ffff:7f00:1")).toBe(true);
    expect(isPrivateAddress("::ffff:a9fe:a9fe")).toBe(true);
    expect(isPrivateAddress("::7f00:1")).toBe(true);
    expect(isPrivateAddress("64:ff9b::7f00:1")).toBe(true);
    expect(isPrivateAddress("2606:4700::1111")).toBe(false);
    expect(isPrivateAddress("93.184.215.14")).toBe(false);
    expect(isPrivateAddress("not an address")).toBe(true);
  });

  it("refuses a name that resolves to a private address", async () => {
    await expect(
      checkWebhookTarget("https://hooks.example.org/x", false, async () => [{ address: "10.1.2.3", family: 4 }]),
    ).rejects.toThrow(/url: hooks\.example\.org resolves to a loopback, private or link-local address/);
    await expect(
      checkWebhookTarget("https://hooks.example.org/x", false, async () => [{ address: "93.184.215.14", family: 4 }]),
    ).resolves.toBeInstanceOf(URL);
  });

  describe("at delivery", () => {
    let listener: Server;
    let port: number;
    let hits = 0;
    beforeAll(async () => {
      listener = createServer((req, res) => {
        hits++;
        req.resume();
        res.end("ok");
      });
      await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
      port = (listener.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

    it("connects only to the address it checked: a DNS answer that turns private is refused", async () => {
      // the name looked public when registered; at delivery it answers 127.0.0.1 (rebinding)
      let calls = 0;
      const rebinding = async () => {
        calls++;
        return calls === 1 ? [{ address: "93.184.215.14", family: 4 }] : [{ address: "127.0.0.1", family: 4 }];
      };
      const url = await checkWebhookTarget(`http://rebind.example.org:${port}/hook`, false, rebinding);
      await expect(
        postWebhook(url, {}, "{}", { timeoutMs: 2000, allowPrivate: false, resolve: rebinding }),
      ).rejects.toThrow(/resolves to a loopback, private or link-local address/);
      await expect(
        postWebhook(new URL(`http://[::ffff:127.0.0.1]:${port}/x`), {}, "{}", { timeoutMs: 2000, allowPrivate: false }),
      ).rejects.toThrow(/^url: /);
      expect(hits).toBe(0);
    });

    it("the worker records the refusal and posts nothing; WEBHOOK_ALLOW_PRIVATE is the explicit way to a local listener", async () => {
      const { rows } = await sql.query<{ id: string }>("select id from clients where name = 'front'");
      const clientId = rows[0]?.id;
      await sql.query("update clients set webhook_url = $2, webhook_secret = 's' where id = $1", [
        clientId,
        `http://[::ffff:7f00:1]:${port}/x`,
      ]);
      const delivery = await sql.query<{ id: string }>(
        `insert into webhook_deliveries (client_id, event, payload) values ($1, 'votes.confirmed', '{}') returning id`,
        [clientId],
      );
      const strict = createWebhookSender({
        db: app.db,
        timeoutMs: 2000,
        maxAttempts: 5,
        retryBaseMs: 10,
        allowPrivate: false,
      });
      expect(await strict.deliverDue()).toBe(1);
      const row = (
        await sql.query("select state, last_error from webhook_deliveries where id = $1", [delivery.rows[0]?.id])
      ).rows[0];
      expect(row.state).toBe("pending");
      expect(row.last_error).toMatch(/loopback, private/);
      expect(hits).toBe(0);

      await sql.query("update webhook_deliveries set next_attempt_at = now() where id = $1", [delivery.rows[0]?.id]);
      const open = createWebhookSender({
        db: app.db,
        timeoutMs: 2000,
        maxAttempts: 5,
        retryBaseMs: 10,
        allowPrivate: true,
      });
      expect(await open.deliverDue()).toBe(1);
      expect(hits).toBe(1);
      await sql.query("update clients set webhook_url = null, webhook_secret = null where id = $1", [clientId]);
      await sql.query("delete from webhook_deliveries");
    });
  });
});

describe("voter ids", () => {
  it.each([
    ["NFC and NFD", "jos\u00e9", "jose\u0301"],
    ["case", "Alice", "alice"],
    ["leading and trailing spaces", " bob ", "bob"],
    ["trailing newline is trimmed", "carol\n", "carol"],
    ["NBSP", "dave\u00a0x", "dave x"],
    ["fullwidth", "\uff45\uff56\uff45", "eve"],
    ["ligature", "\ufb01sh", "fish"],
  ])("one voter, one vote, whatever the spelling: %s", async (_label, first, second) => {
    expect((await vote(first)).statusCode).toBe(202);
    const res = await vote(second);
    expect(res.statusCode).toBe(409);
  });

  it("a client with the exact case policy keeps case apart", async () => {
    expect((await vote("Mallory", exactKey)).statusCode).toBe(202);
    expect((await vote("mallory", exactKey)).statusCode).toBe(202);
    expect((await vote(" Mallory\u00a0", exactKey)).statusCode).toBe(409);
  });

  it.each([
    ["whitespace only", "   \t "],
    ["NBSP only", "\u00a0\u00a0"],
    ["lone high surrogate", "a\ud800"],
    ["lone low surrogate", "\udc00b"],
    ["replacement character", "x\ufffd"],
    ["NUL", "a\u0000b"],
    ["escape", "a\u001b[31m"],
    ["DEL", "a\u007f"],
    ["zero-width space", "a\u200bb"],
    ["zero-width joiner", "a\u200d"],
    ["bidi override", "\u202eabc"],
    ["BOM", "\ufeffabc"],
    ["line separator", "a\u2028b"],
  ])("refuses a voter id with %s, naming voterId, writing nothing", async (_label, voterId) => {
    const before = await count("votes");
    const res = await vote(voterId);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^voterId: /);
    expect(await count("votes")).toBe(before);
  });

  it("canonicalises as documented", () => {
    expect(canonicalVoterId("  Jos\u0065\u0301 ", "fold")).toBe("jos\u00e9");
    expect(canonicalVoterId("ＡＢＣ", "exact")).toBe("ABC");
    expect(() => canonicalVoterId("\u00a0", "fold")).toThrow(/voterId: must not be empty/);
  });
});

describe("bad election input is a 400 naming the field", () => {
  const now = Date.now();
  const good = {
    metadata: { title: "T", choices: ["A", "B"] },
    opensAt: new Date(now).toISOString(),
    closesAt: new Date(now + 3_600_000).toISOString(),
    recordUntil: new Date(now + 7_200_000).toISOString(),
  };
  const raw = (body: string) =>
    app.inject({
      method: "POST",
      url: "/v1/admin/elections",
      headers: { ...adminHeaders, "content-type": "application/json" },
      payload: body,
    });
  it.each([
    [
      "NUL in the title",
      JSON.stringify({ ...good, metadata: { title: "a\u0000b", choices: ["A", "B"] } }),
      /^metadata\.title: /,
    ],
    [
      "lone surrogate in the title",
      JSON.stringify(good).replace('"title":"T"', '"title":"T\\ud800"'),
      /^metadata\.title: .*surrogate/,
    ],
    ["lone surrogate in a label", JSON.stringify(good).replace('"A"', '"\\udfff"'), /^metadata\.choices\[0\]: /],
    [
      "NUL in the description",
      JSON.stringify({ ...good, metadata: { ...good.metadata, description: "x\u0000" } }),
      /^metadata\.description: /,
    ],
    ["leap second in opensAt", JSON.stringify({ ...good, opensAt: "2027-06-30T23:59:60Z" }), /^opensAt: leap seconds/],
    [
      "leap second in closesAt",
      JSON.stringify({ ...good, closesAt: "2027-12-31T23:59:60Z" }),
      /^closesAt: leap seconds/,
    ],
    [
      "leap second in recordUntil",
      JSON.stringify({ ...good, recordUntil: "2028-12-31T23:59:60Z" }),
      /^recordUntil: leap seconds/,
    ],
    [
      "zero-width title",
      JSON.stringify({ ...good, metadata: { title: "\u200b\u200c\u2060", choices: ["A", "B"] } }),
      /^metadata\.title: has no visible/,
    ],
    [
      "invisible label",
      JSON.stringify({ ...good, metadata: { title: "T", choices: ["A", "\u200b"] } }),
      /^metadata\.choices\[1\]: has no visible/,
    ],
    [
      "duplicate labels",
      JSON.stringify({ ...good, metadata: { title: "T", choices: ["Yes", "Yes"] } }),
      /^metadata\.choices\[1\]: the same label as metadata\.choices\[0\]/,
    ],
    [
      "duplicate labels by spelling",
      JSON.stringify({ ...good, metadata: { title: "T", choices: ["No", "yes", "YES\u200b"] } }),
      /^metadata\.choices\[2\]: the same label/,
    ],
    [
      "duplicate key",
      `{"metadata":{"title":"T","choices":["A","B"]},"opensAt":"${good.opensAt}","opensAt":"${good.opensAt}","closesAt":"${good.closesAt}","recordUntil":"${good.recordUntil}"}`,
      /^body\.opensAt: duplicate key/,
    ],
    [
      "control character in the contact",
      JSON.stringify({ ...good, metadata: { ...good.metadata, contact: "desk\u0007" } }),
      /^metadata\.contact: .*control character/,
    ],
    [
      "a roll of zero voters",
      JSON.stringify({ ...good, metadata: { ...good.metadata, eligibleVoters: 0 } }),
      /eligibleVoters/,
    ],
    ["__proto__ key", `{"__proto__":{"x":1},${JSON.stringify(good).slice(1)}`, /^body\.__proto__: .*not allowed/],
    [
      "nested constructor key",
      JSON.stringify(good).replace('"title"', '"constructor":{},"title"'),
      /^body\.metadata\.constructor: .*not allowed/,
    ],
  ])("%s", async (_label, body, message) => {
    const before = await count("elections");
    const res = await raw(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(await count("elections")).toBe(before);
  });
});

describe("an election's contact and roll", () => {
  it("are kept in the metadata sent on chain and returned by the API", async () => {
    const now = Date.now();
    const res = await app.inject({
      method: "POST",
      url: "/v1/admin/elections",
      headers: adminHeaders,
      payload: {
        metadata: { title: "Roll", choices: ["A", "B"], contact: "observers@example.org", eligibleVoters: 1200 },
        opensAt: new Date(now).toISOString(),
        closesAt: new Date(now + 3_600_000).toISOString(),
        recordUntil: new Date(now + 7_200_000).toISOString(),
      },
    });
    // 202: accepted, its creation transaction on its way.
    expect(res.statusCode).toBe(202);
    expect(res.json().metadata).toEqual({
      title: "Roll",
      description: "",
      choices: ["A", "B"],
      contact: "observers@example.org",
      eligibleVoters: 1200,
    });
  });
});

describe("smaller", () => {
  it("refuses duplicate keys in a vote, naming the key", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/elections/1/votes",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      payload: '{"voterId":"a","voterId":"b","choice":0}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: "invalid_request", message: 'body.voterId: duplicate key "voterId"' },
    });
  });

  it.each([
    ["a vote", "POST", (id: string) => `/v1/elections/${id}/votes`],
    ["an election's status", "GET", (id: string) => `/v1/admin/elections/${id}`],
  ])("answers an over-long election id in %s with a 400 naming the field", async (_what, method, url) => {
    const before = await count("votes");
    const res = await app.inject({
      method: method as "POST" | "GET",
      url: url("9".repeat(300)),
      headers: method === "GET" ? adminHeaders : { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(method === "POST" ? { payload: { voterId: "long-id", choice: 0 } } : {}),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/electionId/);
    expect(await count("votes")).toBe(before);
  });

  it("answers a text/plain body with 415, as documented, not a 400 about the body's type", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/elections/1/votes",
      headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" },
      payload: '{"voterId":"plain","choice":0}',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe("unsupported_media_type");
  });

  it("remembers unknown election ids for a while (clock injected), so a repeated id costs no chain lookup", async () => {
    let lookups = 0;
    const registry = app.chain.registry;
    const counting = new Proxy(registry, {
      get(target, prop, receiver) {
        if (prop === "electionExists") {
          return (id: bigint) => {
            lookups++;
            return target.electionExists(id);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    let clock = 1_000_000;
    const directory = createElectionDirectory(app.db, counting, 1000, 5000, () => clock);
    expect(await directory.get(777_001n)).toBeNull();
    expect(await directory.get(777_001n)).toBeNull();
    expect(lookups).toBe(1);
    clock += 4999;
    expect(await directory.get(777_001n)).toBeNull();
    expect(lookups).toBe(1);
    clock += 2;
    expect(await directory.get(777_001n)).toBeNull();
    expect(lookups).toBe(2);
    // a known election is not pushed out by a flood of unknown ids
    expect(await directory.get(1n)).not.toBeNull();
    const before = lookups;
    for (let i = 0; i < 50; i++) await directory.get(900_000n + BigInt(i));
    expect(lookups).toBe(before + 50);
    clock += 500;
    expect(await directory.get(1n)).not.toBeNull();
    expect(lookups).toBe(before + 50);
  });
});

describe("responsive under intake abuse", () => {
  it("answers a real client's votes while hundreds of hostile requests arrive over HTTP at the same time", async () => {
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${base}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })
        .then((r) => r.status)
        .catch(() => 0);
    const hostile: Promise<number>[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = i % 5;
      if (kind === 0)
        hostile.push(post("/v1/elections/1/votes", '{"voterId":"x","choice":0}', { authorization: `Bearer bad-${i}` }));
      if (kind === 1) hostile.push(post("/v1/elections/1/votes", "{not json", { authorization: `Bearer ${key}` }));
      if (kind === 2)
        hostile.push(
          post("/v1/elections/1/votes", `{"voterId":"${"v".repeat(300_000)}","choice":0}`, {
            authorization: `Bearer ${key}`,
          }),
        );
      if (kind === 3)
        hostile.push(post(`/v1/elections/${"9".repeat(500)}/votes`, "{}", { authorization: `Bearer ${key}` }));
      if (kind === 4)
        hostile.push(post("/v1/admin/clients", '{"name":"x"}', { authorization: `Bearer wrong-admin-${i}` }));
    }
    const before = await count("votes");
    const honest = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post("/v1/elections/1/votes", JSON.stringify({ voterId: `responsive-${i}`, choice: i % 3 }), {
          authorization: `Bearer ${key}`,
        }),
      ),
    );
    const refused = await Promise.all(hostile);
    expect(honest, "every honest vote accepted").toEqual(Array(20).fill(202));
    expect(
      refused.every((s) => s >= 400 && s < 500),
      `hostile answers: ${[...new Set(refused)]}`,
    ).toBe(true);
    expect(await count("votes"), "only the honest votes were written").toBe(before + 20);
  });
});
