/**
 * End to end, with 1-second blocks: a vote accepted by the relayer (202) → the same vote visible
 * in the portal's open data (`/api/votes/{ref}.json`). Baseline in the same run: accepted → its
 * transaction included in a block (read from the chain), the floor that batching and block time
 * set before any indexing. Writes bench/results/e2e.json.
 *
 *   npm run bench:e2e          (E2E_BENCH_VOTES, E2E_BENCH_RATE to change the load)
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { registryTopics } from "@veritally/contracts";
import { newElection, startTestStack } from "../e2e/harness.js";
import { castVote } from "../scripts/lib/simulator.js";
import { repoRoot } from "../scripts/lib/stack.js";

const VOTES = Number(process.env.E2E_BENCH_VOTES ?? 600);
const RATE = Number(process.env.E2E_BENCH_RATE ?? 20);

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

console.log(`starting the whole stack (1-second blocks) …`);
const stack = await startTestStack("bench-e2e", { blockMs: 1000 });
try {
  if (!stack.urls.portal) throw new Error("the portal did not start");
  await newElection(stack, 9);

  interface Pending {
    ref: string;
    acceptedAt: number;
    includedMs?: number;
    visibleMs?: number;
  }
  const votes: Pending[] = [];
  let stop = false;

  // Baseline: a watcher on the chain itself: every 50 ms, the VoteRecorded logs of new blocks.
  const byRef = new Map<string, Pending>();
  const early = new Map<string, number>(); // logs seen before the 202 reached us
  const chainWatcher = (async () => {
    let from = await stack.provider.getBlockNumber();
    while (!stop) {
      const head = await stack.provider.getBlockNumber();
      if (head > from) {
        const logs = await stack.provider.getLogs({
          address: stack.deployment.address,
          topics: [registryTopics.VoteRecorded, `0x${(9).toString(16).padStart(64, "0")}`],
          fromBlock: from + 1,
          toBlock: head,
        });
        const now = Date.now();
        for (const log of logs) {
          const ref = (log.topics[2] ?? "").slice(0, 34).toLowerCase();
          const vote = byRef.get(ref);
          if (vote) vote.includedMs = now - vote.acceptedAt;
          else early.set(ref, now);
        }
        from = head;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // Measured: the portal's open data answers 200 for the ref.
  const portalWatcher = (async () => {
    while (!stop) {
      const pending = votes.filter((v) => v.visibleMs === undefined);
      await Promise.all(
        pending.slice(0, 40).map(async (v) => {
          const res = await fetch(`${stack.urls.portal}/api/votes/${v.ref}.json`);
          if (res.status === 200) {
            const body = (await res.json()) as { votes?: unknown[] };
            if (!Array.isArray(body.votes) || body.votes.length > 0) v.visibleMs = Date.now() - v.acceptedAt;
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  console.log(`sending ${VOTES} votes at ${RATE}/s …`);
  const sends: Promise<void>[] = [];
  for (let i = 0; i < VOTES; i++) {
    const client = stack.clients[i % stack.clients.length];
    if (!client) throw new Error("no client");
    sends.push(
      castVote(stack.urls.relayer, client, 9, `bench-e2e-${i}`, i % 4).then((r) => {
        if (r.status !== 202) throw new Error(`vote ${i}: HTTP ${r.status}`);
        const vote: Pending = { ref: (r.body as { refHex: string }).refHex.toLowerCase(), acceptedAt: Date.now() };
        const seen = early.get(vote.ref);
        if (seen !== undefined) vote.includedMs = Math.max(0, seen - vote.acceptedAt);
        votes.push(vote);
        byRef.set(vote.ref, vote);
      }),
    );
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  await Promise.all(sends);
  const deadline = Date.now() + 120_000;
  while (votes.some((v) => v.visibleMs === undefined || v.includedMs === undefined)) {
    if (Date.now() > deadline) throw new Error("votes did not all become visible within 120 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  stop = true;
  await Promise.all([chainWatcher, portalWatcher]);

  const visible = votes.map((v) => v.visibleMs as number);
  const included = votes.map((v) => v.includedMs as number);
  const result = {
    votes: votes.length,
    acceptedToPortal: { p50Ms: percentile(visible, 50), p95Ms: percentile(visible, 95) },
    baseline: {
      what: "accepted → included in a block (chain read directly)",
      acceptedToIncluded: { p50Ms: percentile(included, 50), p95Ms: percentile(included, 95) },
    },
    ratioP95: Math.round((percentile(visible, 95) / percentile(included, 95)) * 100) / 100,
    blockMs: 1000,
    ratePerSecond: RATE,
    measuredAt: new Date().toISOString(),
  };
  await writeFile(path.join(repoRoot, "bench/results/e2e.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stack.dispose();
}
