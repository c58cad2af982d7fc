/**
 * The fault drills, for one local chain (Hardhat's node or anvil). Each runs load against the
 * whole stack, injects one fault, lets the system recover, then checks that nothing accepted was
 * lost, nothing was recorded twice, the sequence has no gap, the indexer agrees, and no vote was
 * ever reported final and then missing. All traffic stays on loopback; every drill is bounded.
 * The figures each drill measured are printed and, with DRILL_REPORT=1, merged into
 * bench/results/drills.json (quoted in docs/fault-drills.md).
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { connectVoteRegistry } from "@veritally/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/lib/stack.js";
import { waitUntil } from "../scripts/lib/supervisor.js";
import { type ChainControl, type ChainKind, chainControl } from "./chain-control.js";
import { expectAllRecorded, type LoadResult, newElection, runLoad, startTestStack, type TestStack } from "./harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GWEI = 1_000_000_000n;

export interface RelayerStatsView {
  replacements: number;
  fees: { waitingReason: string | null };
  queue: { depth: number };
  finality: { finalizedBlock: number | null; finalBlock: number | null; finalMissingVotes: number };
  nonces: { gap: { from: number; to: number } | null };
  warnings: { code: string }[];
}

export async function relayerStats(stack: TestStack): Promise<RelayerStatsView> {
  const res = await fetch(`${stack.urls.relayer}/v1/admin/stats`, {
    headers: { authorization: `Bearer ${stack.adminApiKey}` },
  });
  return (await res.json()) as RelayerStatsView;
}

export interface DrillContext {
  kind: ChainKind;
  stack(): TestStack;
  control(): ChainControl;
  figures: Record<string, Record<string, number | string | boolean>>;
  /** Runs load while `fault` runs, then waits for every accepted vote and checks the invariants. */
  drill(
    name: string,
    electionId: number,
    votes: number,
    fault: () => Promise<void>,
    load?: { concurrency?: number; paceMs?: number },
  ): Promise<LoadResult>;
}

/** The drills' figures of this chain, merged into bench/results/drills.json under `${kind}/${name}`. */
async function writeReport(kind: ChainKind, figures: DrillContext["figures"]): Promise<void> {
  const file = path.join(repoRoot, "bench/results/drills.json");
  const before = existsSync(file) ? JSON.parse(await readFile(file, "utf8")) : {};
  const drills: Record<string, unknown> = {};
  // Figures of the other chain stay; those of this one are replaced.
  for (const [name, value] of Object.entries(before.drills ?? {})) {
    if (!name.startsWith(`${kind}/`) && name.includes("/")) drills[name] = value;
  }
  for (const [name, value] of Object.entries(figures)) drills[`${kind}/${name}`] = value;
  const measuredAt = { ...(before.measuredAt && typeof before.measuredAt === "object" ? before.measuredAt : {}) };
  measuredAt[kind] = new Date().toISOString();
  await writeFile(file, `${JSON.stringify({ measuredAt, drills }, null, 2)}\n`);
}

/**
 * Registers the drills every chain gets, then `extra` (drills only one chain can run) on the same
 * stack.
 */
export function faultDrills(kind: ChainKind, extra?: (ctx: DrillContext) => void): void {
  let stack: TestStack;
  let control: ChainControl;
  const figures: DrillContext["figures"] = {};
  // anvil runs each drill with fewer votes: the same faults, a shorter run.
  const scale = kind === "anvil" ? 0.5 : 1;
  const votes = (n: number) => Math.round(n * scale);

  const ctx: DrillContext = {
    kind,
    stack: () => stack,
    control: () => control,
    figures,
    async drill(name, electionId, count, fault, pace = {}) {
      await newElection(stack, electionId);
      const started = Date.now();
      const loading = runLoad(stack, {
        electionId,
        votes: count,
        concurrency: pace.concurrency ?? 8,
        tag: name,
        ...(pace.paceMs ? { paceMs: pace.paceMs } : {}),
      });
      await sleep(500);
      await fault();
      const faultOver = Date.now();
      const load = await loading;
      expect(load.unaccepted, "every request got an answer in the end").toBe(0);
      expect(load.internalErrors, "answers of 500 instead of 503").toBe(0);
      await expectAllRecorded(stack, electionId, load, 240_000);
      const stats = await relayerStats(stack);
      expect(stats.finality.finalMissingVotes, "votes reported final and later missing").toBe(0);
      figures[name] = {
        votes: load.accepted.length,
        duplicateAttemptsRefused: load.duplicateStatuses.length,
        secondsFromFaultEndToAllRecorded: Math.round((Date.now() - faultOver) / 100) / 10,
        totalSeconds: Math.round((Date.now() - started) / 100) / 10,
        finalMissingVotes: stats.finality.finalMissingVotes,
        ...figures[name],
      };
      console.log(`drill ${kind}/${name}: ${JSON.stringify(figures[name])}`);
      return load;
    },
  };

  describe(`fault drills on ${kind}`, () => {
    beforeAll(async () => {
      stack = await startTestStack(`drills-${kind}`, {
        rpcProxy: true,
        embeddedPostgres: true,
        ...(kind === "anvil"
          ? {
              // finalized = head − 16: deeper than the deepest drilled reorg (12 blocks).
              chain: { kind: "anvil" as const, slotsInAnEpoch: 8 },
              indexerEnv: { FINALITY_CONFIRMATION: "20" },
            }
          : {}),
        relayerEnv: {
          MAX_FEE_GWEI: "50",
          STUCK_AFTER_MS: "3000",
          RPC_TIMEOUT_MS: "2000",
          MAX_BATCH: "100",
          // Hardhat's finalized block is its head: confirmations deeper than its drilled reorg (3 blocks).
          // anvil serves a real finalized block: CONFIRMATIONS stays automatic.
          ...(kind === "hardhat" ? { CONFIRMATIONS: "6" } : {}),
        },
      });
      control = chainControl(kind, stack.provider);
    }, 240_000);

    afterAll(async () => {
      if (process.env.DRILL_REPORT === "1") await writeReport(kind, figures);
      await stack?.dispose();
    }, 60_000);

    it("survives the relayer worker killed with SIGKILL mid-batch, several times", async () => {
      const worker = stack.supervisor.get("relayer-worker");
      if (!worker) throw new Error("no worker");
      const before = worker.launches();
      let kills = 0;
      await ctx.drill("worker-sigkill", 101, votes(2000), async () => {
        for (let i = 0; i < 4; i++) {
          // Kill a running worker each time: wait for the supervisor's restart, then let it work a moment.
          await waitUntil("the worker to be running again", async () => worker.launches() > before + i - 1, {
            timeoutMs: 30_000,
          });
          await sleep(700 + Math.random() * 800);
          worker.kill("SIGKILL");
          kills++;
          await worker.exited();
        }
      });
      figures["worker-sigkill"] = { ...figures["worker-sigkill"], kills };
      expect(kills).toBe(4);
      await waitUntil("the worker's fourth restart", async () => worker.launches() >= before + 4, {
        timeoutMs: 30_000,
      });
    }, 600_000);

    it("survives the RPC unreachable for 10 s", async () => {
      const proxy = stack.proxy;
      if (!proxy) throw new Error("no proxy");
      await ctx.drill("rpc-outage", 102, votes(400), async () => {
        proxy.cut();
        await sleep(10_000);
        proxy.restore();
      });
    }, 600_000);

    it("holds batches while fees are above the cap, then records them", async () => {
      const registry = connectVoteRegistry(stack.deployment.address, stack.provider);
      let heldSeq = -1;
      let sawWaiting = false;
      await ctx.drill("fees-above-cap", 103, votes(300), async () => {
        // Keep the base fee at 100 gwei (cap: 50) for 8 s: nothing may be recorded meanwhile.
        const until = Date.now() + 8000;
        await control.setNextBaseFee(100n * GWEI);
        await sleep(2500);
        heldSeq = Number(await registry.nextSeq(103));
        while (Date.now() < until) {
          await control.setNextBaseFee(100n * GWEI);
          if ((await relayerStats(stack)).fees.waitingReason) sawWaiting = true;
          await sleep(400);
        }
        expect(Number(await registry.nextSeq(103)), "nothing recorded above the cap").toBe(heldSeq);
        await control.setNextBaseFee(GWEI);
      });
      expect(sawWaiting, "the stats showed batches waiting for fees").toBe(true);
    }, 600_000);

    it("replaces transactions stuck while mining is paused, then records them once", async () => {
      const before = (await relayerStats(stack)).replacements;
      await ctx.drill("mining-paused", 104, votes(300), async () => {
        await control.pauseMining();
        await sleep(9000);
        await control.resumeMining(1000);
      });
      const replaced = (await relayerStats(stack)).replacements - before;
      figures["mining-paused"] = { ...figures["mining-paused"], replacements: replaced };
      expect(replaced, "stuck transactions were replaced at the same nonce").toBeGreaterThan(0);
    }, 600_000);

    it("survives the indexer killed and restarted, and a reorg within the finality depth", async () => {
      const processor = stack.supervisor.get("indexer-processor");
      if (!processor) throw new Error("no indexer");
      let depth = 0;
      await ctx.drill("indexer-kill-and-reorg", 105, votes(400), async () => {
        processor.kill("SIGKILL");
        await processor.exited();
        const from = await stack.provider.getBlockNumber();
        if (kind === "hardhat") {
          // Rewind the chain 3 blocks after the relayer has sent into them, then let it grow again.
          const snapshot = await stack.provider.send("evm_snapshot", []);
          await waitUntil("three more blocks", async () => (await stack.provider.getBlockNumber()) >= from + 3);
          depth = (await stack.provider.getBlockNumber()) - from;
          await stack.provider.send("evm_revert", [snapshot]);
        } else {
          await waitUntil("three more blocks", async () => (await stack.provider.getBlockNumber()) >= from + 3);
          depth = 3;
          await stack.provider.send("anvil_reorg", [depth, []]);
        }
      });
      figures["indexer-kill-and-reorg"] = { ...figures["indexer-kill-and-reorg"], reorgDepthBlocks: depth };
      expect(processor.restarts()).toBeGreaterThanOrEqual(1);
    }, 600_000);

    it("answers 503 while Postgres is down and recovers when it is back", async () => {
      let during = 0;
      await ctx.drill("postgres-restart", 106, votes(400), async () => {
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

    extra?.(ctx);
  });
}
