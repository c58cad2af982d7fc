/**
 * Malformed and hostile requests: each must get a 4xx in the one error shape, reveal nothing
 * (no stack, no SQL), and change nothing in the database.
 */
import type { FastifyInstance, InjectOptions } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildApp } from "../app.js";
import {
  ADMIN_KEY,
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

const TABLES = [
  "votes",
  "idempotency_keys",
  "clients",
  "api_keys",
  "elections",
  "batches",
  "chain_txs",
  "tx_attempts",
  "webhook_deliveries",
];

async function snapshot(): Promise<string> {
  const counts = await Promise.all(
    TABLES.map(async (t) => `${t}=${(await sql.query(`select count(*) from ${t}`)).rows[0].count}`),
  );
  const control = (await sql.query("select intake_paused, submission_paused from relayer_control")).rows[0];
  const clients = (await sql.query("select string_agg(coalesce(webhook_url, '-'), ',') as w from clients")).rows[0];
  return `${counts.join(" ")} ${JSON.stringify(control)} ${clients.w}`;
}

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain(), startTestDb("relayer_hostile")]);
  app = await buildApp({ config: testConfig(db, chain, { BODY_LIMIT_BYTES: "4096" }) });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  key = (
    await app.inject({ method: "POST", url: "/v1/admin/clients", headers: adminHeaders, payload: { name: "hostile" } })
  ).json().apiKey.key;
  await chain.createElection(1, { choices: 3 });
  await chain.createElection(2, { opensIn: 3600, closesIn: 7200 });
  // known to the relayer, and one vote already in
  const first = await app.inject({
    method: "POST",
    url: "/v1/elections/1/votes",
    headers: { authorization: `Bearer ${key}` },
    payload: { voterId: "already-voted", choice: 0 },
  });
  expect(first.statusCode).toBe(202);
  await app.inject({
    method: "POST",
    url: "/v1/elections/2/votes",
    headers: { authorization: `Bearer ${key}` },
    payload: { voterId: "x", choice: 0 },
  });
});

afterAll(async () => {
  await app?.close();
  await sql?.end();
  await chain?.stop();
  await db?.drop();
});

function hostileRequests(): (InjectOptions & { label: string })[] {
  const auth = { authorization: `Bearer ${key}` };
  const vote = (label: string, payload: unknown, extra: Partial<InjectOptions> = {}) => ({
    label,
    method: "POST" as const,
    url: "/v1/elections/1/votes",
    headers: { ...auth, "content-type": "application/json", ...(extra.headers ?? {}) },
    payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    ...(extra.url ? { url: extra.url } : {}),
  });
  const cases: (InjectOptions & { label: string })[] = [];

  // authentication
  for (const header of [
    undefined,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    `Bearer ${"a".repeat(600)}`,
    "Bearer vt_' or '1'='1",
    "Bearer vt_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    `Bearer ${key.slice(0, -1)}`,
    `Bearer ${key.toUpperCase()}`,
    `Bearer ${ADMIN_KEY}`,
    `bearer ${key}x`,
    `Bearer ${key} extra`,
    ["Bearer $", "{jndi:ldap://x}"].join(""),
  ]) {
    cases.push({
      label: `vote with authorization ${JSON.stringify(header?.slice(0, 40))}`,
      method: "POST",
      url: "/v1/elections/1/votes",
      headers: header === undefined ? {} : { authorization: header },
      payload: { voterId: "auth-probe", choice: 0 },
    });
  }
  for (const header of [undefined, `Bearer ${key}`, "Bearer wrong-admin-key-0000000000", `Bearer ${ADMIN_KEY}x`]) {
    for (const [method, url, payload] of [
      ["GET", "/v1/admin/stats", undefined],
      ["POST", "/v1/admin/intake/pause", undefined],
      ["POST", "/v1/admin/clients", { name: "evil" }],
      ["PUT", "/v1/admin/clients/1/webhook", { url: "https://example.org/x" }],
    ] as const) {
      cases.push({
        label: `admin ${method} ${url} with ${JSON.stringify(header?.slice(0, 20))}`,
        method,
        url,
        headers: header === undefined ? {} : { authorization: header },
        ...(payload ? { payload } : {}),
      });
    }
  }

  // the election id in the path
  for (const id of [
    "-1",
    "1.5",
    "abc",
    "1e3",
    "0x1",
    "%00",
    "1%20OR%201=1",
    "1;drop%20table%20votes",
    "9".repeat(79),
    (2n ** 256n).toString(),
    "%2e%2e%2fadmin",
  ]) {
    cases.push(
      vote(`election id ${id.slice(0, 20)}`, { voterId: "p", choice: 0 }, { url: `/v1/elections/${id}/votes` }),
    );
  }
  cases.push(vote("unknown election", { voterId: "p", choice: 0 }, { url: "/v1/elections/424242/votes" }));
  cases.push(vote("election not open yet", { voterId: "p2", choice: 0 }, { url: "/v1/elections/2/votes" }));

  // bodies
  for (const [label, body] of [
    ["invalid JSON", "{"],
    ["JSON with trailing garbage", '{"voterId":"a","choice":0}x'],
    ["empty body", ""],
    ["array", "[]"],
    ["null", "null"],
    ["string", '"hello"'],
    ["number", "42"],
    ["deeply nested", `${"[".repeat(5000)}${"]".repeat(5000)}`],
  ] as const) {
    cases.push(vote(`body ${label}`, body));
  }
  for (const [label, payload] of [
    ["missing voterId", { choice: 0 }],
    ["missing choice", { voterId: "m" }],
    ["unknown field", { voterId: "m", choice: 0, admin: true }],
    ["unknown field seq", { voterId: "m", choice: 0, seq: 5 }],
    ["choice -1", { voterId: "m", choice: -1 }],
    ["choice 65536", { voterId: "m", choice: 65536 }],
    ["choice 1.5", { voterId: "m", choice: 1.5 }],
    ["choice string", { voterId: "m", choice: "1" }],
    ["choice null", { voterId: "m", choice: null }],
    ["choice true", { voterId: "m", choice: true }],
    ["choice array", { voterId: "m", choice: [1] }],
    ["choice object", { voterId: "m", choice: { $gt: 0 } }],
    ["choice huge", { voterId: "m", choice: 1e300 }],
    ["choice out of range for the election", { voterId: "m", choice: 3 }],
    ["choice 65535 out of range", { voterId: "m", choice: 65535 }],
    ["voterId empty", { voterId: "", choice: 0 }],
    ["voterId too long", { voterId: "v".repeat(257), choice: 0 }],
    ["voterId number", { voterId: 123, choice: 0 }],
    ["voterId null", { voterId: null, choice: 0 }],
    ["voterId object", { voterId: { $ne: null }, choice: 0 }],
    ["voterId array", { voterId: ["a"], choice: 0 }],
    ["duplicate voter", { voterId: "already-voted", choice: 1 }],
  ] as const) {
    cases.push(vote(label, payload));
  }
  cases.push(vote("__proto__ pollution", '{"voterId":"pp","choice":0,"__proto__":{"admin":true}}'));
  cases.push(vote("constructor pollution", '{"voterId":"pp","choice":0,"constructor":{"prototype":{"admin":true}}}'));
  cases.push(vote("body over the limit", { voterId: "big", choice: 0, pad: "x".repeat(10_000) }));
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"]) {
    cases.push({
      label: `content-type ${type}`,
      method: "POST",
      url: "/v1/elections/1/votes",
      headers: { ...auth, "content-type": type },
      payload: "voterId=a&choice=0",
    });
  }
  for (const idem of ["x".repeat(256), "bad key with spaces", "tab\there", "ключ"]) {
    cases.push(
      vote(
        `idempotency key ${idem.slice(0, 10)}`,
        { voterId: "idem-probe", choice: 0 },
        { headers: { "idempotency-key": idem } },
      ),
    );
  }

  // the public status route
  for (const ref of [
    "x",
    "' or 1=1 --",
    "0x1234",
    `0x${"zz".repeat(16)}`,
    "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAA",
    "%00",
    `0x${"ab".repeat(16)}`,
    "a".repeat(81),
  ]) {
    cases.push({ label: `status of ${ref.slice(0, 12)}`, method: "GET", url: `/v1/votes/${encodeURIComponent(ref)}` });
  }

  // admin with the right key but bad input
  const now = Date.now();
  const good = {
    metadata: { title: "T", choices: ["A", "B"] },
    opensAt: new Date(now).toISOString(),
    closesAt: new Date(now + 3_600_000).toISOString(),
    recordUntil: new Date(now + 7_200_000).toISOString(),
  };
  for (const [label, payload] of [
    ["no metadata", { ...good, metadata: undefined }],
    ["one choice", { ...good, metadata: { title: "T", choices: ["A"] } }],
    ["empty title", { ...good, metadata: { title: " ", choices: ["A", "B"] } }],
    ["choice label not a string", { ...good, metadata: { title: "T", choices: ["A", 2] } }],
    ["extra metadata field", { ...good, metadata: { title: "T", choices: ["A", "B"], x: 1 } }],
    ["extra field", { ...good, admin: true }],
    ["closesAt before opensAt", { ...good, closesAt: new Date(now - 1000).toISOString() }],
    [
      "closed in the past",
      { ...good, opensAt: new Date(now - 7_200_000).toISOString(), closesAt: new Date(now - 1000).toISOString() },
    ],
    ["recordUntil before closesAt", { ...good, recordUntil: new Date(now + 1000).toISOString() }],
    ["not a date", { ...good, opensAt: "tomorrow" }],
    ["electionId negative", { ...good, electionId: "-5" }],
    ["electionId too big", { ...good, electionId: (2n ** 256n).toString() }],
    ["electionId exists on chain", { ...good, electionId: "1" }],
  ] as const) {
    cases.push({
      label: `create election: ${label}`,
      method: "POST",
      url: "/v1/admin/elections",
      headers: adminHeaders,
      payload,
    });
  }
  for (const [label, payload] of [
    ["empty name", { name: "" }],
    ["control characters", { name: "a\u0000b" }],
    ["name too long", { name: "n".repeat(101) }],
    ["rate limit 0", { name: "r", rateLimitPerMinute: 0 }],
    ["duplicate name", { name: "hostile" }],
    ["extra field", { name: "e", id: 1 }],
  ] as const) {
    cases.push({
      label: `create client: ${label}`,
      method: "POST",
      url: "/v1/admin/clients",
      headers: adminHeaders,
      payload,
    });
  }
  for (const url of [
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://127.0.0.1:5432/",
    "http://localhost/x",
    "http://[::1]/x",
    "http://10.0.0.1/x",
    "http://169.254.169.254/latest/meta-data",
    "https://user:pass@example.org/x",
    "not a url at all",
  ]) {
    cases.push({ label: `webhook ${url}`, method: "PUT", url: "/v1/client/webhook", headers: auth, payload: { url } });
  }
  cases.push({
    label: "revoke unknown key",
    method: "DELETE",
    url: "/v1/admin/clients/1/keys/0000000000000000",
    headers: adminHeaders,
  });
  cases.push({
    label: "revoke malformed key",
    method: "DELETE",
    url: "/v1/admin/clients/1/keys/zz",
    headers: adminHeaders,
  });
  cases.push({
    label: "keys of unknown client",
    method: "POST",
    url: "/v1/admin/clients/999/keys",
    headers: adminHeaders,
  });
  cases.push({
    label: "close unknown election",
    method: "POST",
    url: "/v1/admin/elections/999/close",
    headers: adminHeaders,
  });
  cases.push({
    label: "pause unknown election",
    method: "POST",
    url: "/v1/admin/elections/999/pause",
    headers: adminHeaders,
  });

  // routes and methods that do not exist
  for (const [method, url] of [
    ["PUT", "/v1/elections/1/votes"],
    ["DELETE", "/v1/votes/x"],
    ["GET", "/v1/admin"],
    ["GET", "/../../etc/passwd"],
    ["GET", "/v1/elections/1/votes/../../admin/stats"],
    ["POST", "/v1/admin/stats"],
  ] as const) {
    cases.push({ label: `${method} ${url}`, method, url, headers: auth });
  }
  return cases;
}

it("answers at least 100 malformed or hostile requests with a 4xx each and writes nothing", async () => {
  const cases = hostileRequests();
  expect(cases.length).toBeGreaterThanOrEqual(100);
  const before = await snapshot();
  const failures: string[] = [];
  const codes = new Map<string, number>();
  for (const { label, ...request } of cases) {
    const res = await app.inject(request);
    const code = `${res.statusCode} ${res.body.startsWith("{") ? res.json().error?.code : "?"}`;
    codes.set(code, (codes.get(code) ?? 0) + 1);
    const body = res.body;
    let shapeOk = false;
    try {
      const json = JSON.parse(body);
      shapeOk =
        typeof json.error?.code === "string" &&
        typeof json.error?.message === "string" &&
        Object.keys(json).length === 1;
    } catch {}
    if (
      res.statusCode < 400 ||
      res.statusCode >= 500 ||
      !shapeOk ||
      /\bat .+\.(ts|js):\d+|stack|select |insert /i.test(body)
    ) {
      failures.push(`${label}: ${res.statusCode} ${body.slice(0, 200)}`);
    }
  }
  expect(failures).toEqual([]);
  expect(await snapshot()).toBe(before);
  // the answers are specific, not one blanket refusal
  for (const code of [
    "400 invalid_json",
    "400 invalid_request",
    "400 invalid_input",
    "401 unauthorized",
    "404 unknown_election",
    "409 duplicate_voter",
    "413 body_too_large",
    "415 unsupported_media_type",
    "422 choice_out_of_range",
    "422 election_not_open",
  ]) {
    expect(codes.get(code), code).toBeGreaterThan(0);
  }
});

it("names the field and the problem", async () => {
  const res = await app.inject({
    method: "POST",
    url: "/v1/elections/1/votes",
    headers: { authorization: `Bearer ${key}` },
    payload: { voterId: "x", choice: 1.5 },
  });
  expect(res.json().error.message).toBe("body.choice: must be integer");
});
