/**
 * The request pipeline in this process: the middleware with contexts made by Astro's own
 * createContext (astro/middleware), in front of the real open-data routes, against real indexer
 * and relayer databases and the relayer's stats over HTTP. (src/server.test.ts runs the same code
 * built, as a server; this file lets the coverage see it.)
 */
import { encodeRef } from "@veritally/contracts";
import type { APIContext, APIRoute, MiddlewareNext } from "astro";
import { createContext } from "astro/middleware";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../test-helpers/postgres.js";
import { waitFor } from "./testing/chain.js";
import {
  createIndexerDatabase,
  createRelayerDatabase,
  type RelayerTestDatabase,
  withClient,
} from "./testing/databases.js";
import { type StatsServer, startRelayerStatsServer } from "./testing/relayer-stats-server.js";
import { type SeededElection, seedIndexerElection, seedIndexerStatus, seedRelayerElection } from "./testing/seed.js";

const PASSWORD = "pipeline-admin-password";
const RELAYER_KEY = "pipeline-relayer-admin-key";

let indexerDb: TestDatabase;
let relayerDb: RelayerTestDatabase;
let stats: StatsServer;
let election: SeededElection;
let onRequest: (ctx: APIContext, next: MiddlewareNext) => Promise<Response>;
let routes: [RegExp, string[], Record<string, APIRoute>][];
let fetchStats: typeof import("./lib/relayer-stats.js").fetchRelayerStats;
let createAdminAuth: typeof import("./lib/admin-auth.js").createAdminAuth;
let DatabaseUnavailable: typeof import("./lib/db.js").DatabaseUnavailableError;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [indexerDb, relayerDb] = await Promise.all([createIndexerDatabase("portal_mw"), createRelayerDatabase("portal_mw")]);
  const spec = {
    id: "3",
    title: "Park renovation",
    choices: ["Yes", "No"],
    votes: 3000,
    batchSize: 300,
    firstBlock: 20,
  };
  await withClient(indexerDb.url, async (c) => {
    election = await seedIndexerElection(c, spec);
    await seedIndexerStatus(c, { height: 40, chainHead: 41 });
  });
  await withClient(relayerDb.url, (c) =>
    seedRelayerElection(c, spec, {
      queued: [{ ref: `0x${"31".repeat(16)}`, choice: 1, voteHash: `0x${"32".repeat(32)}` }],
    }),
  );
  stats = await startRelayerStatsServer({ databaseUrl: relayerDb.url, adminKey: RELAYER_KEY });
  // The process's configuration is read on first use: set it before anything runs.
  Object.assign(process.env, {
    INDEXER_DATABASE_URL: indexerDb.url,
    RELAYER_AUDIT_DATABASE_URL: relayerDb.auditUrl,
    PORTAL_ADMIN_PASSWORD: PASSWORD,
    RELAYER_URL: stats.url,
    RELAYER_ADMIN_KEY: RELAYER_KEY,
    EXPLORER_URL: "https://explorer.example",
  });
  ({ onRequest } = (await import("./middleware.js")) as unknown as { onRequest: typeof onRequest });
  routes = [
    [/^\/api\/elections\.json$/, [], await import("./pages/api/elections.json.js")],
    [/^\/api\/elections\/([^/]+)\.json$/, ["id"], await import("./pages/api/elections/[id].json.js")],
    [/^\/api\/elections\/([^/]+)\/votes\.csv$/, ["id"], await import("./pages/api/elections/[id]/votes.csv.js")],
    [
      /^\/api\/elections\/([^/]+)\/cross-check\.json$/,
      ["id"],
      await import("./pages/api/elections/[id]/cross-check.json.js"),
    ],
    [/^\/api\/votes\/([^/]+)\.json$/, ["ref"], await import("./pages/api/votes/[ref].json.js")],
    [/^\/admin\/logout$/, [], await import("./pages/admin/logout.js")],
  ];
  ({ fetchRelayerStats: fetchStats } = await import("./lib/relayer-stats.js"));
  ({ createAdminAuth } = await import("./lib/admin-auth.js"));
  ({ DatabaseUnavailableError: DatabaseUnavailable } = await import("./lib/db.js"));
}, 120_000);

afterAll(async () => {
  const { portalData } = await import("./lib/data.js");
  await portalData().close();
  await stats?.stop();
  await Promise.all([indexerDb?.drop(), relayerDb?.drop()]);
  process.env = savedEnv;
});

interface Call {
  response: Response;
  ctx: APIContext;
  rewrittenTo: string | undefined;
}

/** One request through the middleware; `page` stands in for an Astro page (pages need Astro's build). */
async function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: BodyInit; page?: () => Promise<Response> } = {},
): Promise<Call> {
  const request = new Request(`http://portal.test${path}`, {
    method: init.method ?? "GET",
    headers: init.headers ?? {},
    ...(init.body ? { body: init.body } : {}),
  });
  const pathname = new URL(request.url).pathname;
  const route = routes.find(([re]) => re.test(pathname));
  const params: Record<string, string> = {};
  if (route) {
    const match = route[0].exec(pathname);
    route[1].forEach((name, i) => {
      params[name] = decodeURIComponent(match?.[i + 1] ?? "");
    });
  }
  const ctx = createContext({ request, params, defaultLocale: "en", locals: {}, clientAddress: "127.0.0.1" });
  let rewrittenTo: string | undefined;
  ctx.rewrite = async (to) => {
    rewrittenTo = String(to);
    return new Response("rewritten", { status: 503 });
  };
  const next: MiddlewareNext = async () => {
    if (route) {
      const handler = route[2][request.method] ?? route[2].GET;
      if (!handler) return new Response(null, { status: 405 });
      return handler(ctx);
    }
    return init.page ? init.page() : new Response("<p>page</p>", { headers: { "content-type": "text/html" } });
  };
  const response = await onRequest(ctx, next);
  return { response, ctx, rewrittenTo };
}

describe("caching by indexed height", () => {
  it("renders a URL once per height for every request, with an ETag, and answers 304 for it", async () => {
    let renders = 0;
    const page = async () => {
      renders++;
      await new Promise((r) => setTimeout(r, 20));
      return new Response(`<p>render ${renders}</p>`, { headers: { "content-type": "text/html" } });
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => call("/elections/3", { page })));
    expect(renders).toBe(1);
    const bodies = await Promise.all(answers.map((a) => a.response.text()));
    expect(new Set(bodies)).toEqual(new Set(["<p>render 1</p>"]));
    const first = answers[0]?.response as Response;
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/-40-/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=5, stale-while-revalidate=30");
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    const again = await call("/elections/3", { page, headers: { "if-none-match": etag } });
    expect(again.response.status).toBe(304);
    const head = await call("/elections/3", { page, method: "HEAD" });
    expect(await head.response.text()).toBe("");
    expect(renders).toBe(1);

    await withClient(indexerDb.url, (c) => seedIndexerStatus(c, { height: 41, chainHead: 41 }));
    // As soon as the middleware reads the new height (a height read is reused for a moment);
    // the 304s before it render nothing.
    const moved = await waitFor("a fresh answer at the new height", async () => {
      const answer = await call("/elections/3", { page, headers: { "if-none-match": etag } });
      return answer.response.status === 200 ? answer : undefined;
    });
    expect(moved.response.status).toBe(200);
    expect(moved.response.headers.get("etag")).toMatch(/-41-/);
    expect(renders).toBe(2);
  });

  it("gives server.mjs's fast path the kept answer, a 304, or nothing", async () => {
    const { cachedAnswer } = (await import("./middleware.js")) as unknown as {
      cachedAnswer: (
        m: string,
        u: string,
        inm: string | null,
      ) => Promise<{ status: number; headers: Record<string, string>; body: Uint8Array | null } | undefined>;
    };
    expect(await cachedAnswer("GET", "/fast?x=1", null)).toBeUndefined();
    const page = async () => new Response("<p>fast</p>", { headers: { "content-type": "text/html" } });
    const rendered = await call("/fast?x=1", { page });
    const hit = await cachedAnswer("GET", "/fast?x=1", null);
    expect(hit?.status).toBe(200);
    expect(new TextDecoder().decode(hit?.body ?? new Uint8Array())).toBe("<p>fast</p>");
    expect(hit?.headers.etag).toBe(rendered.response.headers.get("etag"));
    expect(hit?.headers["x-frame-options"]).toBe("DENY");
    expect((await cachedAnswer("HEAD", "/fast?x=1", null))?.body).toBeNull();
    const notModified = await cachedAnswer("GET", "/fast?x=1", hit?.headers.etag ?? "");
    expect(notModified).toMatchObject({ status: 304, body: null });
    expect(await cachedAnswer("GET", "/fast?x=2", null)).toBeUndefined();
    expect(await cachedAnswer("POST", "/fast?x=1", null)).toBeUndefined();
    expect(await cachedAnswer("GET", "/admin", null)).toBeUndefined();
    expect(await cachedAnswer("GET", "/api/elections/3/votes.csv", null)).toBeUndefined();
  });

  it("does not keep a failed rendering", async () => {
    let renders = 0;
    const page = async () => {
      renders++;
      return new Response("oops", { status: 500 });
    };
    expect((await call("/broken", { page })).response.headers.get("cache-control")).toBe("no-store");
    await call("/broken", { page });
    expect(renders).toBe(2);
  });
});

describe("open data through the pipeline", () => {
  it("lists elections and gives one election's figures", async () => {
    const list = (await (await call("/api/elections.json")).response.json()) as {
      elections: { id: string; totalVotes: number }[];
      indexer: { indexedHeight: number };
    };
    expect(list.elections).toEqual([expect.objectContaining({ id: "3", totalVotes: 3000 })]);
    const one = await call("/api/elections/3.json");
    expect(one.response.headers.get("etag")).toBeTruthy();
    const body = (await one.response.json()) as { tally: { count: number }[]; batches: { count: number } };
    expect(body.tally.map((t) => t.count)).toEqual(election.tally);
    expect(body.batches.count).toBe(10);
    for (const path of ["/api/elections/x.json", "/api/elections/9.json"]) {
      const res = (await call(path)).response;
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "unknown_election" } });
    }
  });

  it("gives a vote by either form of its ref, 404 or an empty lookup when unknown, 400 when malformed", async () => {
    const v = election.vote(77);
    const byHuman = (await (await call(`/api/votes/${encodeRef(v.ref)}.json`)).response.json()) as {
      votes: { seq: string; confirmations: number }[];
    };
    expect(byHuman.votes[0]).toMatchObject({ seq: "77", confirmations: 41 - 20 + 1 });
    const unknown = `0x${"99".repeat(16)}`;
    expect((await call(`/api/votes/${unknown}.json`)).response.status).toBe(404);
    const lookup = await call(`/api/votes/${unknown}.json?lookup`);
    expect(lookup.response.status).toBe(200);
    expect(await lookup.response.json()).toMatchObject({ votes: [], ref: null });
    expect((await call("/api/votes/zzz.json")).response.status).toBe(400);
  });

  it("streams the CSV with an ETag and without keeping it", async () => {
    const res = (await call("/api/elections/3/votes.csv")).response;
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBeTruthy();
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="election-3-votes.csv"');
    expect((await res.text()).trim().split("\n")).toHaveLength(3001);
    expect((await call("/api/elections/9/votes.csv")).response.status).toBe(404);
    expect((await call("/api/elections/x/votes.csv")).response.status).toBe(404);
  });

  it("gives the cross-check", async () => {
    const body = (await (await call("/api/elections/3/cross-check.json")).response.json()) as {
      verdict: string;
      matched: number;
    };
    expect(body).toMatchObject({ verdict: "consistent_in_flight", matched: 3000 });
    expect((await call("/api/elections/9/cross-check.json")).response.status).toBe(404);
    expect((await call("/api/elections/y/cross-check.json")).response.status).toBe(404);
  });
});

describe("when a database is down", () => {
  it("answers JSON 503 under /api and sends pages to the unavailable page", async () => {
    const down = async () => {
      throw new DatabaseUnavailable("indexer", "the indexer database at postgres://x:***@h/db is not reachable");
    };
    const page = await call("/admin/anything", {
      headers: { authorization: `Basic ${Buffer.from(`ops:${PASSWORD}`).toString("base64")}` },
      page: down,
    });
    expect(page.rewrittenTo).toBe("/unavailable");
    expect(page.ctx.locals.outage).toMatchObject({ database: "indexer" });
    // Under /api the answer is JSON (a route that throws the same way).
    routes.push([/^\/api\/broken$/, [], { GET: down }]);
    const json = await call("/api/broken");
    expect(json.response.status).toBe(503);
    expect(await json.response.json()).toMatchObject({ error: { code: "database_unavailable" } });
    await expect(call("/other", { page: () => Promise.reject(new Error("a bug")) })).rejects.toThrow("a bug");
  });
});

describe("/admin", () => {
  const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`ops:${password}`).toString("base64")}` });

  it("redirects to the login without credentials, 401 with a wrong password, passes with the right one", async () => {
    const none = (await call("/admin")).response;
    expect(none.status).toBe(303);
    expect(none.headers.get("location")).toBe("/admin/login?next=%2Fadmin");
    const wrong = (await call("/admin", { headers: basic("wrong") })).response;
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Basic/);
    const right = (await call("/admin", { headers: basic(PASSWORD) })).response;
    expect(right.status).toBe(200);
    expect(right.headers.get("cache-control")).toBe("no-store");
    // The login page itself is open.
    expect((await call("/admin/login")).response.status).toBe(200);
  });

  it("accepts a session cookie and logs out", async () => {
    const session = createAdminAuth({ password: PASSWORD }).newSession();
    const cookie = { cookie: `vt_admin=${session.value}` };
    expect((await call("/admin", { headers: cookie })).response.status).toBe(200);
    const out = (await call("/admin/logout", { method: "POST", headers: cookie })).response;
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/");
  });
});

describe("the relayer's stats", () => {
  it("are read with the admin key, and every failure is a reason, not an exception", async () => {
    const ok = await fetchStats({ url: stats.url, adminKey: RELAYER_KEY });
    expect(ok.ok && ok.stats.queue.depth).toBe(1);
    expect(await fetchStats({ url: stats.url, adminKey: "wrong" })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("refused RELAYER_ADMIN_KEY"),
    });
    expect(await fetchStats({ url: undefined, adminKey: "k" })).toMatchObject({ reason: "RELAYER_URL is not set" });
    expect(await fetchStats({ url: stats.url, adminKey: undefined })).toMatchObject({ ok: false });
    expect(await fetchStats({ url: `${stats.url}/nowhere`, adminKey: RELAYER_KEY })).toMatchObject({
      reason: expect.stringContaining("HTTP 404"),
    });
    expect(await fetchStats({ url: "http://127.0.0.1:1", adminKey: RELAYER_KEY, timeoutMs: 500 })).toMatchObject({
      reason: expect.stringContaining("did not answer"),
    });
  });
});
