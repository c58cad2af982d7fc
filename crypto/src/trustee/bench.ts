import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Ciphertext } from "../elgamal.js";
import { concat, decodePoint, encodePoint, IDENTITY, mul, mulBase } from "../group.js";
import { encryptVotes, verifiedCiphertexts } from "./ballot-input.js";
import type { WorkerInput } from "./bench-worker.js";
import { csprng } from "./context.js";
import { partialDecrypt } from "./decryption.js";
import { computeTally, verifyTally } from "./tally.js";
import { runHonestCeremony, testContext } from "./testing.js";

export interface TallyBenchOptions {
  readonly ballots?: number;
  readonly choices?: number;
  readonly workers?: number;
  readonly onProgress?: (message: string) => void;
}

export interface TallyBenchResult {
  readonly ballots: number;
  readonly choices: number;
  readonly workers: number;
  /** Summing the ballots' ciphertexts (2 · choices · ballots point additions), split over the workers. */
  readonly aggregateSeconds: number;
  /** Three trustees' partial decryptions with their proofs, one after the other. */
  readonly decryptSeconds: number;
  /** Checking the three shares, Lagrange combination and baby-step giant-step (table √ballots, shared). */
  readonly solveSeconds: number;
  /**
   * The workers' summing time added up, per ballot: what a verifier adds to each ballot it checks when it keeps a
   * running aggregate (wall time inside the workers: on a loaded machine it includes time waiting for a core).
   */
  readonly aggregateWorkerMicrosPerBallot: number;
  /** aggregate + decrypt + solve: the figure for the target. */
  readonly seconds: number;
  /**
   * Merging the workers' partial aggregates + decrypt + solve: the time from the close of the election to the
   * tally when the verifiers keep running aggregates while they check ballots.
   */
  readonly closeSeconds: number;
  /** A verifier's check of the tally (shares, combination, g^count), not part of `seconds`. */
  readonly verifySeconds: number;
  readonly counts: readonly number[];
}

const POOL = 64;
const ZEROS = 64;

/**
 * Decrypt and solve the tally of `ballots` ballots with 3-of-5 trustees, aggregation included. The ballots are
 * 4,096 distinct valid ones (64 encrypted by the ballot library, each re-randomised by 64 encryptions of zero)
 * repeated to the count: a point addition costs the same whatever the operands, and building a million ballots
 * would cost far more than counting them. Each worker holds its slice in memory, as a verifier that has just
 * checked the ballots does.
 */
export async function tallyBenchmark(opts: TallyBenchOptions = {}): Promise<TallyBenchResult> {
  const n = opts.ballots ?? 1_000_000;
  const choices = opts.choices ?? 4;
  const workers = Math.max(1, opts.workers ?? Math.min(2, availableParallelism()));
  const say = opts.onProgress ?? (() => {});
  const ctx = testContext(5, 3);
  say("key ceremony, 3 of 5 trustees");
  const ceremony = runHonestCeremony(ctx, csprng);
  const h = ceremony.record.jointKey;
  const poolVotes = Array.from({ length: POOL }, (_, i) => (i + Math.floor(i / 5)) % choices);
  const pool = await encryptVotes(ctx, h, choices, poolVotes);
  const checked = await verifiedCiphertexts(ctx, h, choices, pool);
  if (!checked.ok) throw new Error("benchmark: the ballot pool does not verify");
  const zeros = Array.from({ length: ZEROS }, () => {
    const r = csprng();
    return concat([encodePoint(mulBase(r)), encodePoint(mul(h, r))]);
  });
  const distinct = POOL * ZEROS;
  const expected = Array.from({ length: choices }, () => 0);
  for (let d = 0; d < Math.min(n, distinct); d++) {
    const times = Math.floor(n / distinct) + (d < n % distinct ? 1 : 0);
    const v = poolVotes[d % POOL] ?? 0;
    expected[v] = (expected[v] ?? 0) + times;
  }

  say(`preparing ${n} ballots of ${choices} choices in ${workers} worker(s)`);
  const slice = Math.ceil(n / workers);
  const tsx = import.meta.resolve("tsx");
  const started: Worker[] = [];
  try {
    const ready = Array.from({ length: workers }, (_, w) => {
      const data: WorkerInput = {
        pool,
        zeros,
        first: w * slice,
        count: Math.max(0, Math.min(slice, n - w * slice)),
        choices,
      };
      const worker = new Worker(new URL("./bench-worker.ts", import.meta.url), {
        workerData: data,
        execArgv: ["--import", tsx],
      });
      started.push(worker);
      return new Promise<Worker>((resolve, reject) => {
        worker.once("message", () => resolve(worker));
        worker.once("error", reject);
      });
    });
    const ready_ = await Promise.all(ready);

    say("aggregating");
    let workerSeconds = 0;
    const t0 = performance.now();
    const partials = await Promise.all(
      ready_.map(
        (worker) =>
          new Promise<Uint8Array[][]>((resolve, reject) => {
            worker.once("message", (m: { sum: Uint8Array[][]; seconds: number }) => {
              workerSeconds += m.seconds;
              resolve(m.sum);
            });
            worker.once("error", reject);
            worker.postMessage("go");
          }),
      ),
    );
    const tMerge = performance.now();
    const aggregate: Ciphertext[] = Array.from({ length: choices }, (_, j) =>
      partials.reduce<Ciphertext>(
        (acc, p, w) => {
          const [a, b] = p[j] ?? [];
          if (!a || !b) throw new Error(`benchmark: worker ${w} returned no sum for choice ${j}`);
          return {
            alpha: acc.alpha.add(decodePoint(a, "alpha", { allowIdentity: true })),
            beta: acc.beta.add(decodePoint(b, "beta", { allowIdentity: true })),
          };
        },
        { alpha: IDENTITY, beta: IDENTITY },
      ),
    );
    const t1 = performance.now();

    say("partial decryption by trustees 1, 3 and 5");
    const shares = [1, 3, 5].map((i) =>
      partialDecrypt(ceremony.record, i, ceremony.secretShares[i - 1] ?? 0n, aggregate, csprng),
    );
    const t2 = performance.now();
    say("combining and solving the discrete logarithms");
    const tally = computeTally(ceremony.record, aggregate, n, shares);
    const t3 = performance.now();
    const check = verifyTally(ceremony.record, aggregate, n, tally);
    const t4 = performance.now();
    if (!check.ok) throw new Error(`benchmark: the tally does not verify: ${check.reason}`);
    if (tally.counts.some((c, j) => c !== expected[j]))
      throw new Error(`benchmark: counts ${tally.counts} differ from the votes cast ${expected}`);
    const s = (a: number, b: number) => (b - a) / 1000;
    return {
      ballots: n,
      choices,
      workers,
      aggregateSeconds: s(t0, t1),
      aggregateWorkerMicrosPerBallot: (workerSeconds / n) * 1e6,
      decryptSeconds: s(t1, t2),
      solveSeconds: s(t2, t3),
      seconds: s(t0, t3),
      closeSeconds: s(tMerge, t3),
      verifySeconds: s(t3, t4),
      counts: tally.counts,
    };
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
}

/** The lead's figure: seconds to decrypt and solve the tally of 1,000,000 ballots, 3-of-5, aggregation included. */
export async function tally1MSeconds(onProgress?: (message: string) => void): Promise<number> {
  return (await tallyBenchmark(onProgress ? { ballots: 1_000_000, onProgress } : { ballots: 1_000_000 })).seconds;
}
