/**
 * A real chain for the portal's end-to-end tests: Hardhat's node (child process), VoteRegistry
 * deployed, an election, and votes recorded in batches exactly as the relayer records them, with
 * real receipts and vote hashes; and the indexer run as the process an observer runs.
 */
import path from "node:path";
import {
  computeVoteHash,
  LOCAL_ACCOUNTS,
  newReceiptSecret,
  newRef,
  type VoteRegistryContract,
} from "@veritally/contracts";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import type { Deployment } from "@veritally/contracts/deployment";
import { type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { NonceManager, Wallet } from "ethers";
import { type ChildHandle, spawnWithOutput } from "../../../test-helpers/child-process.js";
import { waitFor as sharedWaitFor } from "../../../test-helpers/wait.js";
import { repoRoot } from "./databases.js";

export interface CastVote {
  seq: number;
  ref: string;
  choice: number;
  receiptSecret: string;
  voteHash: string;
  txHash: string;
  blockNumber: number;
}

export interface TestChain {
  node: LocalNode;
  deployment: Deployment;
  registry: VoteRegistryContract;
  stop(): Promise<void>;
}

export async function startChain(): Promise<TestChain> {
  const node = await startLocalNode({ blockMs: 0 });
  try {
    const deployer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.deployer.privateKey, node.provider));
    const relayer = new NonceManager(new Wallet(LOCAL_ACCOUNTS.relayer.privateKey, node.provider));
    const { deployment, registry } = await deployVoteRegistry({ deployer, relayer: LOCAL_ACCOUNTS.relayer.address });
    return {
      node,
      deployment,
      registry: registry.connect(relayer) as VoteRegistryContract,
      stop: () => node.stop(),
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

async function chainNow(chain: TestChain): Promise<number> {
  const block = await chain.node.provider.getBlock("latest");
  return Math.max(block?.timestamp ?? 0, Math.floor(Date.now() / 1000));
}

export async function openElection(
  chain: TestChain,
  spec: { electionId: number; title: string; description?: string; choices: string[] },
): Promise<void> {
  const now = await chainNow(chain);
  await createElection(chain.registry, {
    electionId: spec.electionId,
    metadata: { title: spec.title, description: spec.description ?? "", choices: spec.choices },
    opensAt: now - 3600,
    closesAt: now + 3600,
    recordUntil: now + 7200,
  });
}

async function receiptOf(chain: TestChain, hash: string): Promise<number> {
  // Polled: on automine ethers' tx.wait() can wait for a block that never comes.
  for (let i = 0; i < 3000; i++) {
    const r = (await chain.node.provider.send("eth_getTransactionReceipt", [hash])) as {
      blockNumber: string;
      status: string;
    } | null;
    if (r) {
      if (r.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
      return Number(BigInt(r.blockNumber));
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no receipt for ${hash}`);
}

/** Records `count` votes in batches (the relayer's call), each with a fresh ref and receipt. */
export async function castVotes(
  chain: TestChain,
  electionId: number,
  options: {
    count: number;
    batchSize: number;
    firstSeq?: number;
    choice: (i: number) => number;
    /** The refs to record, in order (default: new random ones). */
    refs?: string[];
    /** Chain time between batches (evm_increaseTime), for a timeline that spans minutes. */
    secondsBetweenBatches?: number;
  },
): Promise<CastVote[]> {
  const cast: CastVote[] = [];
  const first = options.firstSeq ?? 0;
  for (let start = 0; start < options.count; start += options.batchSize) {
    const batch = Array.from({ length: Math.min(options.batchSize, options.count - start) }, (_, j) => {
      const i = start + j;
      const ref = options.refs?.[i] ?? newRef();
      const receiptSecret = newReceiptSecret();
      const choice = options.choice(i);
      const voteHash = computeVoteHash({
        chainId: chain.deployment.chainId,
        registry: chain.deployment.address,
        electionId,
        ref,
        choice,
        receiptSecret,
      });
      return { seq: first + i, ref, choice, receiptSecret, voteHash };
    });
    if (options.secondsBetweenBatches && start > 0) {
      await chain.node.provider.send("evm_increaseTime", [options.secondsBetweenBatches]);
    }
    const tx = await chain.registry.recordVoteBatch(
      electionId,
      first + start,
      batch.map((v) => v.ref),
      batch.map((v) => v.choice),
      batch.map((v) => v.voteHash),
    );
    const blockNumber = await receiptOf(chain, tx.hash);
    for (const v of batch) cast.push({ ...v, txHash: tx.hash, blockNumber });
  }
  return cast;
}

export type IndexerProcess = ChildHandle;

/** The indexer (indexer/src/main.ts) against the chain and an empty database, as an observer runs it. */
export function startIndexer(chain: TestChain, databaseUrl: string): IndexerProcess {
  return spawnWithOutput(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.join(repoRoot, "indexer"),
    env: {
      ...process.env,
      SQD_DEBUG: "",
      RPC_URL: chain.node.rpcUrl,
      CONTRACT_ADDRESS: chain.deployment.address,
      START_BLOCK: String(chain.deployment.deploymentBlock),
      DB_URL: databaseUrl,
      FINALITY_CONFIRMATION: "5",
      HEAD_POLL_MS: "50",
    },
  });
}

/** Polls until `probe` gives a value, or fails with `what` (and the last error); a minute by default. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000) {
  return sharedWaitFor(what, probe, timeoutMs, 100);
}
