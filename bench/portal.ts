/**
 * The portal's speed with one million indexed votes, over real HTTP against the built server.
 *
 * Seeds, with COPY:
 * - an indexer database (the indexer's own migrations) holding election 1 with VOTES votes in
 *   batches of 200, the batches, minute and hour buckets, the indexed blocks and the status row,
 *   shaped as the indexer writes them;
 * - a relayer database (the relayer's own migrations) holding the same votes, batched and
 *   confirmed, plus 100 just-accepted votes still queued (what a live election looks like), read
 *   by the portal through a login role that is a member of veritally_audit_reader.
 * Then builds the portal (npm run build -w portal), starts it as an operator would (portal/server.mjs,
 * what `npm run start -w portal` runs: Astro's handler behind the height cache's fast path), and
 * measures:
 * - crossCheckSeconds: the first GET /elections/1/cross-check, uncached; its JSON report must then
 *   say every vote matched and the queued ones are pending;
 * - auditPage and api: autocannon, 50 connections, DURATION seconds each, on /elections/1 and
 *   /api/elections/1.json (no If-None-Match: every answer is a full 200);
 * - baseline, same run: a bare node:http server on loopback answering the audit page's exact
 *   bytes from memory, under the same load: the ceiling of this machine's HTTP path.
 * Writes bench/results/portal.json: {votes, auditPage: {reqPerSec, p99Ms}, api: {reqPerSec,
 * p99Ms}, crossCheckSeconds} plus baseline and measuredAt. Targets: audit page p99 <= 50 ms,
 * cross-check <= 10 s.
 *
 *   npm run bench:portal        (VOTES=100000 DURATION=5 for a quicker run; SKIP_BUILD=1 to reuse dist/;
 *                                KEEP_DATABASES=1 to keep the seeded databases for a look)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "@veritally/contracts/local-node";
import { insertElection } from "@veritally/portal/testing/seed";
import { migrate as migrateRelayer } from "@veritally/relayer/migrate";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createTestDatabase, type TestDatabase } from "../test-helpers/postgres.js";

const VOTES = Number(process.env.VOTES ?? 1_000_000);
const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = 50;
const BATCH = 200;
const QUEUED = 100;
const ELECTION = "1";
const CHAIN_ID = 31337;
const REGISTRY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const CHOICES = ["Yes", "No", "Abstain", "Blank"];
const BLOCK_SECONDS = 12;
const FIRST_BLOCK = 10;
const AUDIT_ROLE = "veritally_portal_bench";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const portalRoot = path.join(repoRoot, "portal");
const resultsDir = path.join(repoRoot, "bench", "results");

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hex(bytes: Buffer, start: number, length: number): string {
  return `0x${bytes.toString("hex", start, start + length)}`;
}

function digest(label: string): string {
  return `0x${createHash("sha256").update(label).digest("hex")}`;
}

/** The votes both databases hold: random refs and hashes, choices skewed so the chart is not flat. */
interface Seed {
  refs: Buffer;
  hashes: Buffer;
  choices: Uint8Array;
  tally: number[];
  batches: number;
  startSeconds: number;
  blockOf(batch: number): number;
  timeOf(batch: number): number;
  txOf(batch: number): string;
}

function makeSeed(): Seed {
  const refs = randomBytes(16 * VOTES);
  const hashes = randomBytes(32 * VOTES);
  const choices = new Uint8Array(VOTES);
  const tally = CHOICES.map(() => 0);
  for (let i = 0; i < VOTES; i++) {
    const r = (refs[16 * i] as number) % 100;
    const choice = r < 42 ? 0 : r < 73 ? 1 : r < 91 ? 2 : 3;
    choices[i] = choice;
    tally[choice] = (tally[choice] ?? 0) + 1;
  }
  const batches = Math.ceil(VOTES / BATCH);
  // Recording ends a minute ago; the election opened a few minutes before the first block.
  const startSeconds = Math.floor(Date.now() / 1000) - 60 - batches * BLOCK_SECONDS;
  const txs = Array.from({ length: batches }, (_, b) => digest(`tx ${b}`));
  return {
    refs,
    hashes,
    choices,
    tally,
    batches,
    startSeconds,
    blockOf: (b) => FIRST_BLOCK + 1 + b,
    timeOf: (b) => startSeconds + b * BLOCK_SECONDS,
    txOf: (b) => txs[b] as string,
  };
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Feeds `rows(i)` for i in [0, count) to COPY … FROM STDIN, a few thousand lines per chunk. */
async function copyRows(client: pg.Client, sql: string, count: number, row: (i: number) => string): Promise<void> {
  function* chunks() {
    for (let start = 0; start < count; start += 5000) {
      let text = "";
      for (let i = start; i < Math.min(count, start + 5000); i++) text += `${row(i)}\n`;
      yield text;
    }
  }
  await pipeline(Readable.from(chunks()), client.query(copyFrom(sql)));
}

function applyIndexerMigrations(url: string): void {
  execFileSync("npm", ["run", "--silent", "migration:apply", "-w", "indexer"], {
    cwd: repoRoot,
    env: { ...process.env, DB_URL: url },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function seedIndexer(url: string, seed: Seed): Promise<number> {
  applyIndexerMigrations(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { batches } = seed;
    const lastBlock = seed.blockOf(batches - 1);
    const metadata = JSON.stringify({
      title: "Benchmark referendum",
      description: "one million votes",
      choices: CHOICES,
    });
    const opensAt = seed.startSeconds - 300;
    const closesAt = Math.floor(Date.now() / 1000) + 10 * 86_400;
    const gasPerBatch = (n: number) => 35_491 + 3_926 * n;
    const gasPrice = 1_000_000_000n;
    let gasTotal = 0n;
    for (let b = 0; b < batches; b++) gasTotal += BigInt(gasPerBatch(Math.min(BATCH, VOTES - b * BATCH)));
    await insertElection(client, {
      id: ELECTION,
      choices: CHOICES,
      opensAt: new Date(opensAt * 1000),
      closesAt: new Date(closesAt * 1000),
      recordUntil: new Date((closesAt + 86_400) * 1000),
      metadataHash: digest(metadata),
      metadataRaw: metadata,
      title: "Benchmark referendum",
      description: "one million votes",
      createdAtBlock: FIRST_BLOCK,
      createdAt: new Date((opensAt - 60) * 1000),
      createdTx: digest("create"),
      totalVotes: VOTES,
      tally: seed.tally,
      firstVoteAt: new Date(seed.timeOf(0) * 1000),
      lastVoteAt: new Date(seed.timeOf(batches - 1) * 1000),
      batchCount: batches,
      gasUsed: gasTotal.toString(),
      feesWei: (gasTotal * gasPrice).toString(),
      nextExpectedSeq: VOTES,
    });
    const batchId = (b: number) => `${seed.txOf(b)}-${Math.min(BATCH, VOTES - b * BATCH)}`; // BatchRecorded follows the votes
    await copyRows(
      client,
      `copy batch (id, election_id, first_seq, count, block_number, timestamp, tx_hash, gas_used, effective_gas_price,
         fee_wei, in_grace_period) from stdin`,
      batches,
      (b) => {
        const count = Math.min(BATCH, VOTES - b * BATCH);
        const gas = BigInt(gasPerBatch(count));
        return [
          batchId(b),
          ELECTION,
          b * BATCH,
          count,
          seed.blockOf(b),
          iso(seed.timeOf(b)),
          seed.txOf(b),
          gas,
          gasPrice,
          gas * gasPrice,
          "f",
        ].join("\t");
      },
    );
    const blockHashes = Array.from({ length: batches }, (_, b) => digest(`block ${seed.blockOf(b)}`));
    await copyRows(client, "copy indexed_block (id, height, hash, timestamp) from stdin", batches, (b) =>
      [String(seed.blockOf(b)).padStart(10, "0"), seed.blockOf(b), blockHashes[b], iso(seed.timeOf(b))].join("\t"),
    );
    await copyRows(
      client,
      `copy vote (id, election_id, seq, ref, choice, vote_hash, block_number, block_hash, timestamp, tx_hash,
         log_index, batch_id, in_grace_period) from stdin`,
      VOTES,
      (i) => {
        const b = Math.floor(i / BATCH);
        return [
          `${ELECTION}-${i}`,
          ELECTION,
          i,
          hex(seed.refs, 16 * i, 16),
          seed.choices[i],
          hex(seed.hashes, 32 * i, 32),
          seed.blockOf(b),
          blockHashes[b],
          iso(seed.timeOf(b)),
          seed.txOf(b),
          i % BATCH,
          batchId(b),
          "f",
        ].join("\t");
      },
    );
    // Buckets as the indexer keeps them: votes per minute and per hour of block time.
    for (const [granularity, seconds] of [
      ["minute", 60],
      ["hour", 3600],
    ] as const) {
      const counts = new Map<number, number>();
      for (let b = 0; b < batches; b++) {
        const start = seed.timeOf(b) - (seed.timeOf(b) % seconds);
        counts.set(start, (counts.get(start) ?? 0) + Math.min(BATCH, VOTES - b * BATCH));
      }
      const entries = [...counts];
      await copyRows(
        client,
        "copy vote_bucket (id, election_id, granularity, start, count) from stdin",
        entries.length,
        (k) => {
          const [start, count] = entries[k] as [number, number];
          return [`${ELECTION}-${granularity}-${start}`, ELECTION, granularity, iso(start), count].join("\t");
        },
      );
    }
    const headAt = iso(seed.timeOf(batches - 1) + 60);
    await client.query(
      `insert into indexer_status (id, height, head_hash, chain_head, chain_head_at, updated_at, lag, finalized_height,
         chain_id, contract_address, start_block, error, error_block)
       values ('status', $1, $2, $1, $3, now(), 0, $4, $5, $6, $7, null, null)`,
      [lastBlock, blockHashes[batches - 1], headAt, lastBlock - 5, CHAIN_ID, REGISTRY, FIRST_BLOCK],
    );
    await client.query("analyze");
    return lastBlock;
  } finally {
    await client.end();
  }
}

async function seedRelayer(url: string, seed: Seed): Promise<void> {
  await migrateRelayer(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const closesAt = Math.floor(Date.now() / 1000) + 10 * 86_400;
    await client.query("insert into relayer_meta (chain_id, registry_address) values ($1, $2)", [CHAIN_ID, REGISTRY]);
    await client.query(
      `insert into elections (election_id, source, state, choice_count, opens_at, closes_at, record_until, metadata,
         next_seq)
       values ($1, 'chain', 'active', $2, $3, $4, $5, $6, $7)`,
      [
        ELECTION,
        CHOICES.length,
        iso(seed.startSeconds - 300),
        iso(closesAt),
        iso(closesAt + 86_400),
        JSON.stringify({ title: "Benchmark referendum", description: "one million votes", choices: CHOICES }),
        VOTES,
      ],
    );
    await copyRows(
      client,
      `copy batches (id, election_id, first_seq, vote_count, state, tx_hash, block_number, created_at, submitted_at,
         included_at, confirmed_at) from stdin with (format csv)`,
      seed.batches,
      (b) => {
        const at = iso(seed.timeOf(b));
        return [
          b + 1,
          ELECTION,
          b * BATCH,
          Math.min(BATCH, VOTES - b * BATCH),
          "confirmed",
          `\\x${seed.txOf(b).slice(2)}`,
          seed.blockOf(b),
          at,
          at,
          at,
          at,
        ].join(",");
      },
    );
    await client.query("select setval('batches_id_seq', $1)", [seed.batches]);
    const votesSql = `copy votes (election_id, client_id, voter_hash, ref, choice, vote_hash, state, seq, batch_id,
        accepted_at) from stdin with (format csv)`;
    await copyRows(client, votesSql, VOTES, (i) => {
      const b = Math.floor(i / BATCH);
      const ref = seed.refs.toString("hex", 16 * i, 16 * i + 16);
      return [
        ELECTION,
        1,
        `\\x${ref}${ref}`,
        `\\x${ref}`,
        seed.choices[i],
        `\\x${seed.hashes.toString("hex", 32 * i, 32 * i + 32)}`,
        "batched",
        i,
        b + 1,
        iso(seed.timeOf(b) - 2),
      ].join(",");
    });
    // Accepted a moment ago, not batched yet: the cross-check lists them as in flight.
    const queued = randomBytes(16 * QUEUED);
    const now = new Date().toISOString();
    await copyRows(client, votesSql, QUEUED, (i) => {
      const ref = queued.toString("hex", 16 * i, 16 * i + 16);
      return [ELECTION, 1, `\\x${ref}${ref}`, `\\x${ref}`, i % 4, `\\x${ref}${ref}`, "queued", "", "", now].join(",");
    });
    await client.query("analyze");
    await client.query(
      `do $$ begin
         if not exists (select from pg_roles where rolname = '${AUDIT_ROLE}') then
           create role ${AUDIT_ROLE} login;
         end if;
       end $$`,
    );
    await client.query(`grant veritally_audit_reader to ${AUDIT_ROLE}`);
  } finally {
    await client.end();
  }
}

function buildPortal(): void {
  const manifest = JSON.parse(readFileSync(path.join(portalRoot, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  if (!manifest.scripts?.build) throw new Error("portal/package.json has no build script");
  execFileSync("npm", ["run", "--silent", "build", "-w", "portal"], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "inherit"],
  });
}

interface Portal {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

async function startPortal(env: Record<string, string>): Promise<Portal> {
  const built = path.join(portalRoot, "dist", "server", "entry.mjs");
  if (!existsSync(built)) throw new Error(`${built} is missing: the portal was not built`);
  const entry = path.join(portalRoot, "server.mjs");
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: portalRoot,
    env: { ...process.env, NODE_ENV: "production", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const collect = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the portal exited with ${child.exitCode}:\n${text}`);
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the portal did not answer 200 on / within 60 s:\n${text}`);
    }
    await sleep(200);
  }
  return { url, child, output: () => text, stop };
}

interface Load {
  reqPerSec: number;
  p99Ms: number;
  p50Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** autocannon in its own process, so the load generator and this process do not share a loop. */
function autocannon(url: string, seconds: number): Promise<Load> {
  const cli = path.join(repoRoot, "node_modules", "autocannon", "autocannon.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "-c", String(CONNECTIONS), "-d", String(seconds), "-j", url], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err.slice(-2000)}`));
      try {
        const r = JSON.parse(out) as {
          requests: { average: number; total: number };
          latency: { p99: number; p50: number };
          non2xx: number;
          errors: number;
          timeouts: number;
        };
        resolve({
          reqPerSec: Math.round(r.requests.average),
          p99Ms: r.latency.p99,
          p50Ms: r.latency.p50,
          requests: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      } catch (error) {
        reject(new Error(`autocannon's output is not JSON (${(error as Error).message}): ${out.slice(0, 500)}`));
      }
    });
  });
}

async function measure(label: string, url: string): Promise<Load> {
  await autocannon(url, 2); // warm-up: JIT, connection pools, the per-height cache
  const load = await autocannon(url, DURATION);
  say(
    `  ${label.padEnd(12)} ${String(load.reqPerSec).padStart(6)} req/s  p50 ${load.p50Ms} ms  p99 ${load.p99Ms} ms` +
      `  (${load.requests} requests, ${load.non2xx} non-2xx, ${load.errors} errors)`,
  );
  if (load.non2xx > 0 || load.errors > 0) {
    throw new Error(`${label}: ${load.non2xx} non-2xx answers and ${load.errors} errors under load`);
  }
  return load;
}

/** A bare node:http server answering `body` from memory: the floor of the HTTP path on this machine. */
async function withBaselineServer<T>(
  body: Buffer,
  contentType: string,
  action: (url: string) => Promise<T>,
): Promise<T> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": contentType, "content-length": body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await action(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function dropRole(): Promise<void> {
  const admin = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  });
  await admin.connect();
  try {
    await admin.query(`drop role if exists ${AUDIT_ROLE}`);
  } finally {
    await admin.end();
  }
}

async function main(): Promise<void> {
  const databases: TestDatabase[] = [];
  let portal: Portal | undefined;
  try {
    if (!process.env.SKIP_BUILD) {
      say("building the portal");
      buildPortal();
    }
    say(`seeding ${VOTES} votes`);
    const seedStarted = performance.now();
    const seed = makeSeed();
    const indexerDb = await createTestDatabase("bench_portal_indexer");
    databases.push(indexerDb);
    const relayerDb = await createTestDatabase("bench_portal_relayer");
    databases.push(relayerDb);
    const [height] = await Promise.all([seedIndexer(indexerDb.url, seed), seedRelayer(relayerDb.url, seed)]);
    say(
      `  seeded both databases in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (indexed height ${height})`,
    );

    const auditUrl = new URL(relayerDb.url);
    auditUrl.username = AUDIT_ROLE;
    auditUrl.password = "";
    portal = await startPortal({
      INDEXER_DATABASE_URL: indexerDb.url,
      RELAYER_AUDIT_DATABASE_URL: auditUrl.toString(),
      CHAIN_ID: String(CHAIN_ID),
      REGISTRY_ADDRESS: REGISTRY,
    });
    say(`portal at ${portal.url}`);

    // The cross-check first, while nothing has computed it: the full reconciliation of every vote.
    const crossCheckUrl = `${portal.url}/elections/${ELECTION}/cross-check`;
    let started = performance.now();
    let res = await fetch(crossCheckUrl, { signal: AbortSignal.timeout(120_000) });
    const page = await res.text();
    const crossCheckSeconds = (performance.now() - started) / 1000;
    if (res.status !== 200) throw new Error(`cross-check answered ${res.status}:\n${page.slice(0, 2000)}`);
    // A fast cross-check is worth nothing unless it reconciled every vote: check its report.
    const reportRes = await fetch(`${portal.url}/api/elections/${ELECTION}/cross-check.json`);
    const report = (await reportRes.json()) as { matched?: number; pending?: { count?: number }; verdict?: string };
    if (reportRes.status !== 200 || report.matched !== VOTES || report.pending?.count !== QUEUED) {
      throw new Error(
        `the cross-check report says matched ${report.matched}, pending ${report.pending?.count}, verdict ` +
          `${report.verdict} (HTTP ${reportRes.status}); expected ${VOTES} matched and ${QUEUED} pending`,
      );
    }
    started = performance.now();
    res = await fetch(crossCheckUrl);
    await res.text();
    const cachedMs = performance.now() - started;
    say(
      `  cross-check  ${crossCheckSeconds.toFixed(2)} s for ${VOTES} votes (again, cached: ${cachedMs.toFixed(0)} ms)`,
    );

    const auditPageUrl = `${portal.url}/elections/${ELECTION}`;
    const apiUrl = `${portal.url}/api/elections/${ELECTION}.json`;
    const auditRes = await fetch(auditPageUrl);
    const auditBody = Buffer.from(await auditRes.arrayBuffer());
    if (auditRes.status !== 200) throw new Error(`the audit page answered ${auditRes.status}`);
    const apiRes = await fetch(apiUrl);
    const api = (await apiRes.json()) as { totalVotes?: number };
    if (apiRes.status !== 200 || api.totalVotes !== VOTES) {
      throw new Error(`${apiUrl} answered ${apiRes.status} with totalVotes ${api.totalVotes}, expected ${VOTES}`);
    }

    say(`load: ${CONNECTIONS} connections, ${DURATION} s each`);
    const baseline = await withBaselineServer(auditBody, auditRes.headers.get("content-type") ?? "text/html", (url) =>
      measure("baseline", url),
    );
    const auditPage = await measure("audit page", auditPageUrl);
    const apiLoad = await measure("JSON API", apiUrl);

    const result = {
      votes: VOTES,
      auditPage: { reqPerSec: auditPage.reqPerSec, p99Ms: auditPage.p99Ms },
      api: { reqPerSec: apiLoad.reqPerSec, p99Ms: apiLoad.p99Ms },
      crossCheckSeconds: Math.round(crossCheckSeconds * 100) / 100,
      baseline: { reqPerSec: baseline.reqPerSec, p99Ms: baseline.p99Ms, bytes: auditBody.length },
      measuredAt: new Date().toISOString(),
    };
    await mkdir(resultsDir, { recursive: true });
    await writeFile(path.join(resultsDir, "portal.json"), `${JSON.stringify(result, null, 2)}\n`);
    say(`wrote bench/results/portal.json`);
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    say(`  audit page p99 ${auditPage.p99Ms} ms (target <= 50 ms): ${verdict(auditPage.p99Ms <= 50)}`);
    say(`  cross-check ${result.crossCheckSeconds} s (target <= 10 s): ${verdict(crossCheckSeconds <= 10)}`);
  } finally {
    await portal?.stop();
    if (process.env.KEEP_DATABASES) {
      say(`kept (drop them yourself): ${databases.map((db) => db.name).join(", ")}; role ${AUDIT_ROLE}`);
    } else {
      for (const db of databases) await db.drop().catch(() => {});
      await dropRole().catch(() => {});
    }
  }
}

await main();
