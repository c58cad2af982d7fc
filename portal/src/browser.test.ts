/**
 * End to end in a real browser: a Hardhat chain with votes recorded with real receipts, the real
 * indexer reading it into its database, a relayer database holding the same votes (one planted
 * mismatch), the built portal, and Debian's Chromium driven by playwright-core.
 * Set PORTAL_SCREENSHOT_DIR to keep the screenshots (the README's comes from here).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeReceipt, encodeRef } from "@veritally/contracts";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../../test-helpers/browser.js";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { axeViolations } from "./testing/axe.js";
import {
  type CastVote,
  castVotes,
  type IndexerProcess,
  openElection,
  startChain,
  startIndexer,
  type TestChain,
  waitFor,
} from "./testing/chain.js";
import { createRelayerDatabase, type RelayerTestDatabase, withClient } from "./testing/databases.js";
import { type StatsServer, startRelayerStatsServer } from "./testing/relayer-stats-server.js";
import { seedRelayerElection } from "./testing/seed.js";
import { type PortalServer, startPortal } from "./testing/server.js";

const ELECTION = 1;
const CHOICES = ["Build the bridge", "Keep the ferry", "Blank"];
const LATE_ELECTION = 2;
const PLANTED_SEQ = 77;
const ADMIN_PASSWORD = "browser-test-admin-password";
const RELAYER_KEY = "browser-test-relayer-admin-key";

let chain: TestChain;
let indexerDb: TestDatabase;
let relayerDb: RelayerTestDatabase;
let indexer: IndexerProcess;
let stats: StatsServer;
let portal: PortalServer;
let browser: TestBrowser;
let votes: CastVote[];
let shots: string;
const consoleProblems: string[] = [];

beforeAll(async () => {
  shots = process.env.PORTAL_SCREENSHOT_DIR ?? mkdtempSync(path.join(os.tmpdir(), "portal-shots-"));
  mkdirSync(shots, { recursive: true });
  const launching = launchBrowser();
  [chain, indexerDb, relayerDb] = await Promise.all([
    startChain(),
    createTestDatabase("portal_e2e_idx"),
    createRelayerDatabase("portal_e2e"),
  ]);
  await openElection(chain, {
    electionId: ELECTION,
    title: "Harbour bridge referendum",
    description: "Should the city build a bridge across the harbour?",
    choices: CHOICES,
  });
  votes = await castVotes(chain, ELECTION, {
    count: 240,
    batchSize: 40,
    secondsBetweenBatches: 75,
    choice: (i) => (i % 7 < 4 ? 0 : i % 7 < 6 ? 1 : 2),
  });
  indexer = startIndexer(chain, indexerDb.url);
  const head = await chain.node.provider.getBlockNumber();
  await waitFor(
    "the indexer to reach the chain head",
    () =>
      withClient(indexerDb.url, async (c) => {
        const { rows } = await c.query("select height from indexer_status");
        return rows[0]?.height >= head;
      }).catch(() => false),
    90_000,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\nindexer output:\n${indexer.output().slice(-4000)}`);
  });
  // The relayer's records of the same votes; it holds another choice for one of them.
  const firstBlock = votes[0]?.blockNumber ?? 0;
  await withClient(relayerDb.url, (c) =>
    seedRelayerElection(
      c,
      { id: String(ELECTION), choices: CHOICES, votes, batchSize: 40, firstBlock },
      {
        alter: (v) => (v.seq === PLANTED_SEQ ? { ...v, choice: (v.choice + 1) % 3 } : v),
        queued: [{ ref: `0x${"5a".repeat(16)}`, choice: 1, voteHash: `0x${"6b".repeat(32)}` }],
      },
    ),
  );
  stats = await startRelayerStatsServer({ databaseUrl: relayerDb.url, adminKey: RELAYER_KEY });
  portal = await startPortal({
    INDEXER_DATABASE_URL: indexerDb.url,
    RELAYER_AUDIT_DATABASE_URL: relayerDb.auditUrl,
    PORTAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    RELAYER_URL: stats.url,
    RELAYER_ADMIN_KEY: RELAYER_KEY,
  });
  browser = await launching;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await stats?.stop();
  await indexer?.stop();
  await chain?.stop();
  await Promise.all([indexerDb?.drop(), relayerDb?.drop()]);
  if (!process.env.PORTAL_SCREENSHOT_DIR && shots) rmSync(shots, { recursive: true, force: true });
}, 60_000);

/** A page that records console errors and failed requests of everything it visits. */
async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") consoleProblems.push(`${page.url()}: ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleProblems.push(`${page.url()}: ${e.message}`));
  // A request cut short by the next navigation (a chart's script still loading) is not a fault.
  page.on("requestfailed", (r) => {
    if (r.failure()?.errorText !== "net::ERR_ABORTED") consoleProblems.push(`${page.url()}: request failed ${r.url()}`);
  });
  return page;
}

/** Non-transparent pixels drawn on a canvas. */
function paintedPixels(page: Page, id: string): Promise<number> {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement | null;
    // willReadFrequently: this test reads the pixels back while it waits (Chromium warns otherwise).
    const ctx = canvas?.getContext("2d", { willReadFrequently: true });
    if (!canvas || !ctx || canvas.width === 0) return 0;
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) painted++;
    return painted;
  }, id);
}

function tallyOf(list: CastVote[]): number[] {
  const tally = CHOICES.map(() => 0);
  for (const v of list) tally[v.choice] = (tally[v.choice] ?? 0) + 1;
  return tally;
}

describe("the audit page", () => {
  it("draws its charts (the canvases are not blank) beside tables of the same figures", async () => {
    const page = await openPage();
    await page.goto(`${portal.url}/elections/${ELECTION}`);
    await page.waitForFunction(() => document.querySelectorAll("canvas[data-chart]").length === 2);
    await waitFor("the charts to be drawn", async () => (await paintedPixels(page, "tally-chart")) > 500, 10_000);
    // Charts are drawn as they come near the screen, as a reader scrolls.
    await page.locator("#timeline-chart-caption").scrollIntoViewIfNeeded();
    await waitFor("the timeline", async () => (await paintedPixels(page, "timeline-chart")) > 500, 10_000);
    const rows = await page.$$eval("#tally-chart-caption ~ .chart-body tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim() ?? "")),
    );
    expect(rows.map((r) => r[0])).toEqual(CHOICES);
    expect(rows.map((r) => Number(r[1]?.replace(/,/g, "")))).toEqual(tallyOf(votes));
    expect(await page.textContent("[data-testid=total-votes]")).toBe("240");
    expect(await page.getAttribute(".verdict", "data-verdict")).toBe("complete");
    await page.screenshot({ path: path.join(shots, "audit-page.png"), fullPage: true });
    await page.close();
  });

  it("serves the same figures in the open data", async () => {
    const body = (await (await fetch(`${portal.url}/api/elections/${ELECTION}.json`)).json()) as {
      totalVotes: number;
      tally: { count: number }[];
      batches: { count: number };
    };
    expect(body.totalVotes).toBe(240);
    expect(body.tally.map((t) => t.count)).toEqual(tallyOf(votes));
    expect(body.batches.count).toBe(6);
  });
});

describe("the verify page", () => {
  async function verify(page: Page, input: { ref: string; receipt: string; choice?: number }) {
    await page.goto(`${portal.url}/verify`);
    await page.fill("#ref", input.ref);
    await page.press("#ref", "Tab");
    if (input.choice !== undefined) {
      await page.waitForSelector("#choice:not([disabled])");
      await page.selectOption("#choice", String(input.choice));
    }
    await page.fill("#receipt", input.receipt);
    await page.click("#verify-button");
  }

  it("accepts a real receipt, and the receipt never leaves the browser", async () => {
    const page = await openPage();
    const sent: string[] = [];
    page.on("request", (r) => sent.push(`${r.method()} ${r.url()} ${r.postData() ?? ""}`));
    const v = votes[123] as CastVote;
    const receipt = encodeReceipt(v.receiptSecret);
    await verify(page, { ref: encodeRef(v.ref).toLowerCase(), receipt, choice: v.choice });
    await page.waitForSelector("[data-outcome]");
    expect(await page.getAttribute("[data-outcome]", "data-outcome")).toBe("match");
    const text = (await page.textContent("#result")) ?? "";
    expect(text).toContain("Your vote is on the chain as you cast it");
    expect(text).toContain(v.txHash);
    expect(text).toContain(CHOICES[v.choice] ?? "?");
    expect(text).toMatch(/\d+ confirmations/);
    // Neither the receipt nor the reference leaves the page: the lookup names a bucket of refs.
    const secretForms = [
      v.receiptSecret.slice(2),
      receipt.replace(/-/g, ""),
      receipt,
      v.ref.slice(2),
      encodeRef(v.ref).replace(/-/g, ""),
    ].map((s) => s.toLowerCase());
    for (const request of sent) {
      const haystack = decodeURIComponent(request).toLowerCase().replace(/-/g, "");
      for (const secret of secretForms) expect(haystack).not.toContain(secret.replace(/-/g, ""));
    }
    expect(sent.some((r) => r.includes(`/api/votes/prefix/${v.ref.slice(2, 6)}.json`))).toBe(true);
    await page.setViewportSize({ width: 375, height: 900 });
    await page.screenshot({ path: path.join(shots, "verify-375.png"), fullPage: true });
    await page.close();
  });

  it("rejects a tampered receipt, a wrong choice and a mistyped receipt", async () => {
    const page = await openPage();
    const v = votes[10] as CastVote;
    const other = votes[11] as CastVote;
    // A well-formed receipt that is not this vote's.
    await verify(page, { ref: encodeRef(v.ref), receipt: encodeReceipt(other.receiptSecret), choice: v.choice });
    await page.waitForSelector("[data-outcome]");
    expect(await page.getAttribute("[data-outcome]", "data-outcome")).toBe("receipt_mismatch");
    expect(await page.textContent("#result")).toContain("The receipt does not match this record");

    // The right receipt and another choice than the one recorded.
    await verify(page, { ref: encodeRef(v.ref), receipt: encodeReceipt(v.receiptSecret), choice: (v.choice + 1) % 3 });
    await page.waitForSelector("[data-outcome]");
    expect(await page.getAttribute("[data-outcome]", "data-outcome")).toBe("other_choice");

    // One character changed: the check character catches it before anything is compared.
    const receipt = encodeReceipt(v.receiptSecret);
    const typo = `${receipt.slice(0, 5)}${receipt[5] === "A" ? "B" : "A"}${receipt.slice(6)}`;
    await verify(page, { ref: encodeRef(v.ref), receipt: typo, choice: v.choice });
    await page.waitForFunction(() => (document.getElementById("receipt-error")?.textContent ?? "") !== "");
    expect(await page.textContent("#receipt-error")).toContain("One character of your receipt is mistyped");
    expect(await page.getAttribute("#receipt", "aria-invalid")).toBe("true");
    expect(await page.$("[data-outcome]")).toBeNull();
    await page.close();
  });

  it("says when a reference is not on the chain", async () => {
    const page = await openPage();
    await verify(page, { ref: `0x${"42".repeat(16)}`, receipt: encodeReceipt(`0x${"01".repeat(32)}`) });
    await page.waitForSelector("[data-outcome]");
    expect(await page.getAttribute("[data-outcome]", "data-outcome")).toBe("not_found");
    await page.close();
  });

  it("keeps looking for a reference not on the chain yet, and finds it once it is, without a reload", async () => {
    const page = await openPage();
    const ref = `0x${"3c".repeat(16)}`;
    await page.goto(`${portal.url}/verify`);
    await page.fill("#ref", encodeRef(ref));
    await page.press("#ref", "Tab");
    await page.waitForFunction(() => document.getElementById("ref-error")?.textContent?.includes("Still looking"));
    expect(await page.isDisabled("#choice")).toBe(true);
    // Now the vote reaches the chain (an election of its own, so the other tests' figures stay).
    await openElection(chain, { electionId: LATE_ELECTION, title: "Late vote", choices: CHOICES });
    const [late] = await castVotes(chain, LATE_ELECTION, { count: 1, batchSize: 1, refs: [ref], choice: () => 2 });
    await page.waitForSelector("#choice:not([disabled])", { timeout: 90_000 });
    expect(await page.textContent("#ref-error")).toBe("");
    await page.selectOption("#choice", "2");
    await page.fill("#receipt", encodeReceipt((late as CastVote).receiptSecret));
    await page.click("#verify-button");
    await page.waitForSelector("[data-outcome]");
    expect(await page.getAttribute("[data-outcome]", "data-outcome")).toBe("match");
    await page.close();
  }, 120_000);
});

describe("the cross-check page", () => {
  it("reports the planted mismatch and every other vote as matching", async () => {
    const page = await openPage();
    await page.goto(`${portal.url}/elections/${ELECTION}/cross-check`);
    expect(await page.getAttribute(".verdict", "data-verdict")).toBe("inconsistent");
    const row = await page.textContent(`table.mismatches tr[data-seq="${PLANTED_SEQ}"]`);
    expect(row).toContain("choice");
    expect(await page.textContent("[data-testid=matched]")).toBe("239");
    expect(await page.$$("table.mismatches tbody tr")).toHaveLength(1);
    await page.locator("#cross-tally-chart").scrollIntoViewIfNeeded();
    await waitFor("the comparison chart", async () => (await paintedPixels(page, "cross-tally-chart")) > 500, 10_000);
    await page.close();
  });

  it("shows the tally's Difference column without a sideways scroll at 1280 px", async () => {
    const page = await openPage({ width: 1280, height: 900 });
    await page.goto(`${portal.url}/elections/${ELECTION}/cross-check`);
    // Measured with the chart drawn: until then the table has the whole width anyway.
    await page.locator("#cross-tally-chart").scrollIntoViewIfNeeded();
    await waitFor("the comparison chart", async () => (await paintedPixels(page, "cross-tally-chart")) > 500, 10_000);
    const fits = await page.evaluate(() => {
      const table = document.querySelector("#cross-tally-chart")?.closest("figure")?.querySelector("table");
      const head = [...(table?.querySelectorAll("th") ?? [])].find((th) => th.textContent === "Difference");
      const box = head?.closest(".table-wrap");
      if (!head || !box) return null;
      return {
        right: head.getBoundingClientRect().right,
        boxRight: box.getBoundingClientRect().right,
        overflow: box.scrollWidth - box.clientWidth,
      };
    });
    expect(fits).not.toBeNull();
    expect(fits?.overflow).toBeLessThanOrEqual(0);
    expect(fits?.right ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(fits?.boxRight ?? 0);
    await page.close();
  });
});

describe("the operators' page", () => {
  it("logs in through the form and shows the relayer's and the chain's figures", async () => {
    const page = await openPage();
    await page.goto(`${portal.url}/admin`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.fill("input[name=password]", ADMIN_PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${portal.url}/admin`);
    expect(await page.textContent("[data-testid=queue-depth]")).toBe("1");
    await page.locator("#throughput-chart-caption").scrollIntoViewIfNeeded();
    await waitFor("the throughput chart", async () => (await paintedPixels(page, "throughput-chart")) > 100, 10_000);
    await page.close();
  });
});

describe("on a 375-pixel-wide screen", () => {
  it("no page scrolls sideways", async () => {
    const page = await openPage({ width: 375, height: 740 });
    const v = votes[5] as CastVote;
    const paths = [
      "/",
      `/elections/${ELECTION}`,
      `/elections/${ELECTION}/cross-check`,
      "/verify",
      `/votes/${v.ref}`,
      "/how-it-works",
      "/elections/404404",
      "/admin/login",
      // Logged in by the operators' test above (same browser profile).
      "/admin",
    ];
    for (const p of paths) {
      await page.goto(`${portal.url}${p}`);
      // No redirect (the admin page is shown, not the login form).
      expect(new URL(page.url()).pathname).toBe(p);
      const [scrollWidth, innerWidth] = await page.evaluate(() => [
        document.documentElement.scrollWidth,
        window.innerWidth,
      ]);
      expect(scrollWidth, p).toBeLessThanOrEqual(innerWidth);
      expect(innerWidth).toBe(375);
    }
    await page.goto(`${portal.url}/elections/${ELECTION}`);
    await page.screenshot({ path: path.join(shots, "audit-page-375.png"), fullPage: true });
    await page.close();
  });
});

describe("axe-core on the pages that need the relayer or a login", () => {
  // The other pages are in readers.test.ts; these need the relayer's audit database or the
  // operators' session (logged in by the operators' test above, same browser profile).
  const paths = [`/elections/${ELECTION}/cross-check`, "/admin", "/elections/404404"];
  for (const width of [1280, 375]) {
    for (const dark of [false, true]) {
      it(`finds no violation at ${width} px${dark ? ", dark" : ""}`, async () => {
        const page = await openPage({ width, height: 900 });
        await page.emulateMedia({ colorScheme: dark ? "dark" : "light" });
        const found: string[] = [];
        for (const p of paths) {
          await page.goto(`${portal.url}${p}`);
          expect(new URL(page.url()).pathname).toBe(p);
          await page.waitForLoadState("load");
          const violations = await axeViolations(page);
          for (const v of violations) found.push(`${p}: ${v}`);
        }
        expect(found).toEqual([]);
        await page.close();
      }, 120_000);
    }
  }
});

describe("the console", () => {
  it("shows no errors or warnings on any page visited", () => {
    // A real 404 page is a 404 response, which Chromium logs for the document itself; nothing else may appear.
    const expected404 = `${portal.url}/elections/404404: error: Failed to load resource: the server responded with a status of 404 (Not Found)`;
    expect(consoleProblems.filter((p) => p !== expected404)).toEqual([]);
  });
});
