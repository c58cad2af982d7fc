/**
 * The independent verifier end to end (issue 16, item 8: 1,000,000 ballots verified in <= 30 minutes
 * on this machine), against the crypto library's own pooled verification in the same run.
 *
 * Setup: anvil (automine), VoteRegistry, a secret 4-choice election with a real 3-of-5 ceremony;
 * sealed ballots built with the library's builder on every core and recorded with
 * recordBallotBatch in batches of 100, for as long as the setup budget allows
 * (VERIFIER_BENCH_SETUP_SECONDS, default 600; VERIFIER_BENCH_MAX_BALLOTS caps the count); then
 * recording ends, trustees 1, 3 and 4 publish their shares and the tally goes on chain.
 *
 * Measured:
 * - verifier.cryptoVerifyPerSec: createVerifierPool on every core over ballots already in memory
 *   (batches of 2,048, as the verifier sends them): the baseline, with the chain idle;
 * - verifier.seconds / ballotsPerSec: verifyElection (what `veritally-verify` runs) from the RPC
 *   endpoint alone: eth_getLogs pages, ABI decoding, every proof, the aggregate, the shares, the tally;
 * - verifier.extrapolatedSecondsFor1M: 1,000,000 / ballotsPerSec (extrapolated, not measured).
 *
 * Writes the `verifier` key of bench/results/secret-ballot.json (the other keys are kept).
 *   npm run bench:verifier
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { electionToWire } from "@veritally/crypto/election-wire";
import { decodePoint } from "@veritally/crypto/group";
import { loadSodiumOps, type PointBytes } from "@veritally/crypto/sodium";
import { createVerifierPool } from "@veritally/crypto/verifier-pool";
import { verifyElection } from "@veritally/verifier";
import {
  createSecretElection,
  decryptAggregate,
  endRecording,
  headBlock,
  publishShare,
  publishTally,
  recordBallots,
  startTestChain,
} from "@veritally/verifier/testing";

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(here, "results/secret-ballot.json");
const SETUP_SECONDS = Number(process.env.VERIFIER_BENCH_SETUP_SECONDS ?? 600);
const MAX_BALLOTS = Number(process.env.VERIFIER_BENCH_MAX_BALLOTS ?? 1_000_000);
const CHOICES = 4;
const CHUNK = 2_000;
const ELECTION = 1;
const log = (m: string) => console.log(`bench:verifier ${m}`);
const round2 = (x: number) => Math.round(x * 100) / 100;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
/** A child process's CPU time so far (utime + stime from /proc), in ms. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** Builders on every core; `build(choices)` spreads one chunk across them. */
async function startBuilders(wire: ReturnType<typeof electionToWire>) {
  const url = new URL("./verifier-build-worker.ts", import.meta.url);
  const workers = await Promise.all(
    Array.from({ length: availableParallelism() }, async () => {
      const w = new Worker(url, { workerData: wire, execArgv: ["--import", "tsx"] });
      await new Promise<void>((resolve, reject) => {
        w.once("message", () => resolve());
        w.once("error", reject);
      });
      return w;
    }),
  );
  const ask = (w: Worker, choices: number[]) =>
    new Promise<Uint8Array[]>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
      w.postMessage(choices);
    });
  return {
    async build(choices: number[]): Promise<Uint8Array[]> {
      const per = Math.ceil(choices.length / workers.length);
      const parts = await Promise.all(workers.map((w, i) => ask(w, choices.slice(i * per, (i + 1) * per))));
      return parts.flat();
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

async function main(): Promise<void> {
  const loadAtStart = load();
  const chain = await startTestChain("anvil");
  try {
    const setupStarted = performance.now();
    const election = await createSecretElection(chain, { id: ELECTION, choices: CHOICES, recordSeconds: 86_400 });
    log(`election ${ELECTION} created at block ${election.createdAtBlock} (3 of 5 trustees, ${CHOICES} choices)`);
    const builders = await startBuilders(electionToWire(election.spec));
    const counts = new Array<number>(CHOICES).fill(0);
    const sample: Uint8Array[] = [];
    const ops = await loadSodiumOps();
    const sums = Array.from({ length: CHOICES }, (): { alpha: PointBytes; beta: PointBytes } => ({
      alpha: new Uint8Array(32),
      beta: new Uint8Array(32),
    }));
    let recorded = 0;
    let recording: Promise<unknown> = Promise.resolve();
    // Build the next chunk while the last one is being recorded, until the setup budget is spent.
    const elapsed = () => (performance.now() - setupStarted) / 1000;
    while (recorded < MAX_BALLOTS && elapsed() < SETUP_SECONDS) {
      const n = Math.min(CHUNK, MAX_BALLOTS - recorded);
      const choices = Array.from({ length: n }, (_, i) => (recorded + i) % CHOICES);
      const ballots = await builders.build(choices);
      await recording;
      if (sample.length < 4_096) sample.push(...ballots.slice(0, 4_096 - sample.length));
      for (const c of choices) counts[c] = (counts[c] ?? 0) + 1;
      // The trustees need the aggregate: added up here as the ballots go out (alpha_j at 2 + 64j, beta_j at 34 + 64j).
      for (const b of ballots) {
        sums.forEach((sum, j) => {
          sum.alpha = ops.add(sum.alpha, b.subarray(2 + 64 * j, 34 + 64 * j));
          sum.beta = ops.add(sum.beta, b.subarray(34 + 64 * j, 66 + 64 * j));
        });
      }
      recording = recordBallots(chain, ELECTION, recorded, ballots, 100);
      recorded += n;
      if (recorded % 20_000 === 0)
        log(`${recorded.toLocaleString("en-US")} ballots built and sent (${Math.round(elapsed())} s)`);
    }
    await recording;
    await builders.close();
    log(`${recorded.toLocaleString("en-US")} ballots recorded in ${Math.round(elapsed())} s of setup`);

    // The trustees' part, from the ballots as recorded (all valid).
    await endRecording(chain, election.recordUntil);
    const aggregate = sums.map((sum, j) => ({
      alpha: decodePoint(sum.alpha, `aggregate[${j}].alpha`, { allowIdentity: true }),
      beta: decodePoint(sum.beta, `aggregate[${j}].beta`, { allowIdentity: true }),
    }));
    const decryption = decryptAggregate(election, aggregate, recorded, [1, 3, 4]);
    for (const s of decryption.shares) await publishShare(chain, ELECTION, s.trustee, decryption.input, s);
    await publishTally(chain, ELECTION, decryption.tally.counts, decryption.input, decryption.tally);
    const setupSeconds = elapsed();
    const lastBlock = await headBlock(chain.provider);

    // The baseline: the library's pool on every core, ballots in memory, the chain idle.
    const pool = await createVerifierPool(election.spec);
    await pool.verify(sample.slice(0, 256));
    let cryptoVerifyPerSec = 0;
    let cryptoCpuMs = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round++) {
      const t = performance.now();
      const cpu = process.cpuUsage();
      for (let i = 0; i < sample.length; i += 2_048) {
        const r = await pool.verify(sample.slice(i, i + 2_048));
        if (!r.ok) throw new Error("an honest ballot was refused");
      }
      cryptoVerifyPerSec = Math.max(cryptoVerifyPerSec, sample.length / ((performance.now() - t) / 1000));
      cryptoCpuMs = Math.min(cryptoCpuMs, cpuMs(process.cpuUsage(cpu)) / sample.length);
    }
    await pool.close();
    log(`crypto library, pooled on ${pool.threads} threads: ${Math.round(cryptoVerifyPerSec)} ballots/s`);
    sample.length = 0;

    // The verifier, end to end from the RPC endpoint.
    const t = performance.now();
    const cpu = process.cpuUsage();
    const anvilCpu = processCpuMs(chain.node.process.pid);
    const report = await verifyElection({
      rpcUrl: chain.node.rpcUrl,
      registry: chain.address,
      electionId: BigInt(ELECTION),
      fromBlock: chain.deploymentBlock,
      toBlock: lastBlock,
      progressEvery: 50_000,
      onProgress: (line) => log(line),
    });
    const seconds = (performance.now() - t) / 1000;
    const verifierCpuMs = cpuMs(process.cpuUsage(cpu)) / recorded;
    const anvilCpuMs = (processCpuMs(chain.node.process.pid) - anvilCpu) / recorded;
    if (report.result !== "ok" || report.counts.valid !== recorded) {
      throw new Error(`the verifier did not verify the election: ${JSON.stringify(report.checks)}`);
    }
    if (report.tally?.counts.join(",") !== counts.join(",")) {
      throw new Error(`the verified tally ${report.tally?.counts} is not the ballots' ${counts}`);
    }
    const ballotsPerSec = recorded / seconds;
    const figures = {
      measuredAt: new Date().toISOString(),
      chain: "anvil (automine), 100 ballots per recordBallotBatch",
      choices: CHOICES,
      trustees: "3 of 5",
      ballots: recorded,
      seconds: Math.round(seconds * 10) / 10,
      ballotsPerSec: Math.round(ballotsPerSec),
      extrapolatedSecondsFor1M: Math.round(1_000_000 / ballotsPerSec),
      extrapolated: "extrapolatedSecondsFor1M is 1,000,000 / ballotsPerSec, not a run of a million ballots",
      cryptoVerifyPerSec: Math.round(cryptoVerifyPerSec),
      ratioToCrypto: Math.round((ballotsPerSec / cryptoVerifyPerSec) * 100) / 100,
      threads: report.timing.threads,
      // The machine is shared: CPU time per ballot is what its load does not inflate.
      cpuMsPerBallot: {
        verifierProcess: round2(verifierCpuMs),
        anvil: round2(anvilCpuMs),
        cryptoPool: round2(cryptoCpuMs),
      },
      ballotsPerSecFromCpuOn2Cores: Math.round(2_000 / (verifierCpuMs + anvilCpuMs)),
      cryptoVerifyPerSecFromCpuOn2Cores: Math.round(2_000 / cryptoCpuMs),
      setupSeconds: Math.round(setupSeconds),
      blocks: lastBlock - chain.deploymentBlock + 1,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: load(),
    };
    log(JSON.stringify(figures));
    // Read just before writing: another benchmark writes its own keys (intake.*) into the same file.
    const current: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, "utf8")) : {};
    await writeFile(RESULTS, `${JSON.stringify({ ...current, verifier: figures }, null, 2)}\n`);
    log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await chain.stop();
  }
}

await main();
