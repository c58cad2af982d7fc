/**
 * The worker against an unfriendly chain: fees above the cap, mining paused (stuck transaction
 * replaced at the same nonce), a reorg that drops a mined batch, and RPC endpoints going away.
 */

import { parseUnits } from "ethers";
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../../../test-helpers/tcp-proxy.js";
import {
  assertContiguous,
  recordedVotes,
  startWorkerHarness,
  type TestChain,
  until,
  type WorkerHarness,
} from "../testing/setup.js";

let h: WorkerHarness;
let chain: TestChain;
let app: FastifyInstance;
let sql: pg.Pool;
let w: WorkerHarness["w"];
let proxyA: TcpProxy;
let proxyB: TcpProxy;

const rpc = (method: string, params: unknown[] = []) => chain.node.provider.send(method, params);
const vote: WorkerHarness["vote"] = (...args) => h.vote(...args);
const status: WorkerHarness["status"] = (ref) => h.status(ref);
const stats: WorkerHarness["stats"] = () => h.stats();
const gwei = (n: number) => `0x${parseUnits(String(n), "gwei").toString(16)}`;

beforeAll(async () => {
  h = await startWorkerHarness("relayer_faults", {
    client: "faults",
    env: async (testChain) => {
      [proxyA, proxyB] = await Promise.all([
        startTcpProxy(testChain.node.rpcUrl),
        startTcpProxy(testChain.node.rpcUrl),
      ]);
      for (const id of [1, 2, 3, 4, 5, 6]) await testChain.createElection(id);
      return {
        RPC_URLS: `${proxyA.url},${proxyB.url}`,
        RPC_TIMEOUT_MS: "1000",
        MAX_BATCH: "50",
        MAX_WAIT_MS: "100",
        CONFIRMATIONS: "2",
        STUCK_AFTER_MS: "800",
        MAX_FEE_GWEI: "50",
      };
    },
  });
  ({ chain, app, sql, w } = h);
});

afterEach((context) => h?.logIfFailed(context));

afterAll(async () => {
  await h?.stop();
  await proxyA?.close();
  await proxyB?.close();
});

describe("fees", () => {
  it("holds batches while the base fee is above the cap, shows it, and sends them when it falls", async () => {
    await rpc("hardhat_setNextBlockBaseFeePerGas", [gwei(80)]);
    const accepted = (await vote(1, "fee-1")).json();
    await until(async () => (await status(accepted.ref)).waiting === "fee_cap", {
      step: () => w.tick(),
      what: "fee_cap",
    });
    const s = await stats();
    expect(s.fees).toMatchObject({ aboveCap: true, capPerGasWei: parseUnits("50", "gwei").toString() });
    expect(s.warnings.map((x: { code: string }) => x.code)).toContain("fee_above_cap");
    expect(Number((await sql.query("select count(*) from chain_txs")).rows[0].count)).toBe(0);
    expect((await status(accepted.ref)).status).toBe("batched");

    await rpc("hardhat_setNextBlockBaseFeePerGas", [gwei(1)]);
    await until(async () => (await recordedVotes(chain, 1)).length === 1, { step: () => w.tick(), what: "released" });
    expect((await stats()).fees.aboveCap).toBe(false);
    const { rows } = await sql.query("select max_fee_per_gas from tx_attempts");
    expect(BigInt(rows[0].max_fee_per_gas)).toBeLessThanOrEqual(parseUnits("50", "gwei"));
  });
});

describe("stuck transaction", () => {
  it("replaces a transaction not mined in time at the same nonce with fees at least 12.5% higher", async () => {
    await rpc("evm_setAutomine", [false]);
    await rpc("evm_setIntervalMining", [0]);
    try {
      const accepted = (await vote(2, "stuck-1")).json();
      const replaced = await until(
        async () => {
          const { rows } = await sql.query(
            `select a.hash, a.max_fee_per_gas, a.max_priority_fee_per_gas, t.nonce from tx_attempts a
               join chain_txs t on t.id = a.tx_id where t.election_id = 2 order by a.id`,
          );
          return rows.length >= 2 ? rows : undefined;
        },
        { step: () => w.tick(), what: "a replacement attempt" },
      );
      const [first, second] = replaced;
      expect(second.nonce).toBe(first.nonce);
      expect(BigInt(second.max_fee_per_gas) * 1000n).toBeGreaterThanOrEqual(BigInt(first.max_fee_per_gas) * 1125n);
      expect(BigInt(second.max_priority_fee_per_gas) * 1000n).toBeGreaterThanOrEqual(
        BigInt(first.max_priority_fee_per_gas) * 1125n,
      );
      expect((await status(accepted.ref)).status).toBe("submitted");
      await rpc("evm_mine");
      await until(async () => (await status(accepted.ref)).status === "included", { step: () => w.tick() });
      const last = replaced.at(-1);
      expect((await status(accepted.ref)).txHash).toBe(`0x${last.hash.toString("hex")}`);
      expect((await recordedVotes(chain, 2)).length).toBe(1);
      expect((await stats()).replacements).toBeGreaterThanOrEqual(1);
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
  });
});

describe("reorg", () => {
  it("sends a batch again when the block that held it leaves the chain", async () => {
    const snapshot = await rpc("evm_snapshot");
    const accepted = (await vote(3, "reorg-1")).json();
    await until(async () => (await status(accepted.ref)).status === "included", { step: () => w.tick() });
    const before = await status(accepted.ref);
    expect(await rpc("evm_revert", [snapshot])).toBe(true);
    expect(await recordedVotes(chain, 3)).toHaveLength(0);
    await until(async () => (await recordedVotes(chain, 3)).length === 1, { step: () => w.tick(), what: "re-sent" });
    expect(w.lines.some((l) => l.includes("left the chain"))).toBe(true);
    await rpc("hardhat_mine", ["0x2"]);
    await until(async () => (await status(accepted.ref)).status === "confirmed", { step: () => w.tick() });
    const after = await status(accepted.ref);
    expect(after.txHash).toBe(before.txHash); // the same signed bytes, mined again
    assertContiguous(await recordedVotes(chain, 3));
  });
});

describe("reverted batches", () => {
  it("requeues the votes of batches that reverted in their block and records them once, without a gap", async () => {
    const accepted = (await Promise.all(Array.from({ length: 60 }, (_, i) => vote(6, `revert-${i}`, i % 3)))).map((a) =>
      a.json(),
    );
    await rpc("evm_setAutomine", [false]);
    await rpc("evm_setIntervalMining", [0]);
    try {
      // two batches (50 + 10) sent back to back, the second without waiting for the first
      await until(
        async () =>
          Number(
            (await sql.query("select count(*) from chain_txs where election_id = 6 and status = 'submitted'")).rows[0]
              .count,
          ) === 2,
        { step: () => w.tick(), what: "two batches in flight" },
      );
      // the pauser's transaction pays more, so it is mined first in the same block
      const pause = await chain.registry.pause({
        maxPriorityFeePerGas: parseUnits("40", "gwei"),
        maxFeePerGas: parseUnits("45", "gwei"),
      });
      await rpc("evm_mine");
      expect((await pause.wait())?.status).toBe(1);
      await rpc("evm_mine"); // CONFIRMATIONS = 2: the reverts count once two blocks deep
      await until(
        async () =>
          Number(
            (await sql.query("select count(*) from batches where election_id = 6 and state = 'failed'")).rows[0].count,
          ) === 2,
        { step: () => w.tick(), what: "both batches failed" },
      );
      await rpc("evm_setAutomine", [true]);
      await until(async () => (await status(accepted[0].ref)).waiting === "contract_paused", {
        step: () => w.tick(),
        what: "requeued, waiting for the pause",
      });
      expect(await recordedVotes(chain, 6)).toHaveLength(0);
      await (await chain.registry.unpause()).wait();
      await until(async () => (await recordedVotes(chain, 6)).length === 60, {
        step: () => w.tick(),
        what: "recorded",
      });
      const refs = assertContiguous(await recordedVotes(chain, 6));
      expect(new Set(refs)).toEqual(new Set(accepted.map((a) => a.refHex)));
      const failures = (await stats()).failures.batches;
      expect(failures).toContainEqual({ reason: "contract_paused", count: 2 });
    } finally {
      await rpc("evm_setAutomine", [true]);
      if (await chain.registry.paused()) await (await chain.registry.unpause()).wait();
    }
  });
});

describe("RPC outage", () => {
  it("fails over to the next RPC URL when the first goes away", async () => {
    proxyA.cut();
    try {
      const accepted = (await vote(4, "failover-1")).json();
      await until(async () => (await recordedVotes(chain, 4)).length === 1, { step: () => w.tick(), what: "via B" });
      expect(accepted.status).toBe("queued");
      expect((await stats()).worker.rpcUrl).toBe(proxyB.url);
      expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    } finally {
      proxyA.restore();
    }
  });

  it("keeps accepting votes during a full outage, reports it, and records them when it ends", async () => {
    // The relayer learns election 5 from the chain first (an unknown election needs the RPC: 503).
    const first = (await vote(5, "outage-pre")).json();
    proxyA.cut();
    proxyB.cut();
    let accepted: { ref: string; refHex: string }[] = [];
    try {
      const answers = await Promise.all([0, 1, 2].map((i) => vote(5, `outage-${i}`)));
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
      accepted = [first, ...answers.map((a) => a.json())];
      const unknown = await vote(7, "outage-unknown");
      expect(unknown.statusCode).toBe(503);
      expect(unknown.headers["retry-after"]).toBeDefined();
      await w.tick();
      await w.tick();
      const ready = await app.inject({ method: "GET", url: "/ready" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ database: { ok: true }, rpc: { ok: false } });
      expect((await stats()).worker.lastError).toMatch(/no RPC endpoint answered/);
      expect((await status(accepted[0]?.ref as string)).status).toMatch(/queued|batched/);
    } finally {
      proxyA.restore();
      proxyB.restore();
    }
    await until(async () => (await recordedVotes(chain, 5)).length === 4, {
      step: () => w.tick(),
      what: "after outage",
    });
    expect(new Set((await recordedVotes(chain, 5)).map((r) => r.ref))).toEqual(new Set(accepted.map((a) => a.refHex)));
    expect((await stats()).worker.lastError).toBeNull();
  }, 60_000);
});
