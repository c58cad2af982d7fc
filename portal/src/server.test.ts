/**
 * The built portal over real HTTP, against real indexer and relayer databases: pages, open data,
 * caching by indexed height, errors (404, 400, a database that is down), admin authentication.
 */
import { encodeRef } from "@veritally/contracts";
import { freePort } from "@veritally/contracts/local-node";
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
import { type PortalServer, startPortal } from "./testing/server.js";

const ADMIN_PASSWORD = "portal-admin-password-for-tests";
const RELAYER_KEY = "relayer-admin-key-for-portal-tests";

let indexerDb: TestDatabase;
let relayerDb: RelayerTestDatabase;
let portal: PortalServer;
let stats: StatsServer;
let seven: SeededElection;

/** Choice labels that start a spreadsheet formula (OWASP's list: = + - @, tab, carriage return). */
const FORMULA_LABELS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"];

beforeAll(async () => {
  [indexerDb, relayerDb] = await Promise.all([
    createIndexerDatabase("portal_http"),
    createRelayerDatabase("portal_http"),
  ]);
  const spec = {
    id: "7",
    title: "Library referendum",
    choices: ["Yes", "No"],
    votes: 20_000,
    batchSize: 500,
    firstBlock: 50,
  };
  await withClient(indexerDb.url, async (c) => {
    seven = await seedIndexerElection(c, spec);
    await seedIndexerElection(c, {
      id: "8",
      title: "Labels a spreadsheet would run",
      choices: [...FORMULA_LABELS, "Plain"],
      votes: FORMULA_LABELS.map((_, i) => ({
        seq: i,
        ref: `0x${(i + 1).toString(16).padStart(32, "0")}`,
        choice: i,
        voteHash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
      })),
      firstBlock: 150,
    });
    await seedIndexerStatus(c, { height: 200, chainHead: 202 });
  });
  await withClient(relayerDb.url, (c) =>
    seedRelayerElection(c, spec, {
      alter: (v) => (v.seq === 1234 ? { ...v, choice: 1 - v.choice } : v),
      queued: [{ ref: `0x${"77".repeat(16)}`, choice: 0, voteHash: `0x${"88".repeat(32)}` }],
    }),
  );
  stats = await startRelayerStatsServer({ databaseUrl: relayerDb.url, adminKey: RELAYER_KEY });
  portal = await startPortal({
    INDEXER_DATABASE_URL: indexerDb.url,
    RELAYER_AUDIT_DATABASE_URL: relayerDb.auditUrl,
    PORTAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    RELAYER_URL: stats.url,
    RELAYER_ADMIN_KEY: RELAYER_KEY,
    EXPLORER_URL: "https://explorer.example",
  });
}, 240_000);

afterAll(async () => {
  await portal?.stop();
  await stats?.stop();
  await Promise.all([indexerDb?.drop(), relayerDb?.drop()]);
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${portal.url}${path}`, { headers, redirect: "manual" });

describe("pages", () => {
  it("lists the elections, with security headers", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self';");
    const html = await res.text();
    expect(html).toContain("Library referendum");
    expect(html).toContain("20,000");
  });

  it("shows the audit page with the tally, the verdict and explorer links", async () => {
    const res = await get("/elections/7");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-verdict="complete"');
    expect(html).toContain(`${(seven.tally[0] ?? 0).toLocaleString("en-US")}`);
    expect(html).toContain(`https://explorer.example/tx/${seven.batches[39]?.txHash}`);
    expect(html).toContain('id="tally-chart"');
    expect(html).toContain('id="timeline-chart"');
  });

  it("answers an unknown election or ref with a real 404 page, and a malformed ref with 400", async () => {
    for (const path of [
      "/elections/999",
      "/elections/abc",
      "/elections/999/cross-check",
      `/votes/0x${"00".repeat(16)}`,
      "/nowhere",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toContain("<h1>Not found</h1>");
    }
    const bad = await get("/votes/not-a-ref");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("ref: expected 27 characters");
  });

  it("shows one vote's public record by its human reference", async () => {
    const v = seven.vote(4321);
    const res = await get(`/votes/${encodeRef(v.ref)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(v.voteHash);
    expect(html).toContain("confirmations");
  });

  it("reports the planted mismatch on the cross-check page", async () => {
    const html = await (await get("/elections/7/cross-check")).text();
    expect(html).toContain('data-verdict="inconsistent"');
    expect(html).toContain('data-seq="1234"');
  });
});

describe("open data", () => {
  it("gives an election's figures as JSON", async () => {
    const res = await get("/api/elections/7.json");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { totalVotes: number; tally: { label: string; count: number }[] };
    expect(body.totalVotes).toBe(20_000);
    expect(body.tally.map((t) => t.count)).toEqual(seven.tally);
    expect(body.tally.map((t) => t.label)).toEqual(["Yes", "No"]);
  });

  it("gives a vote's record as JSON, with confirmations from the indexer's view of the head", async () => {
    const v = seven.vote(10);
    const body = (await (await get(`/api/votes/${v.ref}.json`)).json()) as {
      votes: { seq: string; voteHash: string; confirmations: number; choices: string[] }[];
    };
    expect(body.votes).toHaveLength(1);
    expect(body.votes[0]).toMatchObject({ seq: "10", voteHash: v.voteHash, confirmations: 202 - 50 + 1 });
    expect(body.votes[0]?.choices).toEqual(["Yes", "No"]);
  });

  it("answers JSON errors in JSON", async () => {
    const unknown = await get(`/api/votes/0x${"00".repeat(16)}.json`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "unknown_ref" } });
    const bad = await get("/api/votes/xyz.json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_ref" } });
    expect((await get("/api/elections/12.json")).status).toBe(404);
  });

  it('never lets a browser or the cache keep "not on the chain yet"; a found record is cached', async () => {
    const missing = await get(`/api/votes/0x${"3d".repeat(16)}.json?lookup`);
    expect(missing.status).toBe(200);
    expect(((await missing.json()) as { votes: unknown[] }).votes).toEqual([]);
    expect(missing.headers.get("cache-control")).toBe("no-store");
    expect(missing.headers.get("etag")).toBeNull();
    const v = seven.vote(5);
    const found = await get(`/api/votes/${v.ref}.json?lookup`);
    expect(found.headers.get("etag")).not.toBeNull();
    expect(found.headers.get("cache-control")).not.toBe("no-store");
  });

  it("gives every vote of a ref's bucket for the private lookup, and refuses a malformed prefix", async () => {
    const v = seven.vote(77);
    const prefix = v.ref.slice(2, 6);
    const res = await get(`/api/votes/prefix/${prefix}.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { votes: { ref: string }[] };
    expect(body.votes.map((x) => x.ref)).toContain(v.ref);
    expect(body.votes.every((x) => x.ref.startsWith(`0x${prefix}`))).toBe(true);
    // Election 7 is all on chain; election 8's refs are 0x00…, outside this bucket.
    const inBucket = Array.from({ length: seven.voteCount }, (_, i) => seven.vote(i).ref).filter((r) =>
      r.startsWith(`0x${prefix}`),
    );
    expect(body.votes).toHaveLength(inBucket.length);
    for (const bad of ["3c", "3c3c3c", "zzzz", "3C3C"]) {
      const refused = await get(`/api/votes/prefix/${bad}.json`);
      expect(refused.status, bad).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("invalid_prefix");
    }
  });

  it("streams every vote as CSV", async () => {
    const res = await get("/api/elections/7/votes.csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("transfer-encoding")).toBe("chunked");
    const lines = (await res.text()).trim().split("\n");
    expect(lines).toHaveLength(20_001);
    expect(lines[20_000]?.split(",")[1]).toBe("19999");
  });

  it("neutralises choice labels a spreadsheet would run as formulas in the CSV", async () => {
    const res = await get("/api/elections/8/votes.csv");
    expect(res.status).toBe(200);
    const rows = (await res.text()).trim().split("\n").slice(1);
    expect(rows).toHaveLength(FORMULA_LABELS.length);
    for (const label of FORMULA_LABELS) {
      // The label's field starts with an apostrophe (CSV may quote it); never with the label itself.
      expect(
        rows.some(
          (r) => r.includes(`,'${label.replaceAll('"', '""')}`) || r.includes(`,"'${label.replaceAll('"', '""')}`),
        ),
      ).toBe(true);
      expect(rows.some((r) => r.includes(`,${label},`) || r.includes(`,"${label.replaceAll('"', '""')}"`))).toBe(false);
    }
  });

  it("gives the cross-check as JSON", async () => {
    const body = (await (await get("/api/elections/7/cross-check.json")).json()) as {
      verdict: string;
      matched: number;
      mismatches: { count: number };
      pending: { count: number };
    };
    expect(body).toMatchObject({
      verdict: "inconsistent",
      matched: 19_999,
      mismatches: { count: 1 },
      pending: { count: 1 },
    });
  });
});

describe("caching by indexed height", () => {
  it("sends an ETag and a short max-age, answers 304 for it, and a new ETag once the height moves", async () => {
    const first = await get("/elections/7");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^".+-200-.+"$/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=5, stale-while-revalidate=30");
    const again = await get("/elections/7", { "if-none-match": etag ?? "" });
    expect(again.status).toBe(304);
    // Other URLs at the same height have their own tags.
    expect((await get("/elections/7/cross-check")).headers.get("etag")).not.toBe(etag);

    await withClient(indexerDb.url, (c) => seedIndexerStatus(c, { height: 201, chainHead: 202 }));
    // As soon as the server reads the new height (it reuses a height read for a moment):
    const moved = await waitFor("a fresh answer at the new height", async () => {
      const res = await get("/elections/7", { "if-none-match": etag ?? "" });
      return res.status === 200 ? res : undefined;
    });
    expect(moved.status).toBe(200);
    expect(moved.headers.get("etag")).toMatch(/-201-/);
  });

  it("serves the same rendering to every request at one height", async () => {
    const bodies = await Promise.all(
      Array.from({ length: 20 }, () => get("/api/elections/7.json").then((r) => r.text())),
    );
    expect(new Set(bodies).size).toBe(1);
  });
});

describe("/admin", () => {
  it("sends a visitor without credentials to the login form", async () => {
    const res = await get("/admin");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/login?next=%2Fadmin");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a wrong password and accepts the right one with basic auth", async () => {
    const wrong = await get("/admin", { authorization: `Basic ${Buffer.from("ops:nope").toString("base64")}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Basic");
    const right = await get("/admin", {
      authorization: `Basic ${Buffer.from(`ops:${ADMIN_PASSWORD}`).toString("base64")}`,
    });
    expect(right.status).toBe(200);
    const html = await right.text();
    // The relayer's figures (one queued vote) and the chain's (elections 7 and 8: 20,006 votes in 41 batches).
    expect(html).toMatch(/data-testid="queue-depth"[^>]*>1</);
    expect(html).toContain("20,006 votes in 41 batches");
    expect(html).toContain('id="throughput-chart"');
    expect(html).toContain('id="latency-chart"');
  });

  it("pages through every batch of the audit page", async () => {
    const html = await (await get("/elections/7")).text();
    // 40 batches of 500: the latest 25 (seqs 7,500 to 19,999), then a link to the older ones.
    expect(html).toContain('href="/elections/7?before=7500#batches"');
    expect(html).not.toContain(`/tx/${seven.batches[0]?.txHash}`);
    const older = await (await get("/elections/7?before=7500")).text();
    expect(older).toContain(`/tx/${seven.batches[0]?.txHash}`);
    expect(older).toContain(`/tx/${seven.batches[14]?.txHash}`);
    expect(older).not.toContain(`/tx/${seven.batches[15]?.txHash}`);
    expect(older).not.toContain("?before=");
  });

  it("logs in through the form with a session cookie", async () => {
    const form = new URLSearchParams({ password: ADMIN_PASSWORD, next: "/admin" });
    const login = await fetch(`${portal.url}/admin/login`, {
      method: "POST",
      body: form,
      headers: { origin: portal.url },
      redirect: "manual",
    });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/admin");
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/vt_admin=\d+\.[\w-]{43}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const page = await get("/admin", { cookie: cookie.split(";")[0] ?? "" });
    expect(page.status).toBe(200);
    const forged = await get("/admin", { cookie: "vt_admin=9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(forged.status).toBe(303);
  });

  it("says so when the password is wrong on the form", async () => {
    const res = await fetch(`${portal.url}/admin/login`, {
      method: "POST",
      body: new URLSearchParams({ password: "wrong" }),
      headers: { origin: portal.url },
      redirect: "manual",
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Wrong password.");
  });
});

describe("when a database is down", () => {
  it("shows a clear 503 page, JSON under /api, and no stack trace", async () => {
    const dead = await freePort();
    const down = await startPortal({
      INDEXER_DATABASE_URL: `postgres://portal:secret-pw@127.0.0.1:${dead}/veritally_indexer`,
    });
    try {
      for (const path of ["/", "/elections/7", "/verify"]) {
        const res = await fetch(`${down.url}${path}`);
        expect(res.status, path).toBe(503);
        expect(res.headers.get("retry-after")).toBe("10");
        const html = await res.text();
        expect(html).toContain("Temporarily unavailable");
        expect(html).not.toMatch(/at \S+\.mjs|Error:|secret-pw/);
      }
      const api = await fetch(`${down.url}/api/elections/7.json`);
      expect(api.status).toBe(503);
      expect(await api.json()).toMatchObject({ error: { code: "database_unavailable" } });
      expect(down.output()).not.toContain("secret-pw");
    } finally {
      await down.stop();
    }
  });

  it("keeps serving the chain's pages when only the relayer's database is down", async () => {
    const dead = await freePort();
    const partial = await startPortal({
      INDEXER_DATABASE_URL: indexerDb.url,
      RELAYER_AUDIT_DATABASE_URL: `postgres://portal@127.0.0.1:${dead}/veritally_relayer`,
    });
    try {
      expect((await fetch(`${partial.url}/elections/7`)).status).toBe(200);
      const res = await fetch(`${partial.url}/elections/7/cross-check`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("records cannot be reached right now");
    } finally {
      await partial.stop();
    }
  });
});
