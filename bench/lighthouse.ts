/**
 * Lighthouse 12 on the portal as operators run it (the built server, portal/server.mjs), with
 * Debian's Chromium (chrome-launcher's chromePath): /, an election's page and /verify, each with
 * Lighthouse's mobile settings (the default: a mid-range phone, simulated slow 4G) and its desktop
 * settings. The indexer's database is seeded like a live election: 5,000 votes in 100 batches.
 * Each page is asked for once before Lighthouse loads it, so it is served as every later reader
 * gets it (rendered at this indexed height, compressed).
 * Writes bench/results/lighthouse.json: {pages: [{page, path, mobile: {performance, accessibility,
 * bestPractices, seo}, desktop: {…}}], lighthouse, chromium, measuredAt}. Target: >= 95 in every
 * category (issue 14).
 *
 *   npm run bench:lighthouse     (SKIP_BUILD is not needed: the build is reused while it is fresh)
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPortal } from "@veritally/portal/build";
import { createIndexerDatabase, withClient } from "@veritally/portal/testing/databases";
import { seedIndexerElection, seedIndexerStatus } from "@veritally/portal/testing/seed";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;
const TARGET = 95;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const say = (line: string) => process.stdout.write(`${line}\n`);

type Scores = { performance: number; accessibility: number; bestPractices: number; seo: number };

async function main(): Promise<void> {
  const db = await createIndexerDatabase("bench_lighthouse");
  const stops: (() => Promise<unknown>)[] = [() => db.drop()];
  try {
    await withClient(db.url, async (c) => {
      const election = await seedIndexerElection(c, {
        id: "1",
        title: "Harbour bridge referendum",
        description: "Should the city build a bridge across the harbour?",
        choices: ["Build the bridge", "Keep the ferry", "Blank"],
        votes: 5000,
        batchSize: 50,
        secondsPerBatch: 12,
        metadataExtra: { contact: "observers@harbour.example", eligibleVoters: 12_000 },
      });
      await seedIndexerStatus(c, { height: election.lastBlock + 2 });
    });
    const portal = await startPortal({ INDEXER_DATABASE_URL: db.url });
    stops.unshift(() => portal.stop());
    const chrome = await chromeLauncher.launch({
      chromePath: CHROMIUM,
      chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    stops.unshift(async () => chrome.kill());
    const pages = [
      { page: "home", path: "/" },
      { page: "election", path: "/elections/1" },
      { page: "verify", path: "/verify" },
    ];
    const results: { page: string; path: string; mobile: Scores; desktop: Scores }[] = [];
    for (const p of pages) {
      const url = `${portal.url}${p.path}`;
      await (await fetch(url)).arrayBuffer();
      const scores: Partial<Record<"mobile" | "desktop", Scores>> = {};
      for (const form of ["mobile", "desktop"] as const) {
        const run = await lighthouse(
          url,
          { port: chrome.port, output: "json", logLevel: "error", onlyCategories: [...CATEGORIES] },
          form === "desktop" ? desktopConfig : undefined,
        );
        if (!run) throw new Error(`Lighthouse returned nothing for ${url} (${form})`);
        const score = (id: (typeof CATEGORIES)[number]) => Math.round((run.lhr.categories[id]?.score ?? 0) * 100);
        scores[form] = {
          performance: score("performance"),
          accessibility: score("accessibility"),
          bestPractices: score("best-practices"),
          seo: score("seo"),
        };
        const failing = Object.values(run.lhr.audits)
          .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== "informative")
          .map((a) => a.id);
        say(
          `  ${p.path.padEnd(14)} ${form.padEnd(8)} ${JSON.stringify(scores[form])}${failing.length ? `  below 0.9: ${failing.join(", ")}` : ""}`,
        );
      }
      const { mobile, desktop } = scores;
      if (!mobile || !desktop) throw new Error(`missing scores for ${p.path}`);
      results.push({ ...p, mobile, desktop });
    }
    const chromium = execFileSync(CHROMIUM, ["--version"], { encoding: "utf8" }).trim();
    const out = path.join(repoRoot, "bench", "results", "lighthouse.json");
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(
      out,
      `${JSON.stringify({ pages: results, lighthouse: "12.2.3", chromium, target: TARGET, measuredAt: new Date().toISOString() }, null, 2)}\n`,
    );
    say(`wrote ${path.relative(repoRoot, out)}`);
    const low = results.flatMap((r) =>
      (["mobile", "desktop"] as const).flatMap((f) =>
        Object.entries(r[f])
          .filter(([, v]) => v < TARGET)
          .map(([k, v]) => `${r.path} ${f} ${k} ${v}`),
      ),
    );
    say(low.length ? `  below ${TARGET}: ${low.join("; ")}` : `  every category >= ${TARGET}: met`);
  } finally {
    for (const stop of stops) await stop().catch(() => {});
  }
}

await main();
