/**
 * The portal as its readers use it (issue 14): Debian's Chromium at 1280 and 375 px, light and
 * dark, with and without JavaScript, and axe-core on every page. The indexer's database is seeded
 * (testing/seed.ts): an open election with a roll and a contact, and a closed, final one.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { encodeRef } from "@veritally/contracts";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../../test-helpers/browser.js";
import type { TestDatabase } from "../../test-helpers/postgres.js";
import { axeViolations } from "./testing/axe.js";
import { waitFor } from "./testing/chain.js";
import { createIndexerDatabase, portalRoot, withClient } from "./testing/databases.js";
import { type SeededElection, seedIndexerElection, seedIndexerStatus } from "./testing/seed.js";
import { type PortalServer, startPortal } from "./testing/server.js";

const EXPLORER = "https://explorer.example";
const CONTACT = "observers@harbour.example";
const WIDTHS = [1280, 375] as const;

let db: TestDatabase;
let portal: PortalServer;
let browser: TestBrowser;
let open: SeededElection;
let closed: SeededElection;
let height: number;

beforeAll(async () => {
  const launching = launchBrowser();
  db = await createIndexerDatabase("portal_readers");
  const now = Date.now();
  await withClient(db.url, async (c) => {
    open = await seedIndexerElection(c, {
      id: "1",
      title: "Harbour bridge referendum",
      description: "Should the city build a bridge across the harbour?",
      choices: ["Build the bridge", "Keep the ferry", "Blank"],
      votes: 640,
      batchSize: 20,
      secondsPerBatch: 30,
      firstBlock: 100,
      metadataExtra: { contact: CONTACT, eligibleVoters: 2000 },
    });
    closed = await seedIndexerElection(c, {
      id: "2",
      title: "Park opening hours",
      choices: ["Longer", "As now"],
      votes: 90,
      batchSize: 30,
      firstBlock: 20,
      opensAt: new Date(now - 5 * 3_600_000),
      closesAt: new Date(now - 3 * 3_600_000),
      recordUntil: new Date(now - 2 * 3_600_000),
      firstBatchAt: new Date(now - 4 * 3_600_000),
    });
    height = open.lastBlock + 2;
    await seedIndexerStatus(c, { height });
  });
  portal = await startPortal({ INDEXER_DATABASE_URL: db.url, EXPLORER_URL: EXPLORER });
  browser = await launching;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await db?.drop();
}, 60_000);

async function openPage(width: number, options: { dark?: boolean } = {}): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: width < 600 ? 740 : 900 });
  await page.emulateMedia({ colorScheme: options.dark ? "dark" : "light" });
  return page;
}

describe("the election page answers first", () => {
  for (const width of WIDTHS) {
    it(`shows phase, leader, turnout and the record's block above the fold at ${width} px, costs further down`, async () => {
      const page = await openPage(width);
      await page.goto(`${portal.url}/elections/1`);
      expect(await page.textContent("[data-testid=finality]")).toBe("Provisional");
      expect(await page.textContent("[data-testid=leader]")).toMatch(
        /^Build the bridge leads with \d+\.\d % of the votes\.$/,
      );
      expect(await page.textContent("[data-testid=turnout]")).toBe("32.0 %");
      expect(await page.textContent("[data-testid=as-of]")).toMatch(
        new RegExp(`^Record consistent as of block ${height}, \\d+ s ago\\.`),
      );
      const fold = width < 600 ? 740 : 900;
      const answer = await page.locator("#answer").boundingBox();
      const tally = await page.locator("#tally").boundingBox();
      const costs = await page.locator("#costs").boundingBox();
      expect((answer?.y ?? fold) + (answer?.height ?? fold)).toBeLessThan(fold + 200);
      expect(tally?.y ?? 0).toBeLessThan(costs?.y ?? 0);
      expect(await page.textContent(".verdict")).toMatch(/^Complete so far: .*not the final count\./);
      await page.close();
    });
  }

  it("calls a closed election with final blocks final", async () => {
    const page = await openPage(1280);
    await page.goto(`${portal.url}/elections/2`);
    expect(await page.textContent("[data-testid=finality]")).toBe("Final");
    expect(await page.textContent("[data-testid=leader]")).toMatch(/ won with /);
    expect(await page.textContent(".verdict")).toMatch(/Nothing can be added any more/);
    expect(await page.$("[data-testid=turnout]")).toBeNull();
    expect(await page.textContent("[data-testid=total-votes]")).toBe(String(closed.totalOnChain));
    await page.close();
  });
});

describe("live figures", () => {
  it("updates the count in place when the indexer moves on, and the age ticks", async () => {
    const page = await openPage(1280);
    await page.goto(`${portal.url}/elections/1`);
    const age = page.locator("[data-age-of]");
    const first = await age.textContent();
    await waitFor("the age to tick", async () => (await age.textContent()) !== first, 10_000);
    await page.evaluate(() => {
      (window as unknown as { marker: boolean }).marker = true;
    });
    await withClient(db.url, async (c) => {
      await c.query("update election set total_votes = total_votes + 156, tally[1] = tally[1] + 156 where id = '1'");
      await c.query("update indexer_status set height = height + 1, updated_at = now()");
    });
    await page.waitForFunction(
      () => document.querySelector("[data-testid=total-votes]")?.textContent === "796",
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.evaluate(() => (window as unknown as { marker?: boolean }).marker)).toBe(true);
    expect(await page.textContent("[data-testid=as-of]")).toContain(`block ${height + 1}`);
    await page.close();
  });
});

describe("small screens and keyboards", () => {
  it("stacks the tables at 375 px: every cell of the home page and the batches is on screen", async () => {
    const page = await openPage(375);
    for (const [path, selector] of [
      ["/", "table.elections td"],
      ["/elections/1", "table.batches td"],
      ["/elections/1/refs", "table.refs td"],
    ] as const) {
      await page.goto(`${portal.url}${path}`);
      const rightmost = await page.$$eval(selector, (tds) =>
        Math.max(...tds.map((td) => td.getBoundingClientRect().right)),
      );
      expect(rightmost, path).toBeLessThanOrEqual(375);
    }
    await page.close();
  });

  it("moves the focus to the verify result, and marks a field it cannot read, in plain words", async () => {
    const page = await openPage(375);
    await page.goto(`${portal.url}/verify`);
    await page.fill("#ref", "0A1B-2C");
    await page.press("#ref", "Tab");
    await page.waitForFunction(() => document.getElementById("ref")?.getAttribute("aria-invalid") === "true");
    const message = (await page.textContent("#ref-error")) ?? "";
    expect(message).toMatch(/^Your reference should have 27 letters and digits/);
    expect(message).not.toMatch(/ref:|expected/);
    await page.fill("#ref", encodeRef(`0x${"42".repeat(16)}`));
    await page.fill("#receipt", "0x".padEnd(66, "1"));
    await page.click("#verify-button");
    await page.waitForSelector("[data-outcome=not_found]");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("result");
    expect(await page.getAttribute("#ref", "aria-invalid")).toBeNull();
    await page.close();
  });
});

describe("words, links and copy buttons", () => {
  it("names the election's contact, links transactions to the explorer and copies full hashes", async () => {
    const page = await openPage(1280);
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: portal.url });
    await page.goto(`${portal.url}/elections/1`);
    expect(await page.getAttribute(`a[href="mailto:${CONTACT}"]`, "href")).toBe(`mailto:${CONTACT}`);
    const tx = open.batches[open.batches.length - 1]?.txHash ?? "";
    expect(await page.getAttribute(`table.batches a[href="${EXPLORER}/tx/${tx}"]`, "title")).toBe(tx);
    await page.click(`table.batches button.copy[data-copy="${tx}"]`);
    await waitFor("the copy", async () => (await page.evaluate(() => navigator.clipboard.readText())) === tx, 5000);
    expect(await page.textContent("table.batches td[data-label=Fee]")).not.toBe("0 ETH");
    await page.goto(`${portal.url}/glossary`);
    expect(await page.textContent("#gwei")).toBe("ETH and gwei");
    expect(await page.$("nav a[href='/glossary']")).not.toBeNull();
    await page.close();
  });
});

describe("without JavaScript, in dark mode, in print, compressed", () => {
  it("says first that the verify check needs JavaScript, and the charts' tables stand alone", async () => {
    const page = await openPage(1280);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Emulation.setScriptExecutionDisabled", { value: true });
    await page.goto(`${portal.url}/verify`);
    expect(await page.isVisible("[data-testid=needs-js]")).toBe(true);
    expect(await page.isVisible("#verify-form")).toBe(false);
    await page.goto(`${portal.url}/elections/1`);
    expect(await page.isVisible("#tally-chart")).toBe(false);
    expect(await page.isVisible("#tally-chart-caption ~ .chart-body table")).toBe(true);
    expect(await page.isVisible("button.copy")).toBe(false);
    await page.close();
  });

  it("follows prefers-color-scheme: dark and prints whole tables", async () => {
    const page = await openPage(1280, { dark: true });
    await page.goto(`${portal.url}/elections/1`);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(13, 17, 23)");
    await page.emulateMedia({ media: "print" });
    expect(
      await page.$eval("#timeline-chart-caption ~ .chart-body .table-wrap", (el) => getComputedStyle(el).maxHeight),
    ).toBe("none");
    await page.close();
  });

  it("serves the chart script and cached pages compressed", async () => {
    const html = await (await fetch(`${portal.url}/elections/1`)).text();
    // The page's scripts and the chunks they load (chart.js is loaded when a chart nears the screen).
    const built = readdirSync(path.join(portalRoot, "dist", "client", "_astro")).filter((f) => f.endsWith(".js"));
    const scripts = [...html.matchAll(/src="(\/_astro\/[^"]+\.js)"/g)].map((m) => m[1] ?? "");
    scripts.push(...built.map((f) => `/_astro/${f}`));
    expect(scripts.length).toBeGreaterThan(0);
    let largest = 0;
    for (const src of scripts) {
      const plain = await fetch(`${portal.url}${src}`, { headers: { "accept-encoding": "identity" } });
      const size = (await plain.arrayBuffer()).byteLength;
      const br = await fetch(`${portal.url}${src}`, { headers: { "accept-encoding": "br" } });
      if (size > 1024) expect(br.headers.get("content-encoding"), src).toBe("br");
      largest = Math.max(largest, size);
    }
    expect(largest).toBeGreaterThan(100_000);
    const page = await fetch(`${portal.url}/elections/1`, { headers: { "accept-encoding": "gzip" } });
    expect(page.headers.get("content-encoding")).toBe("gzip");
    expect(await page.text()).toContain("Harbour bridge referendum");
  });
});

describe("the public list of references", () => {
  it("pages through every ref and finds one by its first four characters; linked from the election and /verify", async () => {
    const page = await openPage(1280);
    await page.goto(`${portal.url}/elections/1`);
    await page.click("a[href='/elections/1/refs']");
    expect(await page.$$("table.refs tbody tr")).toHaveLength(100);
    await page.click("a[rel=next]");
    expect(await page.textContent("table.refs tbody tr td")).toBe("100");
    const wanted = open.vote(321);
    await page.fill("#q", encodeRef(wanted.ref).slice(0, 4));
    await page.click(".search button");
    expect(await page.textContent("[data-testid=search-summary]")).toMatch(/reference\(s\) start with/);
    expect(await page.$(`table.refs a[href="/votes/${wanted.ref}"]`)).not.toBeNull();
    await page.fill("#q", "0AU");
    await page.click(".search button");
    expect(await page.getAttribute("#q", "aria-invalid")).toBe("true");
    expect(await page.textContent("#q-error")).toContain("cannot be in a reference");
    await page.goto(`${portal.url}/verify`);
    expect(await page.textContent("main")).toContain("public list of all its references");
    await page.close();
  });
});

describe("axe-core", () => {
  const paths = () => [
    "/",
    "/elections/1",
    "/verify",
    `/votes/${open.vote(5).ref}`,
    "/how-it-works",
    "/elections/1/refs",
    "/glossary",
    "/admin/login",
  ];
  for (const width of WIDTHS) {
    for (const dark of [false, true]) {
      it(`finds no violation on any page at ${width} px${dark ? ", dark" : ""}`, async () => {
        const page = await openPage(width, { dark });
        const found: string[] = [];
        for (const p of paths()) {
          await page.goto(`${portal.url}${p}`);
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
