/**
 * Reorganisations, driven with evm_snapshot / evm_revert on a Hardhat node that mines only when
 * told: a longer replacement within the finality depth, a replacement of equal height (which
 * head-height polling alone would not notice), and replacements deeper than the finality depth,
 * where the indexer stops naming the block and the recovery command, or rolls back by itself.
 */
import pg from "pg";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-helpers/postgres.js";
import { verifyDerived } from "./recompute.js";
import { reindexCli } from "./reindex.js";
import {
  type InProcessIndexer,
  indexerEnv,
  makeVotes,
  mineBlock,
  openElection,
  type RecordedVote,
  recordBatch,
  spawnIndexerProcess,
  startInProcessIndexer,
  startTestChain,
  type TestChain,
  waitFor,
  withAutoMine,
} from "./testing.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

interface Setup {
  chain: TestChain;
  db: TestDatabase;
  client: pg.Client;
  env: Record<string, string>;
  /** The indexer, in this process (coverage sees it; the test can stop it). */
  start(extra?: Record<string, string>): Promise<InProcessIndexer>;
}

async function setup(finality: number, extra: Record<string, string> = {}): Promise<Setup> {
  const chain = await startTestChain({ blockMs: -1 });
  cleanups.push(() => chain.stop());
  const db = await createTestDatabase("reorg");
  cleanups.push(() => db.drop());
  await withAutoMine(chain, () => openElection(chain, { electionId: 1, choices: ["A", "B", "C"] }));
  const env = indexerEnv(chain, db.url, { FINALITY_CONFIRMATION: String(finality), ...extra });
  const start = async (more: Record<string, string> = {}) => {
    const indexer = await startInProcessIndexer({ ...env, ...more });
    cleanups.push(() => indexer.stop());
    return indexer;
  };
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cleanups.push(() => client.end());
  return { chain, db, client, env, start };
}

async function mineVotes(chain: TestChain, votes: RecordedVote[] | null): Promise<{ number: number; hash: string }> {
  if (votes) await recordBatch(chain, 1, votes, { wait: false });
  return mineBlock(chain);
}

async function snapshot(chain: TestChain): Promise<string> {
  return chain.provider.send("evm_snapshot", []);
}

async function revert(chain: TestChain, id: string): Promise<void> {
  expect(await chain.provider.send("evm_revert", [id])).toBe(true);
  await chain.resetNonces();
}

async function rows(client: pg.Client, sql: string, params: unknown[] = []) {
  return (await client.query(sql, params)).rows;
}

async function waitForTotal(client: pg.Client, total: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `election 1 at ${total} votes`,
    async () => {
      const [e] = await rows(client, "select total_votes from election where id = '1'").catch(() => []);
      return e?.total_votes === total;
    },
    timeoutMs,
  );
}

/** The database holds exactly `votes` (by seq, ref and choice), all from blocks on the chain now. */
async function expectExactly(s: Setup, votes: RecordedVote[]): Promise<void> {
  const stored = await rows(s.client, "select seq, ref, choice from vote where election_id = '1' order by seq");
  expect(stored.map((v) => [BigInt(v.seq), v.ref, v.choice])).toEqual(votes.map((v) => [v.seq, v.ref, v.choice]));
  const blocks = await rows(
    s.client,
    `select block_number, block_hash from vote union select block_number, null from batch
     union select height, hash from indexed_block`,
  );
  for (const b of blocks) {
    if (!b.block_hash) continue;
    const onChain = await s.chain.provider.send("eth_getBlockByNumber", [`0x${b.block_number.toString(16)}`, false]);
    expect(onChain?.hash, `block ${b.block_number}`).toBe(b.block_hash);
  }
  const [e] = await rows(s.client, "select tally, total_votes, next_expected_seq from election where id = '1'");
  expect(e.tally).toEqual([0, 1, 2].map((c) => votes.filter((v) => v.choice === c).length));
  expect(e.next_expected_seq).toBe(String(votes.length));
  expect(await verifyDerived(s.client)).toEqual({ ok: true, differences: [] });
}

describe("within the finality depth", () => {
  test("a longer replacement chain replaces the abandoned blocks' votes", async () => {
    const s = await setup(5);
    await s.start();
    const base = makeVotes(0n, 5, () => 0);
    await mineVotes(s.chain, base);
    await waitForTotal(s.client, 5);

    // 60 votes in a block take the COPY path, whose hot-block rollback must work as well.
    const snap = await snapshot(s.chain);
    await mineVotes(
      s.chain,
      makeVotes(5n, 60, () => 0),
    );
    await mineVotes(
      s.chain,
      makeVotes(65n, 5, () => 0),
    );
    await waitForTotal(s.client, 70);

    await revert(s.chain, snap);
    const replacement = [...makeVotes(5n, 60, () => 1)];
    await mineVotes(s.chain, replacement);
    await mineVotes(s.chain, null);
    const tail = makeVotes(65n, 2, () => 2);
    await mineVotes(s.chain, tail);
    await waitFor("the replacement chain", async () => {
      const [e] = await rows(s.client, "select tally from election where id = '1'");
      return JSON.stringify(e?.tally) === JSON.stringify([5, 60, 2]);
    });
    await expectExactly(s, [...base, ...replacement, ...tail]);
  });

  test("a replacement of equal height is noticed without waiting for the next block", async () => {
    const s = await setup(5);
    await s.start();
    const base = makeVotes(0n, 3, () => 0);
    await mineVotes(s.chain, base);
    await waitForTotal(s.client, 3);

    const snap = await snapshot(s.chain);
    const abandoned = await mineVotes(
      s.chain,
      makeVotes(3n, 2, () => 0),
    );
    await waitForTotal(s.client, 5);

    await revert(s.chain, snap);
    const replacement = makeVotes(3n, 2, () => 2);
    const replaced = await mineVotes(s.chain, replacement);
    expect(replaced.number).toBe(abandoned.number);
    expect(replaced.hash).not.toBe(abandoned.hash);
    // No further block is mined: only the head's hash has changed.
    await waitFor(
      "the replacement block",
      async () => {
        const [status] = await rows(s.client, "select head_hash from indexer_status");
        return status?.head_hash === replaced.hash;
      },
      10_000,
    );
    await expectExactly(s, [...base, ...replacement]);
  });
});

describe("deeper than the finality depth", () => {
  /** Indexes 1 + 6 blocks of votes, then replaces the last 6 with a longer chain of other votes. */
  async function deepReorg(s: Setup): Promise<{ kept: RecordedVote[]; replacement: RecordedVote[]; ancestor: number }> {
    const kept = makeVotes(0n, 3, () => 0);
    const ancestor = await mineVotes(s.chain, kept);
    await waitForTotal(s.client, 3);
    const snap = await snapshot(s.chain);
    for (let i = 0; i < 6; i++)
      await mineVotes(
        s.chain,
        makeVotes(BigInt(3 + i), 1, () => 0),
      );
    await waitForTotal(s.client, 9);
    await revert(s.chain, snap);
    const replacement: RecordedVote[] = [];
    for (let i = 0; i < 8; i++) {
      const vote = makeVotes(BigInt(3 + i), 1, () => 1);
      replacement.push(...vote);
      await mineVotes(s.chain, vote);
    }
    return { kept, replacement, ancestor: ancestor.number };
  }

  test("REORG_RECOVERY=stop: stops naming the block and the recovery command, which then repairs the database", async () => {
    const s = await setup(2);
    const indexer = await s.start();
    const { kept, replacement, ancestor } = await deepReorg(s);

    const code = await Promise.race([indexer.done, new Promise((r) => setTimeout(() => r("still running"), 30_000))]);
    expect(code, indexer.lines.join("\n").slice(-3000)).toBe(3);
    const message = indexer.lines.join("\n");
    expect(message).toMatch(/reorganised deeper than FINALITY_CONFIRMATION=2/);
    expect(message).toMatch(new RegExp(`indexed block ${ancestor + 1} \\(0x[0-9a-f]{64}\\) is no longer on the chain`));
    expect(message).toContain(`npm run reindex -w indexer -- --from-block ${ancestor + 1}`);
    const [status] = await rows(s.client, "select error, error_block from indexer_status");
    expect(status.error_block).toBe(ancestor + 1);
    expect(status.error).toContain(`--from-block ${ancestor + 1}`);

    // Until someone acts, `npm run process` refuses to start, exit code 3, with the same message
    // (not a bare assertion).
    const again = spawnIndexerProcess("src/main.ts", s.env);
    cleanups.push(() => again.stop());
    expect(await again.exited, again.output().slice(-3000)).toBe(3);
    expect(again.output()).toContain(`--from-block ${ancestor + 1}`);

    const printed: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void printed.push(line));
    try {
      expect(await reindexCli(["--from-block", String(ancestor + 1)], s.env)).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(printed.join("\n")).toContain(`rolled back to block ${ancestor}`);

    await s.start();
    await waitForTotal(s.client, kept.length + replacement.length);
    await expectExactly(s, [...kept, ...replacement]);
    const [after] = await rows(s.client, "select error from indexer_status");
    expect(after.error).toBeNull();
  });

  test("REORG_RECOVERY=rollback: rolls back to the last block still on the chain and carries on", async () => {
    const s = await setup(2, { REORG_RECOVERY: "rollback" });
    const indexer = await s.start();
    const { kept, replacement, ancestor } = await deepReorg(s);
    await waitForTotal(s.client, kept.length + replacement.length).catch((e) => {
      console.log(indexer.lines.join("\n").slice(-6000));
      throw e;
    });
    await expectExactly(s, [...kept, ...replacement]);
    expect(await Promise.race([indexer.done, new Promise((r) => setTimeout(() => r("running"), 50))])).toBe("running");
    expect(indexer.lines.join("\n")).toContain(`rolling back to block ${ancestor}`);
  });

  test("a reorg while the indexer was stopped is found at start", async () => {
    const s = await setup(2, { REORG_RECOVERY: "rollback" });
    const indexer = await s.start();
    const kept = makeVotes(0n, 2, () => 0);
    await mineVotes(s.chain, kept);
    const snap = await snapshot(s.chain);
    for (let i = 0; i < 5; i++)
      await mineVotes(
        s.chain,
        makeVotes(BigInt(2 + i), 1, () => 0),
      );
    await waitForTotal(s.client, 7);
    expect(await indexer.stop()).toBe(0);

    await revert(s.chain, snap);
    const replacement = makeVotes(2n, 3, () => 2);
    for (const vote of replacement) await mineVotes(s.chain, [vote]);
    for (let i = 0; i < 4; i++) await mineVotes(s.chain, null);

    const restarted = await s.start();
    await waitForTotal(s.client, 5);
    await expectExactly(s, [...kept, ...replacement]);
    expect(restarted.lines.join("\n")).toMatch(/reorganised deeper than FINALITY_CONFIRMATION=2/);
  });
});
