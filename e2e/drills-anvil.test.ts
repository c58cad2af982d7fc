/**
 * The fault drills on anvil, and the drills only anvil can run: reorgs of 1, 3 and 12 blocks
 * while votes flow (anvil_reorg drops the relayer's transactions of those blocks), the node losing
 * its pool (anvil_dropAllTransactions), and a reorg followed by a SIGKILL of the worker.
 */
import { readFile } from "node:fs/promises";
import { connectVoteRegistry, LOCAL_ACCOUNTS } from "@veritally/contracts";
import { expect, it } from "vitest";
import { waitUntil } from "../scripts/lib/supervisor.js";
import { type DrillContext, faultDrills, relayerStats } from "./drills.js";
import type { TestStack } from "./harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (ms: number) => Math.round(ms / 100) / 10;

/** Transactions of the relayer's key in the newest `depth` blocks. */
async function relayerTxsIn(stack: TestStack, depth: number): Promise<string[]> {
  const head = await stack.provider.getBlockNumber();
  const relayer = LOCAL_ACCOUNTS.relayer.address.toLowerCase();
  const hashes: string[] = [];
  for (let n = head - depth + 1; n <= head; n++) {
    const block = await stack.provider.send("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    for (const tx of block?.transactions ?? []) {
      if (String(tx.from).toLowerCase() === relayer) hashes.push(tx.hash);
    }
  }
  return hashes;
}

/**
 * Waits until the relayer has transactions in the newest `depth` blocks, reorgs them away, and
 * measures how long until the chain's sequence is back where it was and then moves on.
 */
async function reorgWhileVoting(ctx: DrillContext, name: string, electionId: number, depth: number): Promise<void> {
  const stack = ctx.stack();
  const registry = connectVoteRegistry(stack.deployment.address, stack.provider);
  let dropped = 0;
  let seqBefore = 0;
  let seqAfter = 0;
  let recoveredMs = 0;
  let movingMs = 0;
  await ctx.drill(
    name,
    electionId,
    depth >= 12 ? 360 : 200,
    async () => {
      const from = await stack.provider.getBlockNumber();
      await waitUntil(
        `${depth} blocks with votes in them`,
        async () =>
          (await stack.provider.getBlockNumber()) >= from + depth && (await relayerTxsIn(stack, depth)).length > 0,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const txs = await relayerTxsIn(stack, depth);
      seqBefore = Number(await registry.nextSeq(electionId));
      await stack.provider.send("anvil_reorg", [depth, []]);
      const reorgAt = Date.now();
      seqAfter = Number(await registry.nextSeq(electionId));
      for (const hash of txs) {
        if ((await stack.provider.send("eth_getTransactionReceipt", [hash])) === null) dropped++;
      }
      // The queue moving again: the sequence regains what the reorg took, then grows past it.
      await waitUntil(
        "the votes of the reorged blocks back on chain",
        async () => Number(await registry.nextSeq(electionId)) >= seqBefore,
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      recoveredMs = Date.now() - reorgAt;
      await waitUntil(
        "the sequence moving past where it was",
        async () => Number(await registry.nextSeq(electionId)) > seqBefore,
        { timeoutMs: 120_000, intervalMs: 100 },
      );
      movingMs = Date.now() - reorgAt;
    },
    { concurrency: 4, paceMs: depth >= 12 ? 150 : 100 },
  );
  ctx.figures[name] = {
    ...ctx.figures[name],
    reorgDepthBlocks: depth,
    relayerTxsDropped: dropped,
    votesTakenOffChain: seqBefore - seqAfter,
    secondsFromReorgToRegained: round1(recoveredMs),
    secondsFromReorgToMovingAgain: round1(movingMs),
  };
  console.log(`drill anvil/${name}: ${JSON.stringify(ctx.figures[name])}`);
  expect(dropped, "the reorg took transactions of the relayer off the chain").toBeGreaterThan(0);
  expect(seqAfter, "the reorg took recorded votes off the chain").toBeLessThan(seqBefore);
}

faultDrills("anvil", (ctx) => {
  it("loses nothing to a 1-block reorg while votes flow", async () => {
    await reorgWhileVoting(ctx, "reorg-1", 201, 1);
  }, 600_000);

  it("loses nothing to a 3-block reorg while votes flow", async () => {
    await reorgWhileVoting(ctx, "reorg-3", 202, 3);
  }, 600_000);

  it("loses nothing to a 12-block reorg while votes flow", async () => {
    await reorgWhileVoting(ctx, "reorg-12", 203, 12);
  }, 600_000);

  it("refills the node's pool when it loses every pending transaction", async () => {
    const stack = ctx.stack();
    const worker = stack.supervisor.get("relayer-worker");
    if (!worker) throw new Error("no worker");
    let pooled = 0;
    // Only this drill's part of the worker's log counts: the reorg drills before it log the same lines.
    const logBefore = (await readFile(worker.logFile, "utf8")).length;
    await ctx.drill(
      "pool-lost",
      204,
      200,
      async () => {
        // The relayer's transactions must be waiting in the pool when mining stops, then the node drops
        // them all. Pausing first and waiting could wait forever: transactions mined but not yet final
        // count against the relayer's in-flight cap, and without blocks they never become final. So:
        // see one in the pool, pause, and look again (the block may have come in between).
        // Queued ones count too: after the reorg drills one may wait behind a missing nonce.
        const relayerPooled = async () => {
          const pool = await stack.provider.send("txpool_content", []);
          const relayer = LOCAL_ACCOUNTS.relayer.address.toLowerCase();
          const count = (byAddress: Record<string, object> | undefined) =>
            Object.entries(byAddress ?? {})
              .filter(([address]) => address.toLowerCase() === relayer)
              .reduce((n, [, byNonce]) => n + Object.keys(byNonce).length, 0);
          return count(pool?.pending) + count(pool?.queued);
        };
        const deadline = Date.now() + 90_000;
        try {
          for (;;) {
            await waitUntil("transactions of the relayer in the pool", async () => (await relayerPooled()) > 0, {
              timeoutMs: Math.max(1000, deadline - Date.now()),
              intervalMs: 50,
              logFile: worker.logFile,
            });
            await ctx.control().pauseMining();
            pooled = await relayerPooled();
            if (pooled > 0) break;
            await ctx.control().resumeMining(1000);
          }
          await stack.provider.send("anvil_dropAllTransactions", []);
          await sleep(1500);
        } finally {
          // Whatever happened, the next drill gets a mining chain.
          await ctx.control().resumeMining(1000);
        }
      },
      { concurrency: 4, paceMs: 50 },
    );
    const log = (await readFile(worker.logFile, "utf8")).slice(logBefore);
    ctx.figures["pool-lost"] = { ...ctx.figures["pool-lost"], transactionsDropped: pooled };
    // Two paths notice, whichever runs first: the nonce audit at the next head (a gap below our next
    // nonce) or the per-transaction check (the node does not know the hash) while mining is paused.
    expect(log, "the worker noticed the lost transactions").toMatch(/nonce gap|transaction unknown to the node/);
    expect((await relayerStats(stack)).nonces.gap, "no gap left open").toBeNull();
  }, 600_000);

  it("loses nothing to a reorg followed by a SIGKILL of the worker", async () => {
    const stack = ctx.stack();
    const worker = stack.supervisor.get("relayer-worker");
    if (!worker) throw new Error("no worker");
    const launches = worker.launches();
    await ctx.drill(
      "reorg-and-sigkill",
      205,
      200,
      async () => {
        const from = await stack.provider.getBlockNumber();
        await waitUntil(
          "3 blocks with votes in them",
          async () => (await stack.provider.getBlockNumber()) >= from + 3 && (await relayerTxsIn(stack, 3)).length > 0,
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        await stack.provider.send("anvil_reorg", [3, []]);
        worker.kill("SIGKILL");
        await worker.exited();
      },
      { concurrency: 4, paceMs: 100 },
    );
    expect(worker.launches()).toBeGreaterThan(launches);
  }, 600_000);
});
