/**
 * Secret elections through the built portal over real HTTP and in Debian's Chromium: the indexer's
 * database seeded with one secret election before its tally (one ballot whose proofs fail), one
 * after it (verified from 3 of 5 trustees' shares) and an open election beside them. The election
 * pages, the open data, the tracker check (found, not found, malformed; from a booth's link
 * fragment, without JavaScript), and axe-core at 1280 and 375 px, light and dark.
 */
import { createHash } from "node:crypto";
import { generateKeyPair } from "@veritally/crypto/elgamal";
import { encodePoint } from "@veritally/crypto/group";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../../test-helpers/browser.js";
import type { TestDatabase } from "../../test-helpers/postgres.js";
import { type AuditedBallot, auditedBallot } from "./testing/audited-ballot.js";
import { axeViolations } from "./testing/axe.js";
import { createIndexerDatabase, withClient } from "./testing/databases.js";
import {
  FORGED_BALLOT_REASON,
  type SeededSecretElection,
  seedIndexerElection,
  seedIndexerStatus,
  seedSecretElection,
} from "./testing/seed.js";
import { type PortalServer, startPortal } from "./testing/server.js";

const EXPLORER = "https://explorer.example";
const WIDTHS = [1280, 375] as const;
const INVALID_SEQ = 12;

let db: TestDatabase;
let portal: PortalServer;
let browser: TestBrowser;
let before: SeededSecretElection;
let after: SeededSecretElection;
const absent = `0x${createHash("sha256").update("no such ballot").digest("hex")}`;
const consoleProblems: string[] = [];
const { publicKey } = generateKeyPair();
/** Audited in the booth, never cast (the honest case). */
let audited: AuditedBallot;
/** Audited, and then cast all the same (at seq 0 of election 30). */
let auditedAndCast: AuditedBallot;

beforeAll(async () => {
  const launching = launchBrowser();
  db = await createIndexerDatabase("portal_secret");
  const now = Date.now();
  audited = auditedBallot({ publicKey, electionId: "30", choices: 3, choice: 1 });
  auditedAndCast = auditedBallot({ publicKey, electionId: "30", choices: 3, choice: 0 });
  await withClient(db.url, async (c) => {
    before = await seedSecretElection(c, {
      id: "30",
      electionKey: `0x${Buffer.from(encodePoint(publicKey)).toString("hex")}`,
      givenBallots: [auditedAndCast.encoded],
      title: "Budget priorities",
      choices: ["Park", "Library", "Pool"],
      ballots: 25,
      invalidSeqs: [INVALID_SEQ],
      threshold: 3,
      trustees: 5,
      firstBlock: 100,
    });
    after = await seedSecretElection(c, {
      id: "31",
      title: "Harbour name",
      choices: ["North", "South"],
      ballots: 12,
      opensAt: new Date(now - 5 * 3_600_000),
      closesAt: new Date(now - 3 * 3_600_000),
      recordUntil: new Date(now - 2 * 3_600_000),
      firstBatchAt: new Date(now - 4 * 3_600_000),
      threshold: 3,
      trustees: 5,
      shares: [
        { trustee: 1, valid: true },
        { trustee: 3, valid: true },
        { trustee: 4, valid: true },
        { trustee: 5, valid: false, error: "share: $.trustee is 1, the event's trustee index is 5" },
      ],
      tally: { counts: [7, 5], valid: true },
      firstBlock: 200,
    });
    await seedIndexerElection(c, {
      id: "7",
      title: "Library referendum",
      choices: ["Yes", "No"],
      votes: 40,
      firstBlock: 300,
    });
    await seedIndexerStatus(c, { height: 400, chainHead: 402 });
  });
  portal = await startPortal({ INDEXER_DATABASE_URL: db.url, EXPLORER_URL: EXPLORER });
  browser = await launching;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await db?.drop();
}, 60_000);

/** The text of the element with this data-testid (Astro adds attributes after it). */
function testId(html: string, id: string): string | undefined {
  return new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
}

const get = (path: string) => fetch(`${portal.url}${path}`, { redirect: "manual" });

/** The page's text with tags dropped and spaces collapsed, as a reader sees it. */
async function textOf(path: string): Promise<{ status: number; html: string; text: string }> {
  const res = await get(path);
  const html = await res.text();
  const text = html
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, " ");
  return { status: res.status, html, text };
}

describe("a secret election's page before the tally", () => {
  it("says how many ballots were recorded, that one does not verify, and that the tally is pending", async () => {
    const { status, html, text } = await textOf("/elections/30");
    expect(status).toBe(200);
    expect(testId(html, "ballots-recorded")).toBe("25");
    expect(testId(html, "ballots-valid")).toBe("24");
    expect(testId(html, "ballots-invalid")).toBe("1");
    expect(html).toContain('data-proofs="invalid"');
    expect(text).toContain("1 of 25 ballots do not verify.");
    expect(text).toContain("Tally pending");
    expect(text).toContain("The trustees decrypt only the total, after recording ends");
    expect(html).not.toContain('id="tally-chart"');
    // The integrity issue, as today's list shows issues.
    expect(html).toMatch(new RegExp(`<tr data-seq="${INVALID_SEQ}"`));
    expect(text).toContain(FORGED_BALLOT_REASON);
    expect(html).toContain('data-verdict="problems"');
    expect(text).toContain("1 ballot whose proofs do not verify");
  });

  it("shows completeness as today and the trustees' status: k of n, shares, threshold not reached", async () => {
    const { html, text } = await textOf("/elections/30");
    expect(text).toMatch(/No gap in the sequence passed/);
    expect(testId(html, "threshold")).toBe("3 of 5");
    expect(testId(html, "shares-received")).toBe("0");
    expect(testId(html, "shares-verified")).toBe("0");
    expect(text).toContain("not yet: 3 more verified share(s) needed");
    expect(testId(html, "tally-status")).toBe("pending");
    expect(html).toContain(`${EXPLORER}/tx/${before.batches[2]?.txHash}`);
  });
});

describe("a secret election's page after the tally", () => {
  it("gives the counts per choice, chart and table, verified from 3 of 5 trustees' shares", async () => {
    const { html, text } = await textOf("/elections/31");
    expect(html).toContain('data-testid="verified-from"');
    expect(text).toContain("Verified from 3 of 5 trustees' shares.");
    expect(text).toContain("North won with 58.3 % of the valid ballots.");
    expect(html).toContain('id="tally-chart"');
    expect(text).toMatch(/North 7 58\.3 %/);
    expect(text).toMatch(/South 5 41\.7 %/);
    expect(html).toContain('data-proofs="all-valid"');
    expect(text).toContain("The proofs of all 12 ballots verify.");
    expect(html).toContain('data-verdict="complete"');
    expect(text).toContain("Complete: the 12 ballots recorded carry the sequence numbers 0 to 11 with no gap.");
    expect(testId(html, "threshold-reached")).toMatch(/^yes/);
    expect(text).toContain("trustees 1, 3 and 4");
    // The refused share is listed with its reason.
    expect(text).toContain("refused share: $.trustee is 1, the event's trustee index is 5");
  });

  it("leaves the open election's page as it was", async () => {
    const { html, text } = await textOf("/elections/7");
    expect(html).toContain('data-verdict="complete"');
    expect(text).toContain("Votes recorded");
    expect(text).not.toContain("Secret ballot");
    expect(text).not.toContain("trustees");
  });
});

describe("the open data", () => {
  it("marks the kind of every election, and the trustees' status of secret ones", async () => {
    const body = (await (await get("/api/elections.json")).json()) as {
      elections: { id: string; kind: string; trustees: Record<string, unknown> | null }[];
    };
    const byId = new Map(body.elections.map((e) => [e.id, e]));
    expect(byId.get("7")).toMatchObject({ kind: "open", trustees: null });
    expect(byId.get("30")).toMatchObject({
      kind: "secret",
      trustees: {
        threshold: 3,
        trustees: 5,
        sharesReceived: 0,
        sharesVerified: 0,
        thresholdReached: false,
        tally: "pending",
      },
    });
    expect(byId.get("31")).toMatchObject({
      kind: "secret",
      trustees: {
        sharesReceived: 4,
        sharesVerified: 3,
        verifiedTrustees: [1, 3, 4],
        thresholdReached: true,
        tally: "verified",
      },
    });
    const home = await textOf("/");
    expect(home.text).toContain("#31 · secret ballot");
    expect(home.text).toContain("tally verified from 3 of 5 trustees' shares");
    expect(home.text).toContain("#7 · open ballot");
  });

  it("gives a secret election's figures: ballots, shares, the tally (null before it)", async () => {
    const tallied = (await (await get("/api/elections/31.json")).json()) as {
      kind: string;
      tally: { label: string; count: number }[] | null;
      secret: { ballots: number; invalidBallots: number; shares: unknown[]; tally: { verified: boolean } };
    };
    expect(tallied.kind).toBe("secret");
    expect(tallied.tally?.map((t) => [t.label, t.count])).toEqual([
      ["North", 7],
      ["South", 5],
    ]);
    expect(tallied.secret).toMatchObject({ ballots: 12, invalidBallots: 0, tally: { verified: true } });
    expect(tallied.secret.shares).toHaveLength(4);
    const pending = (await (await get("/api/elections/30.json")).json()) as {
      tally: unknown;
      secret: { validBallots: number; invalidBallots: number; tally: unknown };
    };
    expect(pending.tally).toBeNull();
    expect(pending.secret).toMatchObject({ validBallots: 24, invalidBallots: 1, tally: null });
  });

  it("looks up a tracker: found, not found (never kept), malformed (naming the field)", async () => {
    const b = before.ballots[INVALID_SEQ];
    const found = await get(`/api/ballots/${b?.tracker}.json`);
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({
      ballots: [{ seq: String(INVALID_SEQ), blockNumber: b?.blockNumber, txHash: b?.txHash, valid: false }],
    });
    const missing = await get(`/api/ballots/${absent}.json`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("cache-control")).toBe("no-store");
    expect(await missing.json()).toMatchObject({ error: { code: "unknown_tracker" } });
    const bad = await get("/api/ballots/0x1234.json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: "invalid_tracker", message: "tracker: expected 64 hex digits after 0x, got 4" },
    });
    const prefix = after.ballots[3]?.tracker.slice(2, 6) ?? "";
    const bucket = (await (await get(`/api/ballots/prefix/${prefix}.json`)).json()) as {
      ballots: { tracker: string }[];
    };
    expect(bucket.ballots.map((x) => x.tracker)).toContain(after.ballots[3]?.tracker);
    expect((await get("/api/ballots/prefix/xyz1.json")).status).toBe(400);
  });
});

describe("the verify page without JavaScript: the tracker form is answered by the portal", () => {
  it("finds a tracker with its seq, block, transaction and verdict", async () => {
    const b = after.ballots[4];
    const { status, html, text } = await textOf(`/verify?tracker=${b?.tracker}`);
    expect(status).toBe(200);
    expect(html).toContain('data-tracker-outcome="found"');
    expect(testId(html, "tracker-seq")).toBe("4");
    expect(text).toContain("Your ballot is on the chain, and its proofs verify.");
    expect(html).toContain(`${EXPLORER}/tx/${b?.txHash}`);
    expect(text).toContain(`Block ${b?.blockNumber}`);
    const invalid = await textOf(`/verify?tracker=${before.ballots[INVALID_SEQ]?.tracker}`);
    expect(invalid.html).toContain('data-tracker-outcome="invalid"');
    expect(invalid.text).toContain(`its proofs do not verify (${FORGED_BALLOT_REASON})`);
  });

  it("says clearly when a tracker is not on the chain, and names the field of a malformed one", async () => {
    const missing = await textOf(`/verify?tracker=${absent}`);
    expect(missing.status).toBe(200);
    expect(missing.html).toContain('data-tracker-outcome="not_found"');
    expect(missing.text).toContain("No ballot with this tracker is on the chain yet.");
    const bad = await textOf("/verify?tracker=0xzz");
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/id="tracker"[^>]*aria-invalid="true"/);
    expect(bad.text).toContain("The tracker cannot be read (tracker: character 3 ('z') is not a hex digit");
    expect(bad.html).not.toContain("data-tracker-outcome");
  });
});

async function openPage(width: number, options: { dark?: boolean; js?: boolean } = {}): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: width < 600 ? 740 : 900 });
  await page.emulateMedia({ colorScheme: options.dark ? "dark" : "light" });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") consoleProblems.push(`${page.url()}: ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleProblems.push(`${page.url()}: ${e.message}`));
  if (options.js === false) {
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Emulation.setScriptExecutionDisabled", { value: true });
  }
  return page;
}

describe("the verify page in Chromium", () => {
  it("checks a tracker carried by the booth's link fragment, which never reaches the portal", async () => {
    const page = await openPage(375);
    const sent: string[] = [];
    page.on("request", (r) => sent.push(r.url()));
    const b = after.ballots[7];
    await page.goto(`${portal.url}/verify#tracker=${b?.tracker}`);
    await page.waitForSelector("[data-tracker-outcome]");
    expect(await page.getAttribute("[data-tracker-outcome]", "data-tracker-outcome")).toBe("found");
    expect(await page.inputValue("#tracker")).toBe(b?.tracker);
    expect(await page.textContent("#tracker-result [data-testid=tracker-seq]")).toBe("7");
    expect(await page.textContent("#tracker-result")).toContain(b?.txHash ?? "?");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("tracker-result");
    // Only the bucket's four digits went out; the full tracker (in the fragment) did not.
    expect(sent.some((u) => u.endsWith(`/api/ballots/prefix/${b?.tracker.slice(2, 6)}.json`))).toBe(true);
    for (const url of sent) expect(url.toLowerCase()).not.toContain(b?.tracker.slice(2) ?? "?");
    await page.close();
  });

  it("says when a typed tracker is not on the chain, and marks a malformed one naming the field", async () => {
    const page = await openPage(1280);
    await page.goto(`${portal.url}/verify`);
    await page.fill("#tracker", absent);
    await page.click("#tracker-button");
    await page.waitForSelector("[data-tracker-outcome=not_found]");
    expect(new URL(page.url()).search).toBe("");
    await page.fill("#tracker", "0x12ab");
    await page.click("#tracker-button");
    await page.waitForFunction(() => document.getElementById("tracker")?.getAttribute("aria-invalid") === "true");
    expect(await page.textContent("#tracker-error")).toContain("tracker: expected 64 hex digits after 0x, got 4");
    expect(await page.$("[data-tracker-outcome]")).toBeNull();
    await page.fill("#tracker", before.ballots[INVALID_SEQ]?.tracker ?? "");
    await page.click("#tracker-button");
    await page.waitForSelector("[data-tracker-outcome=invalid]");
    expect(await page.getAttribute("#tracker", "aria-invalid")).toBeNull();
    await page.close();
  });

  it("without JavaScript, the tracker form still answers (the portal looks it up)", async () => {
    const page = await openPage(1280, { js: false });
    await page.goto(`${portal.url}/verify`);
    expect(await page.isVisible("#tracker-form")).toBe(true);
    await page.fill("#tracker", after.ballots[2]?.tracker ?? "");
    await page.click("#tracker-button");
    await page.waitForSelector("[data-tracker-outcome=found]");
    expect(new URL(page.url()).searchParams.get("tracker")).toBe(after.ballots[2]?.tracker);
    await page.close();
  });
});

describe("an audited ballot, checked in the browser", () => {
  const b64 = (record: AuditedBallot["record"]) => Buffer.from(JSON.stringify(record)).toString("base64url");

  it("re-encrypts the choice shown with the revealed randomness under the chain's key; nothing is sent", async () => {
    const page = await openPage(375);
    const sent: string[] = [];
    page.on("request", (r) => sent.push(`${r.method()} ${r.url()} ${r.postData() ?? ""}`));
    await page.goto(`${portal.url}/verify`);
    await page.fill("#audit", JSON.stringify(audited.record));
    await page.click("#audit-button");
    await page.waitForSelector("[data-audit-outcome]");
    expect(await page.getAttribute("[data-audit-outcome]", "data-audit-outcome")).toBe("match");
    const text = (await page.textContent("#audit-result")) ?? "";
    expect(text).toContain("This ballot encrypted “Library”, the choice the booth showed.");
    expect(text).toContain(audited.tracker);
    expect(await page.$("[data-audit-outcome=cast]")).toBeNull();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("audit-result");
    // Only the election's public figures and the tracker's bucket were asked for.
    for (const request of sent) {
      expect(request.startsWith("GET ")).toBe(true);
      expect(request).not.toContain(audited.record.ballot.slice(2, 40));
      expect(request).not.toContain(audited.tracker.slice(2));
    }
    expect(sent.some((r) => r.includes("/api/elections/30.json"))).toBe(true);
    await page.close();
  });

  it("catches a booth that shows another choice than it encrypted, and an audited ballot that was cast", async () => {
    const page = await openPage(1280);
    await page.goto(`${portal.url}/verify`);
    await page.fill("#audit", JSON.stringify({ ...audited.record, choice: 2 }));
    await page.click("#audit-button");
    await page.waitForSelector("[data-audit-outcome=mismatch]");
    expect(await page.textContent("#audit-result")).toContain("This ballot does not encrypt “Pool”.");
    await page.fill("#audit", JSON.stringify(auditedAndCast.record));
    await page.click("#audit-button");
    await page.waitForSelector("[data-audit-outcome=cast]");
    expect(await page.getAttribute("[data-audit-outcome=match]", "data-audit-outcome")).toBe("match");
    expect(await page.textContent("[data-audit-outcome=cast]")).toContain("(ballot number 0)");
    await page.close();
  });

  it("names the field of a record it cannot read or check", async () => {
    const page = await openPage(1280);
    await page.goto(`${portal.url}/verify`);
    for (const [input, message] of [
      ["{", "audit: not JSON"],
      [
        JSON.stringify({ ...audited.record, randomness: audited.record.randomness.slice(1) }),
        "audit.randomness: 2 scalars, the election has 3 choices",
      ],
      [JSON.stringify({ ...audited.record, electionId: "7" }), "audit.electionId: election 7 is not a secret election"],
      [JSON.stringify({ ...audited.record, electionId: "999" }), "audit.electionId: no election 999"],
    ] as const) {
      await page.fill("#audit", input);
      await page.click("#audit-button");
      await page.waitForFunction((m) => document.getElementById("audit-error")?.textContent?.includes(m), message, {
        timeout: 10_000,
      });
      expect(await page.getAttribute("#audit", "aria-invalid")).toBe("true");
      expect(await page.$("[data-audit-outcome]")).toBeNull();
    }
    await page.close();
  });

  it("checks a record carried by the booth's link fragment, and says without JavaScript that it needs it", async () => {
    const page = await openPage(1280);
    await page.goto(`${portal.url}/verify#audit=${b64(audited.record)}`);
    await page.waitForSelector("[data-audit-outcome=match]");
    await page.close();
    const off = await openPage(1280, { js: false });
    await off.goto(`${portal.url}/verify`);
    expect(await off.isVisible("[data-testid=audit-needs-js]")).toBe(true);
    expect(await off.isVisible("#audit-form")).toBe(false);
    await off.close();
  });
});

describe("a secret election in Chromium", () => {
  it("draws the tally chart beside its table and fits a 375-pixel screen", async () => {
    const page = await openPage(375);
    for (const p of ["/elections/30", "/elections/31", "/verify", "/how-it-works", "/"]) {
      await page.goto(`${portal.url}${p}`);
      const [scrollWidth, innerWidth] = await page.evaluate(() => [
        document.documentElement.scrollWidth,
        window.innerWidth,
      ]);
      expect(scrollWidth, p).toBeLessThanOrEqual(innerWidth);
    }
    await page.goto(`${portal.url}/elections/31`);
    await page.waitForFunction(() => document.querySelectorAll("canvas[data-chart]").length === 2);
    const rows = await page.$$eval("#tally-chart-caption ~ .chart-body tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim() ?? "")),
    );
    expect(rows).toEqual([
      ["North", "7", "58.3 %"],
      ["South", "5", "41.7 %"],
    ]);
    await page.close();
  });

  for (const width of WIDTHS) {
    for (const dark of [false, true]) {
      it(`finds no axe-core violation at ${width} px${dark ? ", dark" : ""}`, async () => {
        const page = await openPage(width, { dark });
        const found: string[] = [];
        const paths = [
          "/elections/30",
          "/elections/31",
          `/verify#tracker=${after.ballots[1]?.tracker}`,
          `/verify?tracker=${before.ballots[INVALID_SEQ]?.tracker}`,
          "/verify?tracker=0x1",
          `/verify#audit=${Buffer.from(JSON.stringify(audited.record)).toString("base64url")}`,
          "/how-it-works",
          "/",
        ];
        for (const p of paths) {
          await page.goto(`${portal.url}${p}`);
          await page.waitForLoadState("load");
          if (p.includes("#tracker=")) await page.waitForSelector("[data-tracker-outcome]");
          if (p.includes("#audit=")) await page.waitForSelector("[data-audit-outcome]");
          for (const v of await axeViolations(page)) found.push(`${p}: ${v}`);
        }
        expect(found).toEqual([]);
        await page.close();
      }, 120_000);
    }
  }

  it("shows no console errors or warnings", () => {
    // /verify?tracker=0x1 is a 400 page, and the audit record naming election 999 a 404 look-up:
    // Chromium logs both answers; nothing else may appear.
    expect(consoleProblems.filter((p) => !/status of (400|404)/.test(p))).toEqual([]);
  });
});
