/**
 * The worker when others act on the same chain: the relayer's key used outside the relayer, a node
 * that forgets a transaction, someone creating or closing the relayer's election first, fees at the
 * cap, a contract paused for one block, and a batch mined after recording ended.
 */
import { encodeElectionMetadata, LOCAL_ACCOUNTS } from "@veritally/contracts";
import { parseUnits, Wallet } from "ethers";
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  adminHeaders,
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

const rpc = <T = unknown>(method: string, params: unknown[] = []): Promise<T> =>
  chain.node.provider.send(method, params);
const gwei = (n: number) => parseUnits(String(n), "gwei");
/**
 * Fees that put a transaction ahead of the relayer's in the same block, and a gas limit: an estimate
 * against the pool would revert, and a failed send would leave the deployer's NonceManager a nonce ahead.
 */
const ahead = { maxPriorityFeePerGas: gwei(40), maxFeePerGas: gwei(45), gasLimit: 500_000n };
const vote: WorkerHarness["vote"] = (...args) => h.vote(...args);
const status: WorkerHarness["status"] = (ref) => h.status(ref);
const election = async (id: number) =>
  (await app.inject({ method: "GET", url: `/v1/admin/elections/${id}`, headers: adminHeaders })).json();
const log = () => w.lines.map((l) => JSON.parse(l));

/** The relayer's transactions of an election, oldest first, with their attempts' hashes. */
async function txsOf(electionId: number, kind = "record_batch") {
  const { rows } = await sql.query(
    `select t.id, t.nonce, t.status, t.revert_reason, array_agg('0x' || encode(a.hash, 'hex') order by a.id) as hashes
       from chain_txs t join tx_attempts a on a.tx_id = t.id
      where t.election_id = $1 and t.kind = $2 group by t.id order by t.id`,
    [electionId, kind],
  );
  return rows.map((r) => ({ ...r, nonce: Number(r.nonce) })) as {
    id: string;
    nonce: number;
    status: string;
    revert_reason: string | null;
    hashes: string[];
  }[];
}

/** Ticks until the election's first transaction of `kind` is in the node's pool (automine off). */
async function untilSubmitted(electionId: number, kind = "record_batch") {
  return until(
    async () => {
      const [tx] = await txsOf(electionId, kind);
      return tx?.status === "submitted" ? tx : undefined;
    },
    { step: () => w.tick(), what: `election ${electionId}: ${kind} submitted` },
  );
}

/** Creates an election through the admin API and ticks until it is active on chain. */
async function createThroughApi(id: number) {
  const now = Date.now();
  const created = await app.inject({
    method: "POST",
    url: "/v1/admin/elections",
    headers: adminHeaders,
    payload: {
      electionId: String(id),
      metadata: { title: `Election ${id}`, description: "", choices: ["A", "B"] },
      opensAt: new Date(now - 5000).toISOString(),
      closesAt: new Date(now + 3_600_000).toISOString(),
      recordUntil: new Date(now + 7_200_000).toISOString(),
    },
  });
  expect(created.statusCode, created.body).toBe(202);
  return created;
}

/** createElection sent directly by the deployer (not the relayer), without waiting for it to be mined. */
async function createElsewhere(id: number, overrides: Record<string, bigint> = {}) {
  const now = Math.max(await chain.now(), Math.floor(Date.now() / 1000));
  return chain.registry.createElection(
    id,
    2,
    now - 60,
    now + 3600,
    now + 7200,
    encodeElectionMetadata({ title: `Elsewhere ${id}`, description: "", choices: ["X", "Y"] }),
    overrides,
  );
}

beforeAll(async () => {
  h = await startWorkerHarness("relayer_contention", {
    client: "others",
    env: () => ({
      MAX_BATCH: "50",
      MAX_WAIT_MS: "100",
      CONFIRMATIONS: "2",
      STUCK_AFTER_MS: "800",
      MAX_FEE_GWEI: "50",
      // Elections are re-read from the chain only at the first tick: the tests see what the worker's own checks do.
      CHAIN_REFRESH_MS: "3600000",
    }),
  });
  ({ chain, app, sql, w } = h);
});

afterEach(async (context) => {
  h?.logIfFailed(context);
  // Hardhat does not mine what waits in its pool when automine comes back on: mine it first.
  await rpc("evm_mine");
  await rpc("evm_setAutomine", [true]);
  if (await chain.registry.paused()) await (await chain.registry.unpause()).wait();
});

afterAll(async () => {
  await h?.stop();
});

describe("the relayer's key used elsewhere", () => {
  it("gives up a nonce another transaction of its key took, and records the votes at the next nonce", async () => {
    await chain.createElection(1);
    await rpc("evm_setAutomine", [false]);
    const accepted = (await vote(1, "nonce-1")).json();
    const ours = await untilSubmitted(1);
    // Someone with the relayer's key sends another transaction at the same nonce, paying more.
    const outsider = new Wallet(LOCAL_ACCOUNTS.relayer.privateKey, chain.node.provider);
    const foreign = await outsider.sendTransaction({
      to: LOCAL_ACCOUNTS.deployer.address,
      value: 1n,
      nonce: ours.nonce,
      ...ahead,
    });
    // The node's pool now holds the foreign transaction; sending ours again is refused as underpriced.
    await until(
      async () =>
        log().some(
          (l) =>
            l.msg === "transaction unknown to the node: sent again" &&
            l.nonce === ours.nonce &&
            l.outcome === "underpriced",
        ),
      { step: () => w.tick(), what: "our transaction sent again and refused" },
    );
    await rpc("evm_mine");
    expect((await foreign.wait())?.status).toBe(1);
    await until(async () => (await txsOf(1))[0]?.status === "failed", { step: () => w.tick(), what: "nonce_taken" });
    expect((await txsOf(1))[0]).toMatchObject({ nonce: ours.nonce, revert_reason: "nonce_taken" });
    expect(log().some((l) => l.msg === "nonce taken by a transaction that is not ours" && l.nonce === ours.nonce)).toBe(
      true,
    );

    await until(async () => (await recordedVotes(chain, 1)).length === 1, {
      step: async () => {
        await w.tick();
        await rpc("evm_mine");
      },
      what: "the vote recorded after reconciling",
    });
    const [record] = await recordedVotes(chain, 1);
    expect(record?.ref).toBe(accepted.refHex);
    const txs = await txsOf(1);
    expect(txs).toHaveLength(2);
    expect(txs[1]?.nonce).toBe(ours.nonce + 1);
    expect(txs[1]?.hashes).toContain(record?.txHash);
  });
});

describe("a node that forgets", () => {
  it("sends a transaction dropped from the node's pool again, the same signed bytes", async () => {
    await chain.createElection(2);
    await rpc("evm_setAutomine", [false]);
    const accepted = (await vote(2, "dropped-1")).json();
    const ours = await untilSubmitted(2);
    const hash = ours.hashes[0] as string;
    expect(await rpc("hardhat_dropTransaction", [hash])).toBe(true);
    expect(await rpc("eth_getTransactionByHash", [hash])).toBeNull();
    await until(async () => (await rpc("eth_getTransactionByHash", [hash])) !== null, {
      step: () => w.tick(),
      what: "the transaction back in the node's pool",
    });
    expect(log()).toContainEqual(
      expect.objectContaining({ msg: "transaction unknown to the node: sent again", hash, outcome: "accepted" }),
    );
    await rpc("evm_mine");
    await until(async () => (await status(accepted.ref)).status === "included", { step: () => w.tick() });
    expect((await status(accepted.ref)).txHash).toBe(hash);
    expect((await txsOf(2))[0]?.hashes).toEqual([hash]);
  });
});

describe("elections created or closed by someone else first", () => {
  it("fails an election someone else created on chain before the relayer's createElection was sent", async () => {
    await createThroughApi(40);
    await (await createElsewhere(40)).wait();
    await until(async () => (await election(40)).state === "failed", { step: () => w.tick(), what: "failed" });
    expect((await election(40)).failureReason).toMatch(/^VoteRegistryElectionExists/);
    expect(await txsOf(40, "create_election")).toEqual([]);
  });

  it("fails an election whose createElection reverted because someone else's was mined first in the block", async () => {
    await rpc("evm_setAutomine", [false]);
    await createThroughApi(41);
    const ours = await untilSubmitted(41, "create_election");
    const theirs = await createElsewhere(41, ahead);
    await rpc("evm_mine");
    expect((await theirs.wait())?.status).toBe(1);
    await rpc("evm_setAutomine", [true]);
    await until(async () => (await election(41)).state === "failed", {
      step: async () => {
        await w.tick();
        await rpc("evm_mine");
      },
      what: "the creation failed",
    });
    expect((await election(41)).failureReason).toBe("reverted");
    const [tx] = await txsOf(41, "create_election");
    expect(tx).toMatchObject({ id: ours.id, status: "failed" });
    expect(tx?.revert_reason).toMatch(/^reverted: VoteRegistryElectionExists/);
  });

  it("takes an election someone else closed for closed, without sending closeElection", async () => {
    await createThroughApi(50);
    await until(async () => (await election(50)).state === "active", { step: () => w.tick() });
    await (await chain.registry.closeElection(50)).wait();
    const closed = await app.inject({ method: "POST", url: "/v1/admin/elections/50/close", headers: adminHeaders });
    expect(closed.statusCode).toBe(202);
    await until(async () => (await election(50)).chainClosed === true, { step: () => w.tick(), what: "chain closed" });
    expect((await election(50)).failureReason).toBeNull();
    expect(await txsOf(50, "close_election")).toEqual([]);
  });

  it("takes a closeElection that reverted because someone else closed it first in the block for closed", async () => {
    await createThroughApi(51);
    await until(async () => (await election(51)).state === "active", { step: () => w.tick() });
    await rpc("evm_setAutomine", [false]);
    await app.inject({ method: "POST", url: "/v1/admin/elections/51/close", headers: adminHeaders });
    await untilSubmitted(51, "close_election");
    const theirs = await chain.registry.closeElection(51, ahead);
    await rpc("evm_mine");
    expect((await theirs.wait())?.status).toBe(1);
    await rpc("evm_setAutomine", [true]);
    await until(async () => (await txsOf(51, "close_election"))[0]?.status === "failed", {
      step: async () => {
        await w.tick();
        await rpc("evm_mine");
      },
      what: "the close counted as failed",
    });
    expect((await txsOf(51, "close_election"))[0]?.revert_reason).toMatch(
      /^reverted: VoteRegistryElectionAlreadyClosed/,
    );
    expect(await election(51)).toMatchObject({ chainClosed: true, failureReason: null });
  });
});

describe("fees and reverts", () => {
  it("keeps a stuck transaction whose replacement would pass the fee cap, says so, and sees it mined", async () => {
    await chain.createElection(3);
    await rpc("evm_setAutomine", [false]);
    // 30 gwei: sendable under the 50 gwei cap, but the transaction's max fee is the cap itself.
    await rpc("hardhat_setNextBlockBaseFeePerGas", [`0x${gwei(30).toString(16)}`]);
    const accepted = (await vote(3, "cap-1")).json();
    const ours = await untilSubmitted(3);
    await until(async () => (await status(accepted.ref)).waiting === "fee_cap", {
      step: () => w.tick(),
      what: "the replacement held by the cap",
    });
    expect(await status(accepted.ref)).toMatchObject({ status: "submitted", txHash: ours.hashes[0] });
    const stats = await h.stats();
    expect(stats.fees.waitingReason, "the operator's stats say what the transaction waits for").toBe("fee_cap");
    expect((await txsOf(3))[0]?.hashes).toEqual(ours.hashes);
    expect(log().filter((l) => l.msg === "stuck transaction not replaced: the fee cap")).toHaveLength(1);
    await rpc("evm_mine");
    await until(async () => (await status(accepted.ref)).status === "included", { step: () => w.tick() });
    expect(await status(accepted.ref)).toMatchObject({ txHash: ours.hashes[0], waiting: null });
  });

  it("requeues a batch that reverted in its block but would succeed now, and records it once", async () => {
    await chain.createElection(4);
    await rpc("evm_setAutomine", [false]);
    const accepted = (await vote(4, "blip-1")).json();
    await untilSubmitted(4);
    // The contract is paused for exactly the block that holds the batch.
    await chain.registry.pause(ahead);
    await rpc("evm_mine");
    await rpc("evm_setAutomine", [true]);
    await (await chain.registry.unpause()).wait();
    await until(async () => (await recordedVotes(chain, 4)).length === 1, {
      step: () => w.tick(),
      what: "recorded after the revert",
    });
    const [first] = await txsOf(4);
    expect(first).toMatchObject({ status: "failed", revert_reason: "reverted: reverted in its block, succeeds now" });
    expect((await recordedVotes(chain, 4))[0]?.ref).toBe(accepted.refHex);
    const { rows } = await sql.query("select state, failure_reason from batches where election_id = 4 order by id");
    expect(rows[0]).toEqual({ state: "failed", failure_reason: "reverted" });
  });

  it("fails the votes of a batch mined after the election's recording ended", async () => {
    await chain.createElection(5, { closesIn: 600, recordFor: 60 });
    await rpc("evm_setAutomine", [false]);
    const accepted = (await vote(5, "late-1")).json();
    await untilSubmitted(5);
    await rpc("evm_increaseTime", [3600]);
    await rpc("evm_mine");
    await rpc("evm_setAutomine", [true]);
    await until(async () => (await status(accepted.ref)).status === "failed", {
      step: async () => {
        await w.tick();
        await rpc("evm_mine");
      },
      what: "the vote failed",
    });
    expect((await status(accepted.ref)).reason).toBe("recording_ended");
    expect(await recordedVotes(chain, 5)).toEqual([]);
    const [tx] = await txsOf(5);
    expect(tx?.revert_reason).toMatch(/^recording_ended: VoteRegistryRecordingEnded/);
    expect(log()).toContainEqual(
      expect.objectContaining({ msg: "election reconciled with the chain", electionId: "5", failed: 1 }),
    );
  });
});
