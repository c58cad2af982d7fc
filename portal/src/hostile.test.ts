/**
 * The portal against a hostile visitor and hostile chain data, over real HTTP on a portal of its
 * own (the login limiter is per process): headers on static files, HSTS and the Secure cookie
 * behind a trusted TLS proxy, login bodies that are not a form, one limiter for the form and
 * basic auth, and bidirectional controls in chain text.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../test-helpers/postgres.js";
import { createIndexerDatabase, withClient } from "./testing/databases.js";
import { seedIndexerElection, seedIndexerStatus } from "./testing/seed.js";
import { type PortalServer, startPortal } from "./testing/server.js";

const PASSWORD = "portal-hostile-password-for-tests";
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString("base64")}`;
const astroDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/client/_astro");

let indexerDb: TestDatabase;
let portal: PortalServer;

const login = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  fetch(`${portal.url}/admin/login`, {
    method: "POST",
    body,
    headers: { origin: portal.url, ...headers },
    redirect: "manual",
  });

beforeAll(async () => {
  indexerDb = await createIndexerDatabase("portal_hostile");
  await withClient(indexerDb.url, async (c) => {
    await seedIndexerElection(c, {
      id: "3",
      // Right-to-left override: shown as written, the title would read "Yes for the park".
      title: "\u202Ekrap eht rof seY",
      choices: ["Yes\u2067 (isolated)\u2069", "No"],
      votes: 4,
      firstBlock: 10,
    });
    await seedIndexerStatus(c, { height: 50, chainHead: 52 });
  });
  portal = await startPortal({
    INDEXER_DATABASE_URL: indexerDb.url,
    PORTAL_ADMIN_PASSWORD: PASSWORD,
    PORTAL_TRUST_PROXY: "true",
  });
});

afterAll(async () => {
  await portal?.stop();
  await indexerDb?.drop();
});

describe("headers on everything", () => {
  it("puts CSP and nosniff on static files, from the very first request", async () => {
    const asset = readdirSync(astroDir).find((f) => f.endsWith(".js"));
    for (const url of ["/favicon.svg", `/_astro/${asset}`]) {
      const res = await fetch(`${portal.url}${url}`);
      expect(res.status, url).toBe(200);
      expect(res.headers.get("content-security-policy"), url).toContain("default-src 'self'");
      expect(res.headers.get("x-content-type-options"), url).toBe("nosniff");
    }
  });

  it("sends HSTS only when a trusted proxy says the visitor came over TLS", async () => {
    for (const url of ["/", "/favicon.svg", "/api/elections.json"]) {
      const tls = await fetch(`${portal.url}${url}`, { headers: { "x-forwarded-proto": "https" } });
      expect(tls.headers.get("strict-transport-security"), url).toBe("max-age=31536000; includeSubDomains");
      const plain = await fetch(`${portal.url}${url}`);
      expect(plain.headers.get("strict-transport-security"), url).toBeNull();
    }
  });

  it("does not believe X-Forwarded-Proto without PORTAL_TRUST_PROXY", async () => {
    const untrusting = await startPortal({ INDEXER_DATABASE_URL: indexerDb.url, PORTAL_ADMIN_PASSWORD: PASSWORD });
    try {
      const res = await fetch(`${untrusting.url}/`, { headers: { "x-forwarded-proto": "https" } });
      expect(res.headers.get("strict-transport-security")).toBeNull();
      const form = await fetch(`${untrusting.url}/admin/login`, {
        method: "POST",
        body: new URLSearchParams({ password: PASSWORD }),
        headers: { origin: untrusting.url, "x-forwarded-proto": "https" },
        redirect: "manual",
      });
      expect(form.status).toBe(303);
      expect(form.headers.get("set-cookie")).not.toMatch(/Secure/i);
    } finally {
      await untrusting.stop();
    }
  });
});

describe("chain text", () => {
  it("shows bidirectional controls in titles and labels as a visible mark", async () => {
    for (const url of ["/", "/elections/3", "/api/elections/3.json"]) {
      const body = await (await fetch(`${portal.url}${url}`)).text();
      expect(body, url).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
      expect(body, url).toContain("\uFFFDkrap eht rof seY");
    }
    const labels = await (await fetch(`${portal.url}/api/elections/3.json`)).text();
    expect(labels).toContain("Yes\uFFFD (isolated)\uFFFD");
  });
});

describe("the login form", () => {
  it.each([
    [
      "a JSON body",
      JSON.stringify({ password: PASSWORD }),
      { "content-type": "application/json" },
      /body: send the login form/,
    ],
    ["an empty body", null, {}, /body: send the login form/],
    ["plain text", `password=${PASSWORD}`, { "content-type": "text/plain" }, /body: send the login form/],
    ["a form without a password", new URLSearchParams({ next: "/admin" }), {}, /password: missing/],
    ["an empty password", new URLSearchParams({ password: "" }), {}, /password: missing/],
    [
      "a password of 2,000 characters",
      new URLSearchParams({ password: "p".repeat(2000) }),
      {},
      /password: longer than 1,024/,
    ],
    [
      "a broken multipart body",
      '--x\r\nContent-Disposition: form-data; name="password"\r\n\r\nabc',
      { "content-type": "multipart/form-data; boundary=y" },
      /body: not a readable form|password: missing/,
    ],
  ])("answers %s with a 400 naming the field, not a 500", async (_name, body, headers, message) => {
    const res = await login(body as BodyInit | null, headers as Record<string, string>);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(message);
    expect(html).not.toMatch(/at \S+\.mjs|Error:/);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("accepts a multipart form too", async () => {
    const form = new FormData();
    form.set("password", PASSWORD);
    const res = await login(form);
    expect(res.status).toBe(303);
  });

  it("marks the session cookie Secure behind a trusted TLS proxy, and only there", async () => {
    const tls = await login(new URLSearchParams({ password: PASSWORD }), { "x-forwarded-proto": "https" });
    expect(tls.status).toBe(303);
    expect(tls.headers.get("set-cookie")).toMatch(/; Secure/i);
    const plain = await login(new URLSearchParams({ password: PASSWORD }));
    expect(plain.headers.get("set-cookie")).not.toMatch(/Secure/i);
  });
});

// Last: it locks this portal's admin area for the test's address.
describe("one limiter for every way in", () => {
  it("counts basic-auth failures with the form's, and then refuses the right password on both", async () => {
    for (let i = 0; i < 10; i++) {
      const wrong = await fetch(`${portal.url}/admin`, { headers: { authorization: basic(`wrong-${i}`) } });
      expect(wrong.status).toBe(401);
    }
    const right = await fetch(`${portal.url}/admin`, { headers: { authorization: basic(PASSWORD) } });
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toBe("900");
    const form = await login(new URLSearchParams({ password: PASSWORD }));
    expect(form.status).toBe(429);
    expect(form.headers.get("set-cookie")).toBeNull();
  });
});
