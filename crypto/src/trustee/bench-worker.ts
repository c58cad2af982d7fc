import { parentPort, workerData } from "node:worker_threads";
import { ballotCiphertexts } from "../ballot.js";
import type { Ciphertext } from "../elgamal.js";
import { decodePoint, encodePoint } from "../group.js";
import { aggregateBallots } from "./aggregate.js";

/**
 * One benchmark worker: holds its slice of the ballots' ciphertexts in memory (as a verifier has them after
 * checking the ballots) and, on "go", sums them with aggregateBallots; it posts the encoded partial aggregate.
 */
export interface WorkerInput {
  readonly pool: readonly Uint8Array[];
  /** Encryptions of zero (α ‖ β, 64 bytes each) that re-randomise the pool into distinct ballots. */
  readonly zeros: readonly Uint8Array[];
  readonly first: number;
  readonly count: number;
  readonly choices: number;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error("bench-worker: must run in a worker thread");

const pool = input.pool.map((b) => ballotCiphertexts(b, input.choices));
const zeros: Ciphertext[] = input.zeros.map((z, i) => ({
  alpha: decodePoint(z.subarray(0, 32), `zeros[${i}].alpha`),
  beta: decodePoint(z.subarray(32, 64), `zeros[${i}].beta`),
}));
// distinct[d] = pool[d mod P] re-randomised by zeros[⌊d / P⌋]: P·Z different valid ballots of known votes.
const distinct = zeros.flatMap((z) =>
  pool.map((b) => b.map((ct) => ({ alpha: ct.alpha.add(z.alpha), beta: ct.beta.add(z.beta) }))),
);
const ballots = Array.from({ length: input.count }, (_, n) => distinct[(input.first + n) % distinct.length] ?? []);
port.postMessage({ ready: true });
port.once("message", () => {
  const started = performance.now();
  const sum = aggregateBallots(ballots, input.choices);
  const seconds = (performance.now() - started) / 1000;
  port.postMessage({ seconds, sum: sum.map((ct) => [encodePoint(ct.alpha), encodePoint(ct.beta)]) });
});
