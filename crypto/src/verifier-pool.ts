/**
 * Ballot verification on every core (Node only): worker threads, each with its own verifier for the
 * election, are sent contiguous slices of a batch. Results name the failing ballots by their index in the batch.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ElectionSpec } from "./ballot.js";
import { electionToWire } from "./election-wire.js";
import type { VerifyReply, VerifyRequest } from "./verifier-worker.js";
import type { BatchResult } from "./verify.js";

export interface VerifierPool {
  readonly threads: number;
  verify(ballots: readonly Uint8Array[]): Promise<BatchResult>;
  close(): Promise<void>;
}

export interface VerifierPoolOptions {
  /** Worker threads; default: the machine's available parallelism. */
  readonly threads?: number;
}

// The worker is TypeScript importing with .js specifiers; tsx's loader resolves them (as in the parent).
const WORKER_URL = new URL("./verifier-worker.ts", import.meta.url);

export async function createVerifierPool(
  election: ElectionSpec,
  options: VerifierPoolOptions = {},
): Promise<VerifierPool> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const wire = electionToWire(election);
  const pending = new Map<number, { resolve: (r: VerifyReply) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  let closing = false;
  // A worker that dies fails every request in flight (and every later one), rather than leaving them waiting.
  const fail = (e: Error): void => {
    failure ??= e;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  const workers = await Promise.all(
    Array.from({ length: threads }, async () => {
      const w = new Worker(WORKER_URL, { workerData: wire, execArgv: ["--import", "tsx"] });
      await new Promise<void>((resolve, reject) => {
        w.once("message", () => resolve());
        w.once("error", reject);
      });
      w.on("message", (reply: VerifyReply) => {
        pending.get(reply.id)?.resolve(reply);
        pending.delete(reply.id);
      });
      w.on("error", fail);
      w.on("exit", (code) => {
        if (!closing) fail(new Error(`a verifier worker exited (code ${code})`));
      });
      return w;
    }),
  );
  let nextId = 0;
  const ask = (w: Worker, ballots: readonly Uint8Array[]): Promise<VerifyReply> => {
    if (failure !== undefined) return Promise.reject(failure);
    const id = nextId++;
    const request: VerifyRequest = { id, ballots };
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.postMessage(request);
    });
  };
  return {
    threads,
    async verify(ballots) {
      const per = Math.ceil(ballots.length / threads);
      const slices = workers.map((w, t) => ({ w, start: t * per, part: ballots.slice(t * per, (t + 1) * per) }));
      const replies = await Promise.all(
        slices.filter((s) => s.part.length > 0).map(async (s) => ({ start: s.start, reply: await ask(s.w, s.part) })),
      );
      const failures = replies
        .flatMap(({ start, reply }) => reply.failures.map((f) => ({ index: start + f.index, reason: f.reason })))
        .sort((a, b) => a.index - b.index);
      return { ok: failures.length === 0, failures };
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
      fail(new Error("the verifier pool was closed"));
    },
  };
}
