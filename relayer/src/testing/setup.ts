/**
 * Test setup for the relayer: a real Hardhat node (child process), VoteRegistry deployed with
 * the relayer's roles, a fresh Postgres database with the migrations applied, and helpers.
 */
import { LOCAL_ACCOUNTS, type VoteRegistryContract } from "@veritally/contracts";
import { createElection, deployVoteRegistry } from "@veritally/contracts/deploy";
import { type LocalNode, startLocalNode } from "@veritally/contracts/local-node";
import { NonceManager, Wallet } from "ethers";
import { createTestDatabase, type TestDatabase } from "../../../test-helpers/postgres.js";
import { type Config, loadConfig } from "../config.js";
import { migrate } from "../db/migrate.js";

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

export async function startTestChain(blockMs = 0): Promise<TestChain> {
  const node = await startLocalNode({ blockMs });
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
      const t = Math.max(await now(), Math.floor(Date.now() / 1000));
      const choices = options.choices ?? 3;
      const closesAt = t + (options.closesIn ?? 3600);
      await createElection(registry, {
        electionId: id,
        metadata: {
          title: `Election ${id}`,
          description: "",
          choices: Array.from({ length: choices }, (_, i) => `Option ${i}`),
        },
        opensAt: t + (options.opensIn ?? -10),
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

export function testConfig(db: TestDatabase, chain: TestChain, extra: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: db.url,
    RPC_URLS: chain.node.rpcUrl,
    REGISTRY_ADDRESS: chain.registryAddress,
    ADMIN_API_KEY: ADMIN_KEY,
    VOTER_ID_SECRET: VOTER_SECRET,
    LOG_LEVEL: "silent",
    DB_POOL_MAX: "5",
    ...extra,
  });
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
