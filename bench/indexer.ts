/**
 * The indexer's speed, against the floor of this machine's RPC and database path.
 *
 * Seeds a local chain with 100,000 votes (batches of 500), then
 * - full sync: the indexer (the same child process an operator runs: the bundle, lib/main.js, built
 *   before the clock starts) from the deployment block until the last vote is in its database and
 *   the vote table's lookup indexes are built, timed from the process's start;
 * - baseline, same run: the same logs with plain eth_getLogs (10-block ranges, 5 at a time, as
 *   the processor asks), decoded with the same ABI decoder, written with one COPY;
 * - the same full sync without receipt fields (INDEX_GAS=false), to price the gas columns;
 * - live lag: a batch mined → its rows visible in the database, p50/p95 over 40 batches.
 * Baseline and syncs run in rounds (ROUNDS, 5), back to back; the figures are the rounds' medians
 * (the ratio: the median of each round's ratio), and each round is in "rounds".
 * Writes bench/results/indexer.json: {events, syncSeconds, eventsPerSec, baseline: {eventsPerSec},
 * ratio, liveLag: {p50Ms, p95Ms}, rounds} for the default configuration, and prints both variants.
 *
 *   npm run bench:indexer        (VOTES=20000 ROUNDS=1 for a quicker run)
 *
 * MODE=patches prices the patches of Subsquid that buy only speed (indexer/src/subsquid/index.ts)
 * instead: in each round the baseline, then full syncs of bundles with all of them, with each one
 * off, and with none, in an order that rotates from round to round. Writes
 * bench/results/subsquid-patches.json: per variant the median sync, the processor's CPU time, and
 * the median of each round's ratio of each to the one with all patches.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { events as registryEvents } from "@veritally/indexer/abi";
import { DEFERRED_INDEXES } from "@veritally/indexer/deferred-indexes";
import { indexerProcesses, indexerRoot, type ProcessSpec, prepareIndexer } from "@veritally/indexer/launch";
import {
  type ChildHandle,
  headHeight,
  indexerEnv,
  makeVotes,
  openElection,
  receiptOf,
  recordBatch,
  spawnIndexerProcess,
  startTestChain,
  type TestChain,
  waitFor,
} from "@veritally/indexer/testing";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createTestDatabase, type TestDatabase } from "../test-helpers/postgres.js";

const VOTES = Number(process.env.VOTES ?? 100_000);
const BATCH = 500;
const LIVE_SAMPLES = 40;
/** Rounds of baseline and syncs: this machine's speed drifts by ±20% from minute to minute. */
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "results");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function seed(chain: TestChain): Promise<number> {
  await openElection(chain, { electionId: 1, choices: ["A", "B", "C", "D"], closesIn: 30 * 24 * 3600 });
  let last = "";
  for (let seq = 0; seq < VOTES; seq += BATCH) {
    // Automine: each send is mined before it returns. A fixed gas limit skips the estimate.
    const sent = await recordBatch(
      chain,
      1,
      makeVotes(BigInt(seq), Math.min(BATCH, VOTES - seq), (i) => i % 4),
      {
        wait: false,
        gasLimit: 3_000_000,
      },
    );
    last = sent.hash;
    if ((seq / BATCH) % 40 === 39) process.stdout.write(`  seeded ${seq + BATCH} votes\n`);
  }
  await receiptOf(chain.provider, last);
  return headHeight(chain.provider);
}

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

interface RawLog {
  topics: string[];
  data: string;
  blockNumber: string;
  transactionHash: string;
  logIndex: string;
}

/** eth_getLogs in 10-block ranges, 5 in flight; decode; one COPY. Returns the events written. */
async function baseline(chain: TestChain, db: TestDatabase, from: number, to: number): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`create table baseline_event (kind text, election_id text, seq numeric, ref text, choice int,
      vote_hash text, first_seq numeric, count int, block_number int, tx_hash text, log_index int)`);
    const ranges: [number, number][] = [];
    for (let start = from; start <= to; start += 10) ranges.push([start, Math.min(to, start + 9)]);
    const logs: RawLog[][] = new Array(ranges.length);
    let next = 0;
    const worker = async () => {
      while (next < ranges.length) {
        const i = next++;
        const [a, b] = ranges[i] as [number, number];
        logs[i] = await rpc<RawLog[]>(chain.node.rpcUrl, "eth_getLogs", [
          { address: chain.deployment.address, fromBlock: `0x${a.toString(16)}`, toBlock: `0x${b.toString(16)}` },
        ]);
      }
    };
    await Promise.all(Array.from({ length: 5 }, worker));
    const lines: string[] = [];
    for (const log of logs.flat()) {
      const block = Number(log.blockNumber);
      const index = Number(log.logIndex);
      const topic = log.topics[0];
      if (topic === registryEvents.VoteRecorded.topic) {
        const e = registryEvents.VoteRecorded.decode(log);
        lines.push(
          `vote\t${e.electionId}\t${e.seq}\t${e.ref}\t${e.choice}\t${e.voteHash}\t\\N\t\\N\t${block}\t${log.transactionHash}\t${index}`,
        );
      } else if (topic === registryEvents.BatchRecorded.topic) {
        const e = registryEvents.BatchRecorded.decode(log);
        lines.push(
          `batch\t${e.electionId}\t\\N\t\\N\t\\N\t\\N\t${e.firstSeq}\t${e.count}\t${block}\t${log.transactionHash}\t${index}`,
        );
      } else if (topic === registryEvents.ElectionCreated.topic) {
        const e = registryEvents.ElectionCreated.decode(log);
        lines.push(
          `election\t${e.electionId}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t${block}\t${log.transactionHash}\t${index}`,
        );
      }
    }
    const copy = client.query(copyFrom("copy baseline_event from stdin"));
    await pipeline(Readable.from([`${lines.join("\n")}\n`]), copy);
    return lines.length;
  } finally {
    await client.end();
  }
}

/**
 * Before each timed run: the previous runs' writes flushed to disk, so that a checkpoint they
 * started does not land in the next one's time (the baseline's and the syncs' alike).
 */
async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("checkpoint");
  } finally {
    await client.end();
  }
}

async function countEvents(client: pg.Client): Promise<number> {
  const [row] = (
    await client.query(
      "select (select count(*) from vote) + (select count(*) from batch) + (select count(*) from election) as n",
    )
  ).rows;
  return Number(row.n);
}

interface SyncResult {
  seconds: number;
  /** From the process's start to its first request for blocks (module loading, migrations, checks). */
  startupSeconds: number;
  events: number;
  indexer: ChildHandle;
  client: pg.Client;
}

async function fullSync(
  chain: TestChain,
  db: TestDatabase,
  env: Record<string, string>,
  entry: string = processor.args.at(-1) as string,
): Promise<SyncResult> {
  const started = performance.now();
  const startedAt = Date.now();
  // As an operator runs it (npm run process): the bundle, with the processor's Node flags.
  const indexer = spawnIndexerProcess(
    entry,
    indexerEnv(chain, db.url, { FINALITY_CONFIRMATION: "10", ...env }),
    [],
    processor.args.slice(0, -1),
  );
  const client = await waitFor(
    "the indexer's database",
    async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    },
    60_000,
    20,
  );
  await waitFor(
    `${VOTES} votes indexed`,
    async () => {
      const [row] = (await client.query("select total_votes from election where id = '1'").catch(() => ({ rows: [] })))
        .rows;
      if (row?.total_votes !== VOTES) return false;
      // Done means ready to serve: the vote table's lookup indexes, built at the head, count in the time.
      const { rows } = await client.query("select count(*)::int as n from pg_indexes where indexname = any($1)", [
        DEFERRED_INDEXES.map((index) => index.name),
      ]);
      return rows[0]?.n === DEFERRED_INDEXES.length;
    },
    600_000,
    20,
  );
  const seconds = (performance.now() - started) / 1000;
  const processing = indexer
    .output()
    .split("\n")
    .map((line) => {
      try {
        return JSON.parse(line) as { time?: number; msg?: string };
      } catch {
        return {};
      }
    })
    .find((entry) => entry.msg?.startsWith("processing blocks from"));
  const startupSeconds = processing?.time ? (processing.time - startedAt) / 1000 : Number.NaN;
  // A restart or a warning during the sync is part of the figure: show it.
  for (const line of indexer.output().split("\n")) {
    if (/"level":[3-5]/.test(line)) console.log(`  indexer: ${line.slice(0, 400)}`);
  }
  return { seconds, startupSeconds, events: await countEvents(client), indexer, client };
}

async function liveLag(chain: TestChain, client: pg.Client, firstSeq: number): Promise<number[]> {
  const lags: number[] = [];
  for (let i = 0; i < LIVE_SAMPLES; i++) {
    const votes = makeVotes(BigInt(firstSeq + i * 50), 50, () => 0);
    // Automine: the block is mined when eth_sendRawTransaction returns.
    const { hash } = await recordBatch(chain, 1, votes, { wait: false, gasLimit: 1_000_000 });
    const mined = performance.now();
    for (;;) {
      const { rows } = await client.query("select 1 from batch where tx_hash = $1", [hash]);
      if (rows.length) break;
      await sleep(2);
    }
    lags.push(performance.now() - mined);
    await sleep(150 + Math.random() * 100);
  }
  return lags;
}

interface Variant {
  name: string;
  evmEntities: boolean;
  speedPatches: { mergeReadyBatches?: boolean };
}

const VARIANTS: Variant[] = [
  { name: "all patches", evmEntities: true, speedPatches: {} },
  { name: "without evm-entities", evmEntities: false, speedPatches: {} },
  { name: "without merged batches", evmEntities: true, speedPatches: { mergeReadyBatches: false } },
  { name: "no speed patch", evmEntities: false, speedPatches: { mergeReadyBatches: false } },
];

/**
 * CPU seconds (user and system) a process has used so far, from /proc: less disturbed than wall
 * time by other work on a shared machine. Linux's clock tick is 100 Hz.
 */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name (which may hold spaces), from the third: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** MODE=patches: each variant's bundle, built before the clock starts. */
async function buildVariants(): Promise<{ variant: Variant; entry: string }[]> {
  const { buildProcessor } = await import("@veritally/indexer/build");
  const built: { variant: Variant; entry: string }[] = [];
  for (const [index, variant] of VARIANTS.entries()) {
    const outDir = path.join(indexerRoot, "lib", "bench-variants", String(index));
    await buildProcessor({ variant: { outDir, evmEntities: variant.evmEntities, speedPatches: variant.speedPatches } });
    built.push({ variant, entry: path.relative(indexerRoot, path.join(outDir, "start.js")) });
  }
  return built;
}

/** One baseline run into a fresh database (dropped once counted): events per second. */
async function timedBaseline(head: number): Promise<number> {
  const db = await createTestDatabase("bench_baseline");
  databases.push(db);
  await checkpoint(db.url);
  const started = performance.now();
  const events = await baseline(chain, db, chain.deployment.deploymentBlock, head);
  const rate = events / ((performance.now() - started) / 1000);
  await db.drop();
  return rate;
}

async function pricePatches(head: number): Promise<void> {
  const variants = await buildVariants();
  const seconds: number[][] = variants.map(() => []);
  const cpu: number[][] = variants.map(() => []);
  const relative: number[][] = variants.map(() => []);
  const cpuRelative: number[][] = variants.map(() => []);
  const ratios: number[][] = variants.map(() => []);
  for (let round = 1; round <= ROUNDS; round++) {
    const baselineRate = await timedBaseline(head);
    const times: number[] = new Array(variants.length).fill(Number.NaN);
    const cpuTimes: number[] = new Array(variants.length).fill(Number.NaN);
    for (let step = 0; step < variants.length; step++) {
      const index = (step + round - 1) % variants.length;
      const { entry } = variants[index] as (typeof variants)[number];
      const db = await createTestDatabase(`bench_variant_${index}`);
      databases.push(db);
      await checkpoint(db.url);
      const result = await fullSync(chain, db, {}, entry);
      cpuTimes[index] = await cpuSeconds(result.indexer.process.pid);
      cpu[index]?.push(cpuTimes[index] as number);
      await result.indexer.stop();
      await result.client.end();
      await db.drop();
      if (result.events !== EXPECTED_EVENTS)
        throw new Error(`${variants[index]?.variant.name}: ${result.events} events`);
      times[index] = result.seconds;
      seconds[index]?.push(result.seconds);
      ratios[index]?.push(result.events / result.seconds / baselineRate);
    }
    const all = times[0] as number;
    for (const [index, time] of times.entries()) relative[index]?.push(time / all);
    for (const [index, time] of cpuTimes.entries()) cpuRelative[index]?.push(time / (cpuTimes[0] as number));
    console.log(
      `round ${round}: baseline ${Math.round(baselineRate)}/s; ` +
        variants
          .map((v, index) => `${v.variant.name} ${times[index]?.toFixed(2)} s (CPU ${cpuTimes[index]?.toFixed(2)} s)`)
          .join(", "),
    );
  }
  const result = {
    events: EXPECTED_EVENTS,
    rounds: ROUNDS,
    variants: variants.map(({ variant }, index) => ({
      name: variant.name,
      syncSeconds: Number(median(seconds[index] ?? []).toFixed(3)),
      ratioToBaseline: Number(median(ratios[index] ?? []).toFixed(3)),
      timeRelativeToAllPatches: Number(median(relative[index] ?? []).toFixed(3)),
      cpuSeconds: Number(median(cpu[index] ?? []).toFixed(3)),
      cpuRelativeToAllPatches: Number(median(cpuRelative[index] ?? []).toFixed(3)),
      roundsSeconds: (seconds[index] ?? []).map((value) => Number(value.toFixed(3))),
    })),
  };
  for (const variant of result.variants) {
    console.log(
      `${variant.name}: median ${variant.syncSeconds} s, ratio to baseline ${variant.ratioToBaseline}, ` +
        `time relative to all patches ${variant.timeRelativeToAllPatches}; ` +
        `processor CPU ${variant.cpuSeconds} s, relative ${variant.cpuRelativeToAllPatches}`,
    );
  }
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, "subsquid-patches.json"), `${JSON.stringify(result, null, 2)}\n`);
}

/** Events a full sync indexes: the votes, one BatchRecorded per batch, one ElectionCreated. */
const EXPECTED_EVENTS = VOTES + Math.ceil(VOTES / BATCH) + 1;

await prepareIndexer();
const processor = indexerProcesses().find((p) => p.name === "indexer-processor") as ProcessSpec;
const chain = await startTestChain();
const databases: TestDatabase[] = [];
const children: ChildHandle[] = [];
const clients: pg.Client[] = [];
const median = (values: number[]) => percentile(values, 50);
try {
  console.log(`seeding ${VOTES} votes in batches of ${BATCH} on ${chain.node.rpcUrl}`);
  const seedStart = performance.now();
  const head = await seed(chain);
  console.log(`  seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; chain height ${head}`);
  if (process.env.MODE === "patches") await pricePatches(head);
  else await measureIndexer(head);
} finally {
  await Promise.all(children.map((c) => c.stop()));
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  await Promise.all(databases.map((d) => d.drop().catch(() => {})));
  await chain.stop();
}

async function measureIndexer(head: number): Promise<void> {
  // Each round: the baseline, then the sync without and with receipt fields, back to back, so that
  // each ratio compares runs made under the same conditions. The two syncs swap places from one
  // round to the next (the last round ends with the default one, whose indexer stays for the live
  // lag), and each run's database goes as soon as it has been counted, so that no run shares the
  // machine with the one before's leftovers. The figures are the rounds' medians.
  const rounds: { baseline: number; sync: SyncResult; noGas: number; ratio: number; noGasRatio: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const baselineRate = await timedBaseline(head);

    const timedSync = async (name: string, env: Record<string, string>, keep: boolean): Promise<SyncResult> => {
      const db = await createTestDatabase(name);
      databases.push(db);
      await checkpoint(db.url);
      const result = await fullSync(chain, db, env);
      children.push(result.indexer);
      clients.push(result.client);
      if (!keep) {
        await result.indexer.stop();
        await result.client.end();
        await db.drop();
      }
      return result;
    };
    const last = round === ROUNDS;
    const gasFirst = !last && round % 2 === 0;
    let sync = gasFirst ? await timedSync("bench_sync", {}, false) : undefined;
    const noGas = await timedSync("bench_nogas", { INDEX_GAS: "false" }, false);
    sync ??= await timedSync("bench_sync", {}, last);
    const noGasRate = noGas.events / noGas.seconds;
    const rate = sync.events / sync.seconds;
    rounds.push({
      baseline: baselineRate,
      sync,
      noGas: noGasRate,
      ratio: rate / baselineRate,
      noGasRatio: noGasRate / baselineRate,
    });
    console.log(
      `round ${round}: baseline ${Math.round(baselineRate)}/s; full sync ${sync.events} events in ${sync.seconds.toFixed(2)} s = ` +
        `${Math.round(rate)}/s (of which ${sync.startupSeconds.toFixed(2)} s process start), ratio ${(rate / baselineRate).toFixed(3)}; ` +
        `without receipt fields ${Math.round(noGasRate)}/s, ratio ${(noGasRate / baselineRate).toFixed(3)}`,
    );
  }

  const last = rounds.at(-1) as (typeof rounds)[number];
  const lags = await liveLag(chain, last.sync.client, VOTES);
  const syncSeconds = median(rounds.map((r) => r.sync.seconds));
  const result = {
    events: last.sync.events,
    syncSeconds: Number(syncSeconds.toFixed(3)),
    eventsPerSec: Math.round(median(rounds.map((r) => r.sync.events / r.sync.seconds))),
    baseline: { eventsPerSec: Math.round(median(rounds.map((r) => r.baseline))) },
    ratio: Number(median(rounds.map((r) => r.ratio)).toFixed(3)),
    liveLag: { p50Ms: Math.round(percentile(lags, 50)), p95Ms: Math.round(percentile(lags, 95)) },
    rounds: rounds.map((r) => ({
      baselineEventsPerSec: Math.round(r.baseline),
      syncSeconds: Number(r.sync.seconds.toFixed(3)),
      startupSeconds: Number(r.sync.startupSeconds.toFixed(3)),
      ratio: Number(r.ratio.toFixed(3)),
      withoutReceiptFields: { eventsPerSec: Math.round(r.noGas), ratio: Number(r.noGasRatio.toFixed(3)) },
    })),
  };
  console.log(`live lag over ${lags.length} batches: p50 ${result.liveLag.p50Ms} ms, p95 ${result.liveLag.p95Ms} ms`);
  console.log(
    `median of ${ROUNDS} rounds: ${result.eventsPerSec} events/s, baseline ${result.baseline.eventsPerSec}/s, ratio ${result.ratio}; ` +
      `without receipt fields, ratio ${median(rounds.map((r) => r.noGasRatio)).toFixed(3)}`,
  );
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, "indexer.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
}
