import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LOCAL_ACCOUNTS } from "@veritally/contracts";
import { startLocalNode } from "@veritally/contracts/local-node";
import { NonceManager, Wallet } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { buildChainHistory } from "../../test-helpers/chain-history.js";
import { readJournal, replayJournal, resetJournal, startChainRecorder } from "./chain-journal.js";

const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("chain journal", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("replays a recorded chain into a new node with identical block hashes and state", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vt-journal-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const genesisDate = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

    const first = await startLocalNode({ blockMs: 200, genesisDate });
    cleanups.push(() => first.stop());
    const genesis = await first.provider.getBlock(0);
    await resetJournal(dir, genesisDate, genesis?.hash as string);
    const journal = await readJournal(dir);
    if (!journal) throw new Error("no journal");
    const recorder = startChainRecorder({ dir, provider: first.provider, journal, pollMs: 50 });

    const wallet = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, first.provider));
    for (let i = 0; i < 5; i++) {
      const tx = await wallet.sendTransaction({ to: LOCAL_ACCOUNTS.outsider.address, value: 1000n + BigInt(i) });
      await tx.wait();
    }
    // A rewind (as the reorg drill does) must cut the journal back.
    const snapshot = await first.provider.send("evm_snapshot", []);
    await (await wallet.sendTransaction({ to: LOCAL_ACCOUNTS.outsider.address, value: 1n })).wait();
    await waitFor("the doomed block to be recorded", () => recorder.height() >= 8);
    await first.provider.send("evm_revert", [snapshot]);
    wallet.reset();
    await (await wallet.sendTransaction({ to: LOCAL_ACCOUNTS.relayer.address, value: 7n })).wait();
    const head = await first.provider.getBlockNumber();
    await waitFor("the recorder to catch up", () => recorder.height() >= head + 2);
    await recorder.stop();
    const headBlock = await first.provider.getBlock(head + 2);
    const balance = await first.provider.getBalance(LOCAL_ACCOUNTS.outsider.address);
    await first.stop();

    const saved = await readJournal(dir);
    if (!saved) throw new Error("no journal");
    expect(saved.blocks.length).toBeGreaterThanOrEqual(head + 2);
    expect(saved.blocks.reduce((n, b) => n + b.txs.length, 0)).toBe(6); // the reverted one is gone

    const second = await startLocalNode({ blockMs: -1, genesisDate });
    cleanups.push(() => second.stop());
    await replayJournal(second.rpcUrl, saved);
    expect((await second.provider.getBlock(head + 2))?.hash).toBe(headBlock?.hash);
    expect(await second.provider.getBalance(LOCAL_ACCOUNTS.outsider.address)).toBe(balance);
  });

  it("replays a long history with idle stretches while the base fee falls, and uneven block times", async () => {
    const genesisDate = "2026-06-01T00:00:00.000Z";
    const first = await startLocalNode({ blockMs: -1, genesisDate });
    cleanups.push(() => first.stop());
    // Ten cycles of 30 busy and 370 empty blocks: each idle stretch starts above the base fee's floor.
    const journal = await buildChainHistory(first, { blocks: 4000, genesisDate });
    const head = await first.provider.getBlock(4000);
    const balance = await first.provider.getBalance(LOCAL_ACCOUNTS.outsider.address);
    await first.stop();

    const second = await startLocalNode({ blockMs: -1, genesisDate });
    cleanups.push(() => second.stop());
    const progress: number[] = [];
    await replayJournal(second.rpcUrl, journal, (done) => progress.push(done));
    expect((await second.provider.getBlock(4000))?.hash).toBe(head?.hash);
    expect(await second.provider.getBlock(4001)).toBeNull();
    expect(await second.provider.getBalance(LOCAL_ACCOUNTS.outsider.address)).toBe(balance);
    expect(progress.at(-1)).toBe(4000);
  });

  it("names the first block that does not come out the same", async () => {
    const genesisDate = "2026-06-01T00:00:00.000Z";
    const first = await startLocalNode({ blockMs: -1, genesisDate });
    cleanups.push(() => first.stop());
    const journal = await buildChainHistory(first, { blocks: 300, cycle: 100, busy: 10, genesisDate });
    await first.stop();
    const tampered = journal.blocks.map((b) => (b.number === 150 ? { ...b, timestamp: b.timestamp + 1 } : b));
    const second = await startLocalNode({ blockMs: -1, genesisDate });
    cleanups.push(() => second.stop());
    await expect(replayJournal(second.rpcUrl, { ...journal, blocks: tampered })).rejects.toThrow(
      /replaying block 150 gave hash 0x[0-9a-f]{64}, the saved chain has/,
    );
  });

  it("refuses to replay onto a chain with another genesis", async () => {
    const node = await startLocalNode({ blockMs: -1, genesisDate: "2026-01-01T00:00:00.000Z" });
    cleanups.push(() => node.stop());
    await expect(
      replayJournal(node.rpcUrl, { genesisDate: "x", genesisHash: `0x${"00".repeat(32)}`, blocks: [] }),
    ).rejects.toThrow(/genesis/);
  });
});
