/**
 * Shared setup for the indexer's tests and its benchmark: a local chain with VoteRegistry
 * deployed, elections and votes recorded through the typed binding, and the indexer and GraphQL
 * server started as the child processes an operator would start.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_ACCOUNTS, type VoteRegistryContract } from "@veritally/contracts";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import type { Deployment } from "@veritally/contracts/deployment";
import { type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { type JsonRpcProvider, NonceManager, Wallet } from "ethers";
import { type ChildHandle, spawnWithOutput } from "../../test-helpers/child-process.js";

export const indexerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface TestChain {
  node: LocalNode;
  provider: JsonRpcProvider;
  deployment: Deployment;
  /** Connected as the relayer (recorder and election manager). */
  registry: VoteRegistryContract;
  /** After evm_revert: the signers forget the nonces of the abandoned chain. */
  resetNonces(): Promise<void>;
  stop(): Promise<void>;
}

/** blockMs: 0 one block per transaction; -1 blocks only on evm_mine (the test decides). */
export async function startTestChain(options: { blockMs?: number } = {}): Promise<TestChain> {
  const node = await startLocalNode({ blockMs: options.blockMs ?? 0 });
  try {
    const provider = node.provider;
    const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, provider));
    const relayer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.relayer.privateKey, provider));
    const mine = options.blockMs === -1 ? startAutoMiner(provider) : undefined;
    try {
      const { deployment, registry } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
      return {
        node,
        provider,
        deployment,
        registry: registry.connect(relayer) as VoteRegistryContract,
        resetNonces: async () => {
          // ethers answers a repeated request from a 250 ms cache: let the abandoned chain's nonce expire.
          await new Promise((r) => setTimeout(r, 300));
          deployer.reset();
          relayer.reset();
        },
        stop: () => node.stop(),
      };
    } finally {
      mine?.stop();
    }
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/** On a chain that mines only on request: runs `action` while a block is mined every 20 ms. */
export async function withAutoMine<T>(chain: TestChain, action: () => Promise<T>): Promise<T> {
  const miner = startAutoMiner(chain.provider);
  try {
    return await action();
  } finally {
    miner.stop();
  }
}

/** Mines one block holding what was sent before (on a chain that mines only on request). */
export async function mineBlock(chain: TestChain): Promise<{ number: number; hash: string }> {
  await chain.provider.send("evm_mine", []);
  const block = (await chain.provider.send("eth_getBlockByNumber", ["latest", false])) as {
    number: string;
    hash: string;
  };
  return { number: Number(BigInt(block.number)), hash: block.hash };
}

function startAutoMiner(provider: JsonRpcProvider) {
  const timer = setInterval(() => {
    provider.send("evm_mine", []).catch(() => {});
  }, 20);
  return { stop: () => clearInterval(timer) };
}

/** The chain's height now (ethers' getBlockNumber() may answer from a cache). */
export async function headHeight(provider: JsonRpcProvider): Promise<number> {
  return Number(BigInt(await provider.send("eth_blockNumber", [])));
}

export async function chainTime(provider: JsonRpcProvider): Promise<number> {
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("no latest block");
  return block.timestamp;
}

export interface ElectionSpec {
  electionId: number;
  choices?: string[];
  title?: string;
  /** Seconds from the chain's current time. */
  closesIn?: number;
  graceSeconds?: number;
}

export async function openElection(chain: TestChain, spec: ElectionSpec): Promise<void> {
  const now = await chainTime(chain.provider);
  const closesAt = now + (spec.closesIn ?? 3600);
  await createElection(chain.registry, {
    electionId: spec.electionId,
    metadata: {
      title: spec.title ?? `Election ${spec.electionId}`,
      description: "test election",
      choices: spec.choices ?? ["Yes", "No", "Abstain"],
    },
    opensAt: now - 60,
    closesAt,
    recordUntil: closesAt + (spec.graceSeconds ?? 3600),
  });
}

export interface RecordedVote {
  seq: bigint;
  ref: string;
  choice: number;
  voteHash: string;
}

export function makeVotes(firstSeq: bigint, count: number, choice: (i: number) => number): RecordedVote[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: firstSeq + BigInt(i),
    ref: `0x${randomBytes(16).toString("hex")}`,
    choice: choice(i),
    voteHash: `0x${randomBytes(32).toString("hex")}`,
  }));
}

/** Polls for a receipt (ethers' tx.wait() can miss it when no later block comes, as on automine). */
export async function receiptOf(
  provider: JsonRpcProvider,
  hash: string,
  timeoutMs = 30_000,
): Promise<{ blockNumber: number; gasUsed: bigint; effectiveGasPrice: bigint }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await provider.send("eth_getTransactionReceipt", [hash])) as {
      blockNumber: string;
      gasUsed: string;
      effectiveGasPrice: string;
      status: string;
    } | null;
    if (r) {
      if (r.status !== "0x1") throw new Error(`transaction ${hash} failed`);
      return {
        blockNumber: Number(r.blockNumber),
        gasUsed: BigInt(r.gasUsed),
        effectiveGasPrice: BigInt(r.effectiveGasPrice),
      };
    }
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Sends one recordVoteBatch; waits for its receipt unless wait is false. A gas limit skips the
 * estimate (one execution fewer), for seeding large chains.
 */
export async function recordBatch(
  chain: TestChain,
  electionId: number,
  votes: RecordedVote[],
  options: { wait?: boolean; gasLimit?: number } = {},
): Promise<{ hash: string; blockNumber?: number }> {
  const first = votes[0];
  if (!first) throw new Error("empty batch");
  const tx = await chain.registry.recordVoteBatch(
    electionId,
    first.seq,
    votes.map((v) => v.ref),
    votes.map((v) => v.choice),
    votes.map((v) => v.voteHash),
    options.gasLimit ? { gasLimit: options.gasLimit } : {},
  );
  if (options.wait === false) return { hash: tx.hash };
  const receipt = await receiptOf(chain.provider, tx.hash);
  return { hash: tx.hash, blockNumber: receipt.blockNumber };
}

export { waitFor } from "../../test-helpers/wait.js";

export type { ChildHandle };

/** Runs an indexer entry point (src/main.ts, src/graphql.ts, …) as a child process, as npm would. */
export function spawnIndexerProcess(
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
  nodeArgs: string[] = [],
): ChildHandle {
  // Built JavaScript (lib/*.js) runs as it is; TypeScript sources through tsx.
  const loader = entry.endsWith(".ts") ? ["--import", "tsx"] : [];
  return spawnWithOutput(process.execPath, [...nodeArgs, ...loader, entry, ...args], {
    cwd: indexerRoot,
    env: { ...process.env, SQD_DEBUG: "", ...env },
  });
}

export function indexerEnv(
  chain: TestChain,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    RPC_URL: chain.node.rpcUrl,
    CONTRACT_ADDRESS: chain.deployment.address,
    START_BLOCK: String(chain.deployment.deploymentBlock),
    DB_URL: databaseUrl,
    FINALITY_CONFIRMATION: "5",
    HEAD_POLL_MS: "50",
    ...extra,
  };
}

export interface InProcessIndexer {
  /** Settles when the indexer stops: the exit code runIndexerCli would give (0 stopped, 1 error, 3 deep reorg). */
  done: Promise<number>;
  /** Messages of the indexer's own log (start, restarts, reorg handling). */
  lines: string[];
  stop(): Promise<number>;
}

/**
 * The indexer run in this process (as `npm run process` runs it, minus the process), so that
 * coverage sees it and a test can stop it. Loaded on demand: the models need legacy decorators,
 * which this folder's tsconfig gives (Vitest, tsx from indexer/) and the repo root's does not.
 */
export async function startInProcessIndexer(env: Record<string, string>): Promise<InProcessIndexer> {
  const [{ runIndexer }, { createBatchHandler }, { loadIndexerConfig }] = await Promise.all([
    import("./runner.js"),
    import("./main.js"),
    import("./config.js"),
  ]);
  const lines: string[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) => {
      const message = args.find((a) => typeof a === "string") ?? String(args[0]);
      lines.push(`${level}: ${message}`);
    };
  const log = {
    trace: record("trace"),
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    fatal: record("fatal"),
    child: () => log,
  };
  const controller = new AbortController();
  const config = await loadIndexerConfig({ ...process.env, SQD_DEBUG: "", ...env });
  const done = runIndexer(config, createBatchHandler, { log: log as never, signal: controller.signal }).then(
    () => 0,
    (error: unknown) => {
      lines.push(`fatal: ${(error as Error).message}`);
      return (error as { code?: string }).code === "deep_reorg" ? 3 : 1;
    },
  );
  return {
    done,
    lines,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}
