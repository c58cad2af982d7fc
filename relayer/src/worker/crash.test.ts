/**
 * The crash test: while votes stream in, the worker process is killed with SIGKILL at random
 * moments and started again. Afterwards the chain must hold every vote that got a 202 exactly
 * once, nothing else, with the election's seqs 0..n-1 and no gap.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildApp } from "../app.js";
import {
  adminHeaders,
  assertContiguous,
  recordedVotes,
  startTestChain,
  startTestDb,
  type TestChain,
  type TestDb,
  testConfig,
  until,
  untilCountReaches,
} from "../testing/setup.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const workerEntry = path.join(repoRoot, "relayer/src/worker.ts");

let chain: TestChain;
let db: TestDb;
let app: FastifyInstance;
let sql: pg.Pool;
let key: string;
let child: ChildProcess | undefined;
const output: string[] = [];

function startWorker(failpoints = ""): ChildProcess {
  const proc = spawn(process.execPath, ["--import", "tsx", workerEntry], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      RPC_URLS: chain.node.rpcUrl,
      REGISTRY_ADDRESS: chain.registryAddress,
      MAX_BATCH: "25",
      MAX_WAIT_MS: "50",
      POLL_MS: "20",
      CONFIRMATIONS: "1",
      STUCK_AFTER_MS: "3000",
      LOG_LEVEL: "warn",
      RELAYER_FAILPOINTS: failpoints,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  return proc;
}

async function kill(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGKILL");
  await gone;
}

beforeAll(async () => {
  // 200 ms blocks: at a kill, some transactions are signed, some sent, some mined, some not.
  [chain, db] = await Promise.all([startTestChain(200), startTestDb("relayer_crash")]);
  await chain.createElection(1, { choices: 5 });
  app = await buildApp({ config: testConfig(db, chain) });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  key = (
    await app.inject({ method: "POST", url: "/v1/admin/clients", headers: adminHeaders, payload: { name: "crash" } })
  ).json().apiKey.key;
});

afterAll(async () => {
  await kill(child);
  await app?.close();
  await sql?.end();
  await chain?.stop();
  await db?.drop();
});

it("after kill -9 at random points and restarts, every accepted vote is on chain exactly once with no gap", async () => {
  const accepted: string[] = [];
  let voting = true;
  const voter = (async () => {
    for (let round = 0; voting || round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          app.inject({
            method: "POST",
            url: "/v1/elections/1/votes",
            headers: { authorization: `Bearer ${key}` },
            payload: { voterId: `crash-${round}-${i}`, choice: (round + i) % 5 },
          }),
        ),
      );
      for (const a of answers) {
        expect(a.statusCode).toBe(202);
        accepted.push(a.json().refHex);
      }
      await new Promise((r) => setTimeout(r, 60));
      if (round > 400) break;
    }
  })();

  // Odd rounds: killed from outside at a random moment. Even rounds: the worker kills itself at
  // one of the narrow points (stored not sent, sent not recorded, mined not recorded, ...).
  const kills = 10;
  let selfKills = 0;
  for (let k = 0; k < kills; k++) {
    const points =
      k % 2 === 0
        ? "after_form=0.05,after_store=0.08,after_broadcast=0.08,before_mined_update=0.08,after_reconcile_read=0.5"
        : "";
    // The database's clock, not this process's: the heartbeat is written with now().
    const startedAt: Date = (await sql.query("select clock_timestamp() as t")).rows[0].t;
    child = startWorker(points);
    let exited = false;
    child.once("exit", () => {
      exited = true;
    });
    // Wait until it works (its first heartbeat; boot time varies with the machine's load), then
    // kill it at a random moment of its work, unless a failpoint got it first.
    await until(
      async () =>
        exited || (await sql.query("select 1 from worker_status where heartbeat_at > $1", [startedAt])).rowCount === 1,
      { timeoutMs: 60_000, what: "the worker's first heartbeat" },
    );
    const deadline = Date.now() + 200 + Math.random() * 1500;
    while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const died = exited;
    if (died) selfKills++;
    await kill(child);
  }
  voting = false;
  await voter;
  // The kills hit a worker at work: part of the votes reached the chain between them.
  const recordedDuringKills = (await recordedVotes(chain, 1)).length;
  expect(recordedDuringKills).toBeGreaterThan(0);
  child = startWorker();
  try {
    await untilCountReaches(async () => (await recordedVotes(chain, 1)).length, accepted.length, {
      what: "votes on chain",
    });
    // Until the worker has settled everything (no vote queued, every batch confirmed or failed):
    // then nothing it sent is still on its way, and anything recorded twice is on chain now.
    await until(
      async () =>
        (
          await sql.query(
            `select (select count(*) from votes where state = 'queued')::int
                  + (select count(*) from batches where state not in ('confirmed', 'failed'))::int as open`,
          )
        ).rows[0].open === 0,
      { timeoutMs: 60_000, intervalMs: 250, what: "every batch settled" },
    );
  } catch (error) {
    console.log(output.join(""));
    throw error;
  }
  const records = await recordedVotes(chain, 1);
  expect(records).toHaveLength(accepted.length);
  const refs = assertContiguous(records);
  expect(new Set(refs)).toEqual(new Set(accepted));
  expect(Number(await chain.registry.nextSeq(1))).toBe(accepted.length);
  // the database agrees with the chain
  const { rows } = await sql.query(
    "select count(*) filter (where status in ('included', 'confirmed')) as on_chain, count(*) as total from vote_audit",
  );
  await until(async () => {
    const r = await sql.query(
      "select count(*) filter (where status in ('included', 'confirmed')) as n from vote_audit",
    );
    return Number(r.rows[0].n) === accepted.length;
  });
  expect(Number(rows[0].total)).toBe(accepted.length);
  const { rows: seqs } = await sql.query(
    "select seq, encode(ref, 'hex') as ref from vote_audit where election_id = 1 order by seq",
  );
  const bySeq = new Map(records.map((r) => [r.seq, r.ref]));
  for (const s of seqs) expect(`0x${s.ref}`).toBe(bySeq.get(Number(s.seq)));
  const { rows: work } = await sql.query(
    `select (select count(*) from chain_txs) as txs, (select count(*) from batches) as batches,
            (select count(*) from batches where state = 'failed') as failed_batches,
            (select count(*) from tx_attempts where sent_at - created_at > interval '500 ms') as sent_after_restart`,
  );
  console.log(
    `crash test: ${accepted.length} votes, ${kills} kills (${selfKills} at failpoints), ${recordedDuringKills} recorded during kills`,
    work[0],
  );
  expect(selfKills).toBeGreaterThan(0);
}, 180_000);
