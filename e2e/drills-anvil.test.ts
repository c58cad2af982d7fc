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
    await ctx.drill(
      "pool-lost",
      204,
      200,
      async () => {
        // Mining paused, so the relayer's transactions wait in the pool; then the node drops them all.
        await ctx.control().pauseMining();
        await waitUntil(
          "transactions of the relayer in the pool",
          async () => {
            const pool = await stack.provider.send("txpool_content", []);
            pooled = Object.values(pool?.pending ?? {}).reduce(
              (n: number, byNonce) => n + Object.keys(byNonce as object).length,
              0,
            );
            return pooled > 0;
          },
          { timeoutMs: 30_000, intervalMs: 100 },
        );
        await stack.provider.send("anvil_dropAllTransactions", []);
        await sleep(1500);
        await ctx.control().resumeMining(1000);
      },
      { concurrency: 4, paceMs: 50 },
    );
    const log = await readFile(worker.logFile, "utf8");
    ctx.figures["pool-lost"] = { ...ctx.figures["pool-lost"], transactionsDropped: pooled };
    expect(log, "the worker saw the gap").toMatch(/nonce gap/);
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
