/**
 * The relayer's benchmark (not a test): `npm run bench:relayer`.
 *
 * 1. Intake throughput. autocannon, 100 connections, 15 s, a distinct voter per request, against
 *    the real relayer API (src/server.ts in its own process, with its own Postgres database and a
 *    local chain), and in the same run the same load against a bare Fastify endpoint doing one
 *    INSERT per request on the same Postgres (the baseline, also its own process). Each gets a
 *    3 s warm-up first.
 * 2. Accept → included latency with 1-second blocks: the API and the worker (default MAX_WAIT_MS)
 *    on a fresh chain and database, a few thousand votes at a steady rate, latency per vote from
 *    the database (batch seen mined minus vote accepted).
 *
 * Writes bench/results/relayer.json: {relayer, baseline, ratio, acceptToIncluded}.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_ACCOUNTS } from "@veritally/contracts";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import { freePort, type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import autocannon from "autocannon";
import { NonceManager, Wallet } from "ethers";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../test-helpers/postgres.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(root, "bench/results/relayer.json");
const CONNECTIONS = 100;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const WARMUP_S = 3;
const LATENCY_VOTES = Number(process.env.BENCH_LATENCY_VOTES ?? 3000);
const LATENCY_RATE = 300; // votes per second during the latency run
const ADMIN_KEY = "bench-admin-key-0123456789abcdef";
const VOTER_SECRET = "bench-voter-secret-0123456789abcdef0123456789";

// ---------------------------------------------------------------------------------------------
// The baseline server: run as a child process of this script.
// ---------------------------------------------------------------------------------------------
if (process.argv[2] === "--baseline-server") {
  const { default: Fastify } = await import("fastify");
  const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  await db.query(
    `create table if not exists bench_baseline (
       id bigserial primary key, voter_id text not null, choice integer not null,
       accepted_at timestamptz not null default now())`,
  );
  const app = Fastify();
  app.post("/votes", async (request, reply) => {
    const body = request.body as { voterId: string; choice: number };
    const { rows } = await db.query("insert into bench_baseline (voter_id, choice) values ($1, $2) returning id", [
      body.voterId,
      body.choice,
    ]);
    return reply.code(202).send({ id: rows[0].id });
  });
  app.get("/health", async () => ({ status: "ok" }));
  await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT) });
  await new Promise(() => {});
}

// ---------------------------------------------------------------------------------------------

interface Figures {
  votesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const children: ChildProcess[] = [];
const nodes: LocalNode[] = [];
const databases: TestDatabase[] = [];

function spawnTs(file: string, args: string[], env: Record<string, string>, label: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("exit", (code, signal) => {
    if (code !== null && code !== 0) console.error(`${label} exited with ${code}:\n${tail}`);
    else if (signal && signal !== "SIGTERM" && signal !== "SIGKILL") console.error(`${label} got ${signal}`);
  });
  children.push(child);
  return child;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

async function chainWithElection(blockMs: number) {
  const node = await startLocalNode({ blockMs });
  nodes.push(node);
  const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
  const { registry, deployment } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
  const now = Math.max((await node.provider.getBlock("latest"))?.timestamp ?? 0, Math.floor(Date.now() / 1000));
  await createElection(registry, {
    electionId: 1,
    metadata: { title: "Benchmark", description: "", choices: ["A", "B", "C", "D"] },
    opensAt: now - 3600,
    closesAt: now + 86_400,
    recordUntil: now + 2 * 86_400,
  });
  return { node, registryAddress: deployment.address };
}

async function startRelayer(db: TestDatabase, rpcUrl: string, registryAddress: string, withWorker: boolean) {
  const port = await freePort();
  const env = {
    DATABASE_URL: db.url,
    RPC_URLS: rpcUrl,
    REGISTRY_ADDRESS: registryAddress,
    ADMIN_API_KEY: ADMIN_KEY,
    VOTER_ID_SECRET: VOTER_SECRET,
    PORT: String(port),
    LOG_LEVEL: "warn",
  };
  const api = spawnTs("relayer/src/server.ts", [], env, "relayer API");
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, api);
  const worker = withWorker ? spawnTs("relayer/src/worker.ts", [], env, "relayer worker") : undefined;
  const created = await fetch(`${url}/v1/admin/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", rateLimitPerMinute: 100_000_000 }),
  });
  const key = ((await created.json()) as { apiKey: { key: string } }).apiKey.key;
  return { url, key, api, worker };
}

let voterCounter = 0;
function load(
  url: string,
  pathName: string,
  headers: Record<string, string>,
  options: { duration?: number; amount?: number; connections?: number; overallRate?: number },
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections ?? CONNECTIONS,
        ...(options.duration !== undefined ? { duration: options.duration } : {}),
        ...(options.amount !== undefined ? { amount: options.amount } : {}),
        ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
        requests: [
          {
            method: "POST",
            path: pathName,
            headers: { "content-type": "application/json", ...headers },
            // A distinct voter per request.
            setupRequest: (request) => {
              const n = voterCounter++;
              return { ...request, body: JSON.stringify({ voterId: `bench-voter-${n}`, choice: n % 4 }) };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    void instance;
  });
}

function figures(result: autocannon.Result): Figures {
  return {
    votesPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function measure(label: string, url: string, pathName: string, headers: Record<string, string>) {
  await load(url, pathName, headers, { duration: WARMUP_S });
  const result = await load(url, pathName, headers, { duration: DURATION_S });
  const f = figures(result);
  console.log(
    `${label.padEnd(9)} ${f.votesPerSec} votes/s  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  errors ${f.errors}  (${result.requests.total} requests)`,
  );
  return f;
}

async function cleanup(): Promise<void> {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const node of nodes) await node.stop().catch(() => {});
  for (const db of databases) await db.drop().catch(() => {});
}

try {
  // 1. Intake throughput: relayer API against the baseline, same Postgres, same load.
  console.log(
    `intake: ${CONNECTIONS} connections, ${DURATION_S} s after a ${WARMUP_S} s warm-up, a distinct voter per request`,
  );
  const chainA = await chainWithElection(0);
  const relayerDb = await createTestDatabase("bench_relayer");
  const baselineDb = await createTestDatabase("bench_baseline");
  databases.push(relayerDb, baselineDb);

  const baselinePort = await freePort();
  const baseline = spawnTs(
    "bench/relayer.ts",
    ["--baseline-server"],
    { DATABASE_URL: baselineDb.url, PORT: String(baselinePort) },
    "baseline",
  );
  const baselineUrl = `http://127.0.0.1:${baselinePort}`;
  await waitHealthy(baselineUrl, baseline);
  const baselineFigures = await measure("baseline", baselineUrl, "/votes", {});
  baseline.kill("SIGTERM");

  const relayer = await startRelayer(relayerDb, chainA.node.rpcUrl, chainA.registryAddress, false);
  const relayerFigures = await measure("relayer", relayer.url, "/v1/elections/1/votes", {
    authorization: `Bearer ${relayer.key}`,
  });
  relayer.api.kill("SIGTERM");
  const check = new pg.Client({ connectionString: relayerDb.url });
  await check.connect();
  const stored = Number((await check.query("select count(*) from votes")).rows[0].count);
  await check.end();
  console.log(`relayer stored ${stored} votes (every 2xx answer is a committed row)`);

  // 2. Accept → included with 1-second blocks, API and worker running.
  console.log(`accept→included: ${LATENCY_VOTES} votes at ${LATENCY_RATE}/s, 1-second blocks, default MAX_WAIT_MS`);
  const chainB = await chainWithElection(1000);
  const latencyDb = await createTestDatabase("bench_latency");
  databases.push(latencyDb);
  const live = await startRelayer(latencyDb, chainB.node.rpcUrl, chainB.registryAddress, true);
  const sent = await load(
    live.url,
    "/v1/elections/1/votes",
    { authorization: `Bearer ${live.key}` },
    {
      amount: LATENCY_VOTES,
      connections: 10,
      overallRate: LATENCY_RATE,
    },
  );
  const sql = new pg.Client({ connectionString: latencyDb.url });
  await sql.connect();
  const deadline = Date.now() + 120_000;
  let included = 0;
  while (Date.now() < deadline) {
    included = Number(
      (await sql.query("select count(*) from vote_audit where status in ('included', 'confirmed')")).rows[0].count,
    );
    if (included >= sent.requests.total - sent.non2xx) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { rows } = await sql.query<{ votes: string; p50: number; p95: number }>(
    `select count(*) as votes,
            percentile_cont(0.5) within group (order by extract(epoch from b.included_at - v.accepted_at)) * 1000 as p50,
            percentile_cont(0.95) within group (order by extract(epoch from b.included_at - v.accepted_at)) * 1000 as p95
       from votes v join batches b on b.id = v.batch_id where b.state in ('included', 'confirmed')`,
  );
  const batches = await sql.query("select count(*) as n, avg(vote_count) as mean from batches");
  await sql.end();
  const latency = {
    votes: Number(rows[0]?.votes ?? 0),
    p50Ms: Math.round(Number(rows[0]?.p50 ?? 0)),
    p95Ms: Math.round(Number(rows[0]?.p95 ?? 0)),
  };
  console.log(
    `accept→included: ${latency.votes} votes in ${batches.rows[0].n} batches (mean ${Number(batches.rows[0].mean).toFixed(1)}), p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms`,
  );

  const result = {
    relayer: relayerFigures,
    baseline: baselineFigures,
    ratio: Math.round((relayerFigures.votesPerSec / baselineFigures.votesPerSec) * 100) / 100,
    acceptToIncluded: latency,
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `\nratio ${result.ratio} (target ≥ 0.7), relayer p99 ${relayerFigures.p99Ms} ms (target ≤ 50), errors ${relayerFigures.errors}`,
  );
  console.log(`accept→included p95 ${latency.p95Ms} ms (target ≤ 3000)`);
  console.log(`wrote ${path.relative(root, resultsFile)}`);
} finally {
  await cleanup();
}
process.exit(0);
