/**
 * Test setup for the relayer: a real Hardhat node (child process), VoteRegistry deployed with
 * the relayer's roles, a fresh Postgres database with the migrations applied, and helpers.
 */
import { EventEmitter } from "node:events";
import { LOCAL_ACCOUNTS, type VoteRegistryContract } from "@veritally/contracts";
import { type AnvilOptions, startAnvilNode } from "@veritally/contracts/anvil-node";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import { type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { NonceManager, Wallet } from "ethers";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../../../test-helpers/postgres.js";
import { type Config, loadConfig } from "../config.js";
import { migrate } from "../db/migrate.js";
import type { RelayerStats } from "../services/stats.js";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";
export const VOTER_SECRET = "test-voter-secret-0123456789abcdef0123456789";

export interface TestChain {
  node: LocalNode;
  registry: VoteRegistryContract;
  registryAddress: string;
  deployer: NonceManager;
  /** Creates an election directly on chain (as someone other than the relayer). */
  createElection(
    id: number | bigint,
    options?: { choices?: number; opensIn?: number; closesIn?: number; recordFor?: number },
  ): Promise<void>;
  now(): Promise<number>;
  stop(): Promise<void>;
}

/** Hardhat's node (a number: its block interval in ms), or anvil with these options. */
export type TestChainKind = number | { anvil: AnvilOptions };

export async function startTestChain(kind: TestChainKind = 0): Promise<TestChain> {
  const node = typeof kind === "number" ? await startLocalNode({ blockMs: kind }) : await startAnvilNode(kind.anvil);
  const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
  const { registry, deployment } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
  const now = async () => (await node.provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    node,
    registry,
    registryAddress: deployment.address,
    deployer,
    now,
    async createElection(id, options = {}) {
      // Automine gives each block a second, so the chain's clock runs ahead of the wall clock.
      const chainNow = await now();
      const wallNow = Math.floor(Date.now() / 1000);
      const choices = options.choices ?? 3;
      const closesAt = Math.max(chainNow, wallNow) + (options.closesIn ?? 3600);
      await createElection(registry, {
        electionId: id,
        metadata: {
          title: `Election ${id}`,
          description: "",
          choices: Array.from({ length: choices }, (_, i) => `Option ${i}`),
        },
        opensAt:
          (options.opensIn !== undefined ? Math.max(chainNow, wallNow) : Math.min(chainNow, wallNow) - 60) +
          (options.opensIn ?? 0),
        closesAt,
        recordUntil: closesAt + (options.recordFor ?? 3600),
      });
    },
    stop: () => node.stop(),
  };
}

export interface TestDb extends TestDatabase {}

export async function startTestDb(label: string): Promise<TestDb> {
  const db = await createTestDatabase(label);
  await migrate(db.url);
  return db;
}

/** The relayer's environment variables for this database and chain (silent logs), plus `extra`. */
export function testEnv(
  db: TestDatabase,
  chain: TestChain,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    RPC_URLS: chain.node.rpcUrl,
    REGISTRY_ADDRESS: chain.registryAddress,
    ADMIN_API_KEY: ADMIN_KEY,
    VOTER_ID_SECRET: VOTER_SECRET,
    LOG_LEVEL: "silent",
    DB_POOL_MAX: "5",
    ...extra,
  };
}

export function testConfig(db: TestDatabase, chain: TestChain, extra: Record<string, string> = {}): Config {
  return loadConfig(testEnv(db, chain, extra));
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` };

/** Polls `check` (running `step` before each try) until it returns a value other than undefined/false. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  options: { step?: () => Promise<unknown>; timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      if (options.step) await options.step();
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? "a condition"}${lastError ? `: ${String(lastError)}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

/**
 * Polls `count` until it reaches `target`, failing only when it has not grown for `stallMs`: on a
 * loaded machine the work takes longer, but a stuck one stops moving.
 */
export async function untilCountReaches(
  count: () => Promise<number>,
  target: number,
  options: { stallMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const stallMs = options.stallMs ?? 60_000;
  let best = -1;
  let movedAt = Date.now();
  for (;;) {
    const now = await count();
    if (now >= target) return;
    if (now > best) {
      best = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${options.what ?? "the count"} stuck at ${now} of ${target} for ${stallMs} ms`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

/** Every VoteRecorded event of an election, in log order. */
export async function recordedVotes(chain: TestChain, electionId: number | bigint) {
  const { decodeRegistryEvent, registryTopics } = await import("@veritally/contracts");
  const { toBeHex, zeroPadValue } = await import("ethers");
  const logs = await chain.node.provider.getLogs({
    address: chain.registryAddress,
    fromBlock: 0,
    toBlock: "latest",
    topics: [registryTopics.VoteRecorded, zeroPadValue(toBeHex(BigInt(electionId)), 32)],
  });
  return logs.map((log) => {
    const e = decodeRegistryEvent(log);
    if (e?.kind !== "VoteRecorded") throw new Error("not a VoteRecorded event");
    return {
      seq: Number(e.seq),
      ref: e.ref.toLowerCase(),
      choice: e.choice,
      voteHash: e.voteHash,
      txHash: log.transactionHash,
    };
  });
}

/** Asserts the chain holds seqs 0..n-1 once each, and returns the refs by seq. */
export function assertContiguous(records: { seq: number; ref: string }[]): string[] {
  const seqs = records.map((r) => r.seq).sort((a, b) => a - b);
  seqs.forEach((s, i) => {
    if (s !== i) throw new Error(`seq gap or repeat at position ${i}: ${s}`);
  });
  const refs = records.map((r) => r.ref);
  if (new Set(refs).size !== refs.length) throw new Error("a ref is recorded twice");
  return refs;
}

/**
 * A worker in this process (ticks driven by the test), with its own pool and chain context.
 * `lines` collects its log from the start, so a test can watch it before `start()` returns.
 */
export async function testWorker(config: Config, options: { lines?: string[] } = {}) {
  const { createDb } = await import("../db/pool.js");
  const { createChainContext } = await import("../chain/context.js");
  const { createWorker } = await import("../worker/worker.js");
  const { resolveSigningKey } = await import("../config.js");
  const pool = createDb(config.databaseUrl, 4, "test-worker");
  const chainContext = await createChainContext(config, pool);
  const key = resolveSigningKey(config, chainContext.chainId);
  const lines: string[] = options.lines ?? [];
  const { createLog } = await import("../log.js");
  const worker = createWorker({
    config,
    db: pool,
    chain: chainContext,
    wallet: new Wallet(key.privateKey),
    log: createLog("info", "test-worker", (l) => lines.push(l)),
  });
  await worker.start();
  return {
    worker,
    lines,
    pool,
    /** Runs one tick, ignoring errors a real loop would retry. */
    async tick() {
      await worker.tick().catch(() => {});
    },
    async stop() {
      await worker.stop();
      chainContext.provider.destroy();
      await pool.end();
    },
  };
}

/**
 * Stands in for `process` in the commands' signal handling: a real EventEmitter to emit SIGINT or
 * SIGTERM on, and an exit that records its codes (`exited` settles with the first one).
 */
export function fakeProcess() {
  const signals = new EventEmitter();
  const codes: number[] = [];
  let first!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    first = resolve;
  });
  return {
    signals,
    codes,
    exited,
    exit(code: number) {
      codes.push(code);
      first(code);
    },
  };
}

/**
 * The relayer key's submitter as the worker builds it, driven directly by a test: its RPC pool
 * gives up after one round (so an unreachable node shows at once) and talks to `rpcUrl`
 * (e.g. a TcpProxy in front of the node).
 */
export async function testSubmitter(config: Config, rpcUrl = config.rpcUrls[0] as string) {
  const { createDb } = await import("../db/pool.js");
  const { createRpcPool } = await import("../chain/rpc-pool.js");
  const { createChainContext } = await import("../chain/context.js");
  const { createNonceManager } = await import("../chain/nonce-manager.js");
  const { createFeeOracle } = await import("../chain/fee-oracle.js");
  const { createSubmitter } = await import("../worker/submitter.js");
  const { resolveSigningKey } = await import("../config.js");
  const { createLog } = await import("../log.js");
  const pool = createDb(config.databaseUrl, 3, "test-submitter");
  const rpc = createRpcPool({ urls: [rpcUrl], timeoutMs: 2000, rounds: 1, baseDelayMs: 10 });
  const chainContext = await createChainContext(config, pool, rpc);
  const wallet = new Wallet(resolveSigningKey(config, chainContext.chainId).privateKey);
  const nonces = createNonceManager({ db: pool, rpc, signer: wallet.address.toLowerCase() });
  await nonces.sync();
  const fees = createFeeOracle({
    rpc,
    capPerGas: config.maxFeePerGas,
    minPriorityFeePerGas: config.minPriorityFeePerGas,
    bumpPercent: config.replacementBumpPercent,
  });
  const lines: string[] = [];
  const submitter = createSubmitter({
    db: pool,
    rpc,
    wallet,
    nonces,
    fees,
    chainId: chainContext.chainId,
    registryAddress: chainContext.registryAddress,
    confirmations: config.confirmations,
    stuckAfterMs: config.stuckAfterMs,
    log: createLog("info", "test-submitter", (l) => lines.push(l)),
  });
  return {
    submitter,
    nonces,
    fees,
    wallet,
    rpc,
    pool,
    /** The submitter's log, one JSON object per line. */
    lines,
    /** One pass of tracking at the node's current head. */
    async track() {
      await submitter.track(Number(BigInt(await rpc.call<string>("eth_blockNumber"))));
    },
    async stop() {
      chainContext.provider.destroy();
      await pool.end();
    },
  };
}

export interface WorkerHarness {
  chain: TestChain;
  db: TestDb;
  config: Config;
  /** The API, in this process (app.inject). */
  app: FastifyInstance;
  /** For direct queries. */
  sql: pg.Pool;
  /** An API client's key. */
  key: string;
  /** The worker, ticked by hand; a test that replaces it sets the new one here, for stop(). */
  w: Awaited<ReturnType<typeof testWorker>>;
  /** POST /v1/elections/{id}/votes as the client. */
  vote(electionId: number | string, voterId: string, choice?: number): Promise<LightMyRequestResponse>;
  /** GET /v1/votes/{ref}, parsed. */
  status(ref: string): Promise<Record<string, unknown> & { status: string }>;
  /** GET /v1/admin/stats, parsed. */
  stats(): Promise<RelayerStats>;
  /** Prints the worker's last log lines (call it when a test failed: they explain more than a timeout). */
  logIfFailed(context: { task: { result?: { state?: string } } }): void;
  stop(): Promise<void>;
}

/**
 * What the worker tests share: a chain and a database, the API with one client, a pool, and a
 * worker. `env` (given the chain) sets the configuration; `beforeWorker` runs before the worker
 * starts.
 */
export async function startWorkerHarness(
  label: string,
  options: {
    client: string;
    env?: (chain: TestChain) => Record<string, string> | Promise<Record<string, string>>;
    beforeWorker?: (sql: pg.Pool) => Promise<void>;
    /** Default: Hardhat's node, automining. */
    chain?: TestChainKind;
  },
): Promise<WorkerHarness> {
  const { buildApp } = await import("../app.js");
  const [chain, db] = await Promise.all([startTestChain(options.chain), startTestDb(label)]);
  const config = testConfig(db, chain, (await options.env?.(chain)) ?? {});
  const app = await buildApp({ config });
  const sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const key: string = (
    await app.inject({
      method: "POST",
      url: "/v1/admin/clients",
      headers: adminHeaders,
      payload: { name: options.client },
    })
  ).json().apiKey.key;
  await options.beforeWorker?.(sql);
  const harness: WorkerHarness = {
    chain,
    db,
    config,
    app,
    sql,
    key,
    w: await testWorker(config),
    vote: (electionId, voterId, choice = 0) =>
      app.inject({
        method: "POST",
        url: `/v1/elections/${electionId}/votes`,
        headers: { authorization: `Bearer ${key}` },
        payload: { voterId, choice },
      }),
    status: async (ref) => (await app.inject({ method: "GET", url: `/v1/votes/${ref}` })).json(),
    stats: async () => (await app.inject({ method: "GET", url: "/v1/admin/stats", headers: adminHeaders })).json(),
    logIfFailed(context) {
      if (context.task.result?.state === "fail") console.log(harness.w.lines.slice(-30).join(""));
    },
    async stop() {
      await harness.w.stop();
      await app.close();
      await sql.end();
      await chain.stop();
      await db.drop();
    },
  };
  return harness;
}
