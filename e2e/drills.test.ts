/**
 * Fault drills. Each runs load against the whole stack, injects one fault, lets the system
 * recover, then checks that nothing accepted was lost, nothing was recorded twice, the sequence
 * has no gap, and the indexer agrees. All traffic stays on loopback; every drill is bounded.
 * The figures each drill measured are printed and, with DRILL_REPORT=1, written to
 * bench/results/drills.json (quoted in docs/fault-drills.md).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { connectVoteRegistry } from "@veritally/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/lib/stack.js";
import { waitUntil } from "../scripts/lib/supervisor.js";
import { expectAllRecorded, newElection, runLoad, startTestStack, type TestStack } from "./harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GWEI = 1_000_000_000n;
const figures: Record<string, Record<string, number | string>> = {};

async function stats(stack: TestStack) {
  const res = await fetch(`${stack.urls.relayer}/v1/admin/stats`, {
    headers: { authorization: `Bearer ${stack.adminApiKey}` },
  });
  return (await res.json()) as {
    replacements: number;
    fees: { waitingReason: string | null };
    queue: { depth: number };
  };
}

/** Runs load while `fault` runs, then waits for every accepted vote and checks the invariants. */
async function drill(
  stack: TestStack,
  name: string,
  electionId: number,
  votes: number,
  fault: () => Promise<void>,
): Promise<void> {
  await newElection(stack, electionId);
  const started = Date.now();
  const loading = runLoad(stack, { electionId, votes, concurrency: 8, tag: name });
  await sleep(500);
  await fault();
  const faultOver = Date.now();
  const load = await loading;
  expect(load.unaccepted, "every request got an answer in the end").toBe(0);
  expect(load.internalErrors, "answers of 500 instead of 503").toBe(0);
  await expectAllRecorded(stack, electionId, load, 240_000);
  figures[name] = {
    votes: load.accepted.length,
    duplicateAttemptsRefused: load.duplicateStatuses.length,
    secondsFromFaultEndToAllRecorded: Math.round((Date.now() - faultOver) / 100) / 10,
    totalSeconds: Math.round((Date.now() - started) / 100) / 10,
    ...figures[name],
  };
  console.log(`drill ${name}: ${JSON.stringify(figures[name])}`);
}

describe("fault drills", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack("drills", {
      rpcProxy: true,
      embeddedPostgres: true,
      // Confirmations deeper than the drilled reorg (3 blocks): a batch counts as final only where the chain does.
      relayerEnv: {
        MAX_FEE_GWEI: "50",
        STUCK_AFTER_MS: "3000",
        RPC_TIMEOUT_MS: "2000",
        MAX_BATCH: "100",
        CONFIRMATIONS: "6",
      },
    });
  }, 240_000);

  afterAll(async () => {
    if (process.env.DRILL_REPORT === "1") {
      await writeFile(
        path.join(repoRoot, "bench/results/drills.json"),
        `${JSON.stringify({ measuredAt: new Date().toISOString(), drills: figures }, null, 2)}\n`,
      );
    }
    await stack?.dispose();
  }, 60_000);

  it("survives the relayer worker killed with SIGKILL mid-batch, several times", async () => {
    const worker = stack.supervisor.get("relayer-worker");
    if (!worker) throw new Error("no worker");
    let kills = 0;
    await drill(stack, "worker-sigkill", 101, 2000, async () => {
      for (let i = 0; i < 4; i++) {
        // Kill a running worker each time: wait for the supervisor's restart, then let it work a moment.
        await waitUntil("the worker to be running again", async () => worker.launches() > i, { timeoutMs: 30_000 });
        await sleep(700 + Math.random() * 800);
        worker.kill("SIGKILL");
        kills++;
        await worker.exited();
      }
    });
    figures["worker-sigkill"] = { ...figures["worker-sigkill"], kills };
    expect(kills).toBe(4);
    await waitUntil("the worker's fourth restart", async () => worker.launches() >= 5, { timeoutMs: 30_000 });
  }, 600_000);

  it("survives the RPC unreachable for 10 s", async () => {
    const proxy = stack.proxy;
    if (!proxy) throw new Error("no proxy");
    await drill(stack, "rpc-outage", 102, 400, async () => {
      proxy.cut();
      await sleep(10_000);
      proxy.restore();
    });
  }, 600_000);

  it("holds batches while fees are above the cap, then records them", async () => {
    const registry = connectVoteRegistry(stack.deployment.address, stack.provider);
    let heldSeq = -1;
    let sawWaiting = false;
    await drill(stack, "fees-above-cap", 103, 300, async () => {
      // Keep the base fee at 100 gwei (cap: 50) for 8 s: nothing may be recorded meanwhile.
      const until = Date.now() + 8000;
      await stack.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${(100n * GWEI).toString(16)}`]);
      await sleep(2500);
      heldSeq = Number(await registry.nextSeq(103));
      while (Date.now() < until) {
        await stack.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${(100n * GWEI).toString(16)}`]);
        if ((await stats(stack)).fees.waitingReason) sawWaiting = true;
        await sleep(400);
      }
      expect(Number(await registry.nextSeq(103)), "nothing recorded above the cap").toBe(heldSeq);
      await stack.provider.send("hardhat_setNextBlockBaseFeePerGas", [`0x${GWEI.toString(16)}`]);
    });
    expect(sawWaiting, "the stats showed batches waiting for fees").toBe(true);
  }, 600_000);

  it("replaces transactions stuck while mining is paused, then records them once", async () => {
    const before = (await stats(stack)).replacements;
    await drill(stack, "mining-paused", 104, 300, async () => {
      await stack.provider.send("evm_setIntervalMining", [0]);
      await sleep(9000);
      await stack.provider.send("evm_setIntervalMining", [1000]);
    });
    const replaced = (await stats(stack)).replacements - before;
    figures["mining-paused"] = { ...figures["mining-paused"], replacements: replaced };
    expect(replaced, "stuck transactions were replaced at the same nonce").toBeGreaterThan(0);
  }, 600_000);

  it("survives the indexer killed and restarted, and a reorg within the finality depth", async () => {
    const processor = stack.supervisor.get("indexer-processor");
    if (!processor) throw new Error("no indexer");
    let depth = 0;
    await drill(stack, "indexer-kill-and-reorg", 105, 400, async () => {
      processor.kill("SIGKILL");
      await processor.exited();
      // Rewind the chain 3 blocks after the relayer has sent into them, then let it grow again.
      const snapshot = await stack.provider.send("evm_snapshot", []);
      const from = await stack.provider.getBlockNumber();
      await waitUntil("three more blocks", async () => (await stack.provider.getBlockNumber()) >= from + 3);
      depth = (await stack.provider.getBlockNumber()) - from;
      await stack.provider.send("evm_revert", [snapshot]);
    });
    figures["indexer-kill-and-reorg"] = { ...figures["indexer-kill-and-reorg"], reorgDepthBlocks: depth };
    expect(processor.restarts()).toBeGreaterThanOrEqual(1);
  }, 600_000);

  it("answers 503 while Postgres is down and recovers when it is back", async () => {
    let during = 0;
    await drill(stack, "postgres-restart", 106, 400, async () => {
      await stack.postgres.stop();
      const client = stack.clients[0];
      if (!client) throw new Error("no client");
      const res = await fetch(`${stack.urls.relayer}/v1/elections/106/votes`, {
        method: "POST",
        headers: { authorization: `Bearer ${client.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ voterId: "during-outage", choice: 0 }),
      });
      during = res.status;
      await sleep(5000);
      await stack.postgres.start();
    });
    figures["postgres-restart"] = { ...figures["postgres-restart"], statusWhileDown: during };
    expect(during).toBe(503);
  }, 600_000);
});
