/**
 * Finality and nonce gaps, on anvil (mining by hand): a transaction is final only at or below the
 * node's `finalized` block, a reorg at any depth above it sends it again, a pool the node lost is
 * refilled at once in nonce order, a nonce with nothing stored is filled, and a transaction
 * reported final that later leaves the chain raises the alarm and is sent again.
 */
import { voteRegistryInterface } from "@veritally/contracts";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readStats } from "../services/stats.js";
import {
  startTestChain,
  startTestDb,
  type TestChain,
  type TestDb,
  testConfig,
  testSubmitter,
  until,
} from "../testing/setup.js";

// anvil's finalized block is head − 2 × slots per epoch: 4 blocks deep here.
const SLOTS = 2;
const FINALIZED_DEPTH = 2 * SLOTS;

let chain: TestChain;
let db: TestDb;
let sql: pg.Pool;
let s: Awaited<ReturnType<typeof testSubmitter>>;
let nextElection = 1;

const rpc = <T = unknown>(method: string, params: unknown[] = []): Promise<T> =>
  chain.node.provider.send(method, params);
const mine = (blocks = 1) => rpc("anvil_mine", [`0x${blocks.toString(16)}`]);
const head = async () => Number(BigInt(await rpc<string>("eth_blockNumber")));
const chainNonce = async (tag = "latest") =>
  Number(BigInt(await rpc<string>("eth_getTransactionCount", [s.wallet.address, tag])));

/** Fresh elections (created by the deployer, mined at once) for the relayer's key to close. */
async function newElections(count: number): Promise<number[]> {
  await rpc("evm_setAutomine", [true]);
  const ids = Array.from({ length: count }, () => nextElection++);
  for (const id of ids) await chain.createElection(id);
  await rpc("evm_setAutomine", [false]);
  return ids;
}

/** A transaction of the relayer's key (mining stays by hand): closing an election. */
async function sendClose(id?: number): Promise<string> {
  if (id === undefined) [id] = (await newElections(1)) as [number];
  const quote = await s.fees.quote();
  const data = voteRegistryInterface.encodeFunctionData("closeElection", [BigInt(id)]);
  return s.submitter.send("close_election", String(id), data, 200_000n, quote);
}

async function txOf(hash: string) {
  const { rows } = await sql.query<{
    id: string;
    nonce: string;
    kind: string;
    status: string;
    final_missing_at: Date | null;
  }>(
    `select t.id, t.nonce, t.kind, t.status, t.final_missing_at from chain_txs t
      where t.id = (select tx_id from tx_attempts where hash = $1)`,
    [Buffer.from(hash.slice(2), "hex")],
  );
  const tx = rows[0];
  if (!tx) throw new Error(`no stored transaction with attempt ${hash}`);
  return { ...tx, nonce: Number(tx.nonce) };
}

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain({ anvil: { slotsInAnEpoch: SLOTS } }), startTestDb("relayer_final")]);
  // CONFIRMATIONS = 1: by depth alone a mined transaction would be final at once; the node's
  // finalized block is what holds it back.
  const config = testConfig(db, chain, { CONFIRMATIONS: "1", STUCK_AFTER_MS: "60000", MAX_FEE_GWEI: "50" });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  s = await testSubmitter(config);
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(s?.lines.slice(-30).join(""));
  await rpc("evm_setAutomine", [true]);
});

afterAll(async () => {
  await s?.stop();
  await sql?.end();
  await chain?.stop();
  await db?.drop();
});

describe("finality on anvil", () => {
  it("counts a transaction final only at the node's finalized block, and sends it again after a reorg above it", async () => {
    const hash = await sendClose();
    await mine();
    await s.track();
    expect((await txOf(hash)).status).toBe("mined");
    const minedAt = await head();
    // Three blocks deep: final by CONFIRMATIONS = 1, not yet by the node (finalized is 4 deep).
    await mine(3);
    await s.track();
    expect(s.submitter.finality()).toMatchObject({ finalizedTag: minedAt + 3 - FINALIZED_DEPTH, confirmations: 1 });
    expect((await txOf(hash)).status).toBe("mined");

    // A 4-block reorg takes the block with the transaction away; anvil forgets it.
    await rpc("anvil_reorg", [4, []]);
    expect(await chainNonce()).toBe((await txOf(hash)).nonce);
    await s.track();
    expect((await txOf(hash)).status).toBe("submitted");
    expect(s.lines.join("")).toMatch(/left the chain \(reorg\)/);
    // Sent again: the node has it in its pool, and it is mined and then final once.
    expect(await chainNonce("pending")).toBe((await txOf(hash)).nonce + 1);
    await until(async () => (await txOf(hash)).status === "confirmed", {
      step: async () => {
        await mine();
        await s.track();
      },
      what: "confirmed after the reorg",
    });
    expect(await head()).toBeGreaterThanOrEqual(minedAt + FINALIZED_DEPTH);
    expect((await txOf(hash)).final_missing_at).toBeNull();
  });

  it("finds a nonce gap when the node loses its pool and sends every missing transaction again at once", async () => {
    const ids = await newElections(3);
    const hashes: string[] = [];
    for (const id of ids) hashes.push(await sendClose(id));
    const first = (await txOf(hashes[0] as string)).nonce;
    expect(await chainNonce("pending")).toBe(first + 3);
    await rpc("anvil_dropAllTransactions");
    expect(await chainNonce("pending")).toBe(first);

    await mine(); // a new head shows it
    await s.track();
    expect(s.submitter.nonces().gap).toMatchObject({ from: first, to: first + 2 });
    expect(await chainNonce("pending"), "all three back in the node's pool in one pass").toBe(first + 3);
    await mine();
    await s.track();
    expect(s.submitter.nonces().gap).toBeNull();
    for (const hash of hashes) expect((await txOf(hash)).status).toBe("mined");
    expect(s.lines.join("")).toMatch(/nonce gap filled/);
  });

  it("fills a nonce below its own that nothing stored holds", async () => {
    await rpc("evm_setAutomine", [false]);
    const skipped = s.nonces.peek();
    s.nonces.commit(skipped); // as if a transaction at this nonce had been signed and lost
    const hash = await sendClose();
    expect((await txOf(hash)).nonce).toBe(skipped + 1);
    await mine();
    await s.track();
    const { rows } = await sql.query<{ kind: string; to_address: string }>(
      "select kind, to_address from chain_txs where nonce = $1",
      [skipped],
    );
    expect(rows).toEqual([{ kind: "fill_nonce", to_address: s.wallet.address.toLowerCase() }]);
    await until(async () => (await txOf(hash)).status === "mined", {
      step: async () => {
        await mine();
        await s.track();
      },
      what: "the transaction after the filled nonce mined",
    });
    expect(await chainNonce()).toBe(skipped + 2);
  });

  it("raises the gravest alarm when a transaction reported final leaves the chain, and sends it again", async () => {
    const hash = await sendClose();
    await until(async () => (await txOf(hash)).status === "confirmed", {
      step: async () => {
        await mine();
        await s.track();
      },
      what: "confirmed",
    });
    // A reorg below the finalized block, down to the transaction's block (not the election's):
    // must not happen on a real chain; anvil allows it.
    const { rows } = await sql.query<{ block_number: string }>("select block_number from chain_txs where id = $1", [
      (await txOf(hash)).id,
    ]);
    const depth = (await head()) - Number(rows[0]?.block_number) + 1;
    expect(depth).toBeGreaterThan(FINALIZED_DEPTH);
    await rpc("anvil_reorg", [depth, []]);
    await mine();
    await s.track();
    const tx = await txOf(hash);
    expect(tx.final_missing_at).not.toBeNull();
    expect(s.lines.join("")).toMatch(/ALARM: a transaction reported final is no longer on chain/);
    const stats = await readStats(s.pool);
    expect(stats.finality.finalMissingTransactions).toBe(1);
    expect(stats.warnings[0]?.code).toBe("final_vote_missing");
    await until(async () => (await txOf(hash)).status === "confirmed", {
      step: async () => {
        await mine();
        await s.track();
      },
      what: "confirmed again",
    });
    expect(await chainNonce()).toBe(tx.nonce + 1);
  });
});
