/**
 * Vote hashes off the event loop. computeVoteHash (the shared implementation) is the largest cost
 * of accepting a vote; a worker thread computes them, for every request of an event-loop turn in
 * one message, while the main thread parses, checks and writes. `threads: 0` computes inline.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { computeVoteHash, type VoteHashInput } from "@veritally/contracts";

export interface VoteHasher {
  hash(input: VoteHashInput): Promise<string>;
  close(): Promise<void>;
}

interface Pending {
  input: VoteHashInput;
  resolve: (hash: string) => void;
  reject: (error: unknown) => void;
}

export function createVoteHasher(threads: number): VoteHasher {
  if (threads <= 0) {
    return { hash: async (input) => computeVoteHash(input), close: async () => {} };
  }
  // The thread runs TypeScript (the shared module is TypeScript): it registers tsx first.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href;
  const entry = new URL("./vote-hasher-thread.ts", import.meta.url).href;
  const source = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`;
  const workers = Array.from({ length: threads }, () => {
    const worker = new Worker(source, { eval: true });
    worker.unref();
    return worker;
  });
  const waiting = new Map<number, Pending[]>();
  let nextId = 0;
  let next = 0;
  let queue: Pending[] = [];
  let scheduled = false;
  let closed = false;

  for (const worker of workers) {
    worker.on("message", (message: { id: number; hashes?: string[]; error?: string }) => {
      const group = waiting.get(message.id);
      waiting.delete(message.id);
      if (!group) return;
      group.forEach((p, i) => {
        const hash = message.hashes?.[i];
        if (hash) p.resolve(hash);
        else p.reject(new Error(message.error ?? "vote hash thread failed"));
      });
    });
    worker.on("error", (error) => {
      for (const group of waiting.values()) for (const p of group) p.reject(error);
      waiting.clear();
    });
  }

  function flush(): void {
    scheduled = false;
    const group = queue;
    queue = [];
    if (group.length === 0) return;
    const id = nextId++;
    waiting.set(id, group);
    const worker = workers[next++ % workers.length] as Worker;
    worker.postMessage({
      id,
      inputs: group.map((p) => ({
        ...p.input,
        chainId: p.input.chainId.toString(),
        electionId: p.input.electionId.toString(),
      })),
    });
  }

  return {
    hash(input) {
      if (closed) return Promise.resolve(computeVoteHash(input));
      return new Promise<string>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
