/**
 * The submitter driven directly against a real Hardhat node (through a TCP proxy that can be cut)
 * and Postgres: transactions stored while the node is unreachable, a node that already has the
 * bytes, a broadcast refused for its fees, a store that fails, and mined transactions moved by reorgs.
 */

import { encodeElectionMetadata, voteRegistryInterface } from "@veritally/contracts";
import { parseUnits, Transaction } from "ethers";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../../../test-helpers/tcp-proxy.js";
import {
  startTestChain,
  startTestDb,
  type TestChain,
  type TestDb,
  testConfig,
  testSubmitter,
  until,
} from "../testing/setup.js";

let chain: TestChain;
let db: TestDb;
let proxy: TcpProxy;
let sql: pg.Pool;
let s: Awaited<ReturnType<typeof testSubmitter>>;

const rpc = <T = unknown>(method: string, params: unknown[] = []): Promise<T> =>
  chain.node.provider.send(method, params);
const closeData = (id: number) => voteRegistryInterface.encodeFunctionData("closeElection", [BigInt(id)]);
const gwei = (n: number) => `0x${parseUnits(String(n), "gwei").toString(16)}`;
const hex = (b: Buffer) => `0x${b.toString("hex")}`;

/** The stored transaction with this hash among its attempts, and all its attempts in order. */
async function stored(hash: string) {
  const { rows } = await sql.query(
    `select t.id, t.nonce, t.status, t.block_number, t.block_hash, t.revert_reason from chain_txs t
      where t.id = (select tx_id from tx_attempts where hash = $1)`,
    [Buffer.from(hash.slice(2), "hex")],
  );
  const tx = rows[0];
  const attempts = (
    await sql.query("select hash, raw, status, max_fee_per_gas from tx_attempts where tx_id = $1 order by id", [tx.id])
  ).rows;
  return { ...tx, nonce: Number(tx.nonce), attempts };
}

/** Tracks (mining a block each time) until the transaction is confirmed. */
async function untilConfirmed(hash: string) {
  await until(async () => (await stored(hash)).status === "confirmed", {
    step: async () => {
      await s.track();
      await rpc("hardhat_mine", ["0x1"]);
    },
    what: `${hash} confirmed`,
  });
}

beforeAll(async () => {
  [chain, db] = await Promise.all([startTestChain(), startTestDb("relayer_submitter")]);
  proxy = await startTcpProxy(chain.node.rpcUrl);
  for (const id of [1, 2, 3, 4, 5]) await chain.createElection(id);
  const config = testConfig(db, chain, { CONFIRMATIONS: "2", STUCK_AFTER_MS: "300", MAX_FEE_GWEI: "50" });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  s = await testSubmitter(config, proxy.url);
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(s?.lines.slice(-20).join(""));
  proxy.restore();
  await rpc("evm_setAutomine", [true]);
});

afterAll(async () => {
  await s?.stop();
  await sql?.end();
  await proxy?.close();
  await chain?.stop();
  await db?.drop();
});

describe("submitter", () => {
  it("stores a transaction while the node is unreachable and broadcasts it once the node is back", async () => {
    const quote = await s.fees.quote();
    proxy.cut();
    const hash = await s.submitter.send("close_election", "1", closeData(1), 100_000n, quote);
    // nothing reached the node: the signed transaction waits in the database
    expect(await stored(hash)).toMatchObject({ status: "pending", attempts: [{ status: "pending" }] });
    await expect(s.submitter.simulate(closeData(1))).rejects.toThrow(/no RPC endpoint answered/);
    await expect(s.track()).rejects.toThrow(/no RPC endpoint answered/);
    expect(await rpc("eth_getTransactionByHash", [hash])).toBeNull();

    proxy.restore();
    await s.track();
    expect(await stored(hash)).toMatchObject({ status: "submitted", attempts: [{ status: "submitted" }] });
    await untilConfirmed(hash);
    expect((await chain.registry.getElection(1)).closed).toBe(true);
    expect((await chain.node.provider.getTransactionReceipt(hash))?.status).toBe(1);
  });

  it("takes 'known transaction' for accepted when the node already has the stored bytes", async () => {
    const quote = await s.fees.quote();
    await rpc("evm_setAutomine", [false]);
    proxy.cut();
    const hash = await s.submitter.send("close_election", "2", closeData(2), 100_000n, quote);
    // The request reached the node but its answer was lost: the node has the bytes, the database says pending.
    const { attempts } = await stored(hash);
    await rpc("eth_sendRawTransaction", [hex(attempts[0].raw)]);
    proxy.restore();
    const broadcasts = s.submitter.broadcastCount();
    await s.track();
    expect(s.submitter.broadcastCount()).toBe(broadcasts + 1);
    expect(await stored(hash)).toMatchObject({ status: "submitted", attempts: [{ status: "submitted" }] });
    expect(s.lines.some((l) => l.includes("broadcast rejected"))).toBe(false);
    await rpc("evm_setAutomine", [true]);
    await untilConfirmed(hash);
    expect((await chain.registry.getElection(2)).closed).toBe(true);
  });

  it("replaces a stored transaction whose fees the node refuses, at the same nonce with higher fees", async () => {
    const quote = await s.fees.quote();
    proxy.cut();
    const hash = await s.submitter.send("close_election", "3", closeData(3), 100_000n, quote);
    proxy.restore();
    // Meanwhile the base fee rose above what the stored transaction offers.
    expect(quote.maxFeePerGas).toBeLessThan(parseUnits("10", "gwei"));
    await rpc("hardhat_setNextBlockBaseFeePerGas", [gwei(10)]);
    const tx = await until(
      async () => {
        const t = await stored(hash);
        return t.attempts.length === 2 ? t : undefined;
      },
      { step: () => s.track(), what: "a replacement" },
    );
    const [first, second] = tx.attempts;
    expect(first.status).toBe("replaced");
    expect(second.status).toBe("submitted");
    expect(BigInt(second.max_fee_per_gas)).toBeGreaterThanOrEqual(parseUnits("10", "gwei"));
    const replacement = Transaction.from(hex(second.raw));
    expect(replacement.nonce).toBe(tx.nonce);
    const log = s.lines.map((l) => JSON.parse(l));
    expect(log.find((l) => l.msg === "broadcast rejected")?.error).toMatch(/too low for the next block/);
    expect(log.find((l) => l.msg === "replacing stuck transaction")).toMatchObject({ nonce: tx.nonce, old: hash });
    await untilConfirmed(hash);
    expect((await chain.node.provider.getTransaction(replacement.hash as string))?.blockNumber).not.toBeNull();
    expect((await chain.registry.getElection(3)).closed).toBe(true);
  });

  it("stores nothing when the batch is not formed any more, and the next transaction takes the same nonce", async () => {
    const quote = await s.fees.quote();
    const before = Number((await sql.query("select count(*) from chain_txs")).rows[0].count);
    const next = Number(
      BigInt(await rpc<string>("eth_getTransactionCount", [s.wallet.address.toLowerCase(), "pending"])),
    );
    await expect(s.submitter.send("record_batch", "4", closeData(4), 100_000n, quote, "999999")).rejects.toThrow(
      "batch 999999 is not formed any more",
    );
    expect(Number((await sql.query("select count(*) from chain_txs")).rows[0].count)).toBe(before);
    expect(s.nonces.peek()).toBe(next);
    const hash = await s.submitter.send("close_election", "4", closeData(4), 100_000n, quote);
    expect((await stored(hash)).nonce).toBe(next);
    await untilConfirmed(hash);
    expect((await chain.registry.getElection(4)).closed).toBe(true);
  });

  it("follows a mined transaction into another block after a reorg", async () => {
    const snapshot = await rpc<string>("evm_snapshot");
    const hash = await s.submitter.send("close_election", "5", closeData(5), 100_000n, await s.fees.quote());
    await until(async () => (await stored(hash)).status === "mined", { step: () => s.track() });
    const before = await stored(hash);
    // The block leaves the chain; another node includes the same transaction in a later block.
    expect(await rpc("evm_revert", [snapshot])).toBe(true);
    await rpc("hardhat_mine", ["0x1"]);
    await rpc("eth_sendRawTransaction", [hex(before.attempts[0].raw)]);
    const receipt = await chain.node.provider.getTransactionReceipt(hash);
    expect(receipt?.blockHash).not.toBe(hex(before.block_hash));
    await s.track();
    const after = await stored(hash);
    expect(after).toMatchObject({ status: "mined", block_number: String(receipt?.blockNumber) });
    expect(hex(after.block_hash)).toBe(receipt?.blockHash);
    expect(s.lines.some((l) => l.includes("left the chain"))).toBe(false); // never sent again
    await untilConfirmed(hash);
  });

  it("sends a created election's transaction again when its block leaves the chain, and the election is active after", async () => {
    await sql.query(
      `insert into elections (election_id, source, state, choice_count, opens_at, closes_at, record_until)
       values (60, 'relayer', 'creating', 2, now() - interval '1 minute', now() + interval '1 hour', now() + interval '2 hours')`,
    );
    const now = await chain.now();
    const data = voteRegistryInterface.encodeFunctionData("createElection", [
      60n,
      2,
      BigInt(now - 60),
      BigInt(now + 3600),
      BigInt(now + 7200),
      encodeElectionMetadata({ title: "Reorged", description: "", choices: ["A", "B"] }),
    ]);
    const state = async () => (await sql.query("select state from elections where election_id = 60")).rows[0].state;
    const snapshot = await rpc<string>("evm_snapshot");
    const hash = await s.submitter.send("create_election", "60", data, 500_000n, await s.fees.quote());
    await until(async () => (await stored(hash)).status === "mined", { step: () => s.track() });
    expect(await state()).toBe("active");
    expect(await rpc("evm_revert", [snapshot])).toBe(true);
    expect(await chain.registry.electionExists(60)).toBe(false);
    await s.track();
    expect(s.lines.some((l) => l.includes("mined transaction left the chain (reorg): sending it again"))).toBe(true);
    expect(await state()).toBe("creating");
    await untilConfirmed(hash);
    expect(await state()).toBe("active");
    expect(await chain.registry.electionExists(60)).toBe(true);
  });
});
