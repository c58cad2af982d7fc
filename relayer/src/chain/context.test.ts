/** Finding the chain and the registry, and refusing a database that belongs to another deployment. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LOCAL_ACCOUNTS } from "@veritally/contracts";
import { deployVoteRegistry } from "@veritally/contracts/deploy";
import { writeDeployment } from "@veritally/contracts/deployment";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { createDb, type Db } from "../db/pool.js";
import { startTestChain, startTestDb, type TestChain, type TestDb, testEnv } from "../testing/setup.js";
import { createChainContext } from "./context.js";

let chain: TestChain;
let db: TestDb;
let other: TestDb;
let pool: Db;
let otherPool: Db;

beforeAll(async () => {
  [chain, db, other] = await Promise.all([
    startTestChain(),
    startTestDb("relayer_context"),
    startTestDb("relayer_context_other"),
  ]);
  pool = createDb(db.url, 2, "test-context");
  otherPool = createDb(other.url, 2, "test-context-other");
});

afterAll(async () => {
  await pool?.end();
  await otherPool?.end();
  await chain?.stop();
  await db?.drop();
  await other?.drop();
});

describe("chain context", () => {
  it("connects to the registry at REGISTRY_ADDRESS and binds the database to it", async () => {
    const config = loadConfig(testEnv(db, chain, { CHAIN_ID: "31337", REGISTRY_FROM_BLOCK: "1" }));
    const context = await createChainContext(config, pool);
    try {
      expect(context).toMatchObject({ chainId: 31337, registryAddress: chain.registryAddress, fromBlock: 1 });
      expect(await context.registry.electionExists(12345)).toBe(false);
      const { rows } = await pool.query("select chain_id, registry_address from relayer_meta");
      expect(rows).toEqual([{ chain_id: "31337", registry_address: chain.registryAddress }]);
    } finally {
      context.provider.destroy();
    }
  });

  it("refuses an RPC that serves another chain than CHAIN_ID", async () => {
    const config = loadConfig(testEnv(db, chain, { CHAIN_ID: "1" }));
    await expect(createChainContext(config, pool)).rejects.toThrow(
      "CHAIN_ID: expected chain 1, but RPC_URLS serve chain 31337",
    );
  });

  it("refuses a REGISTRY_ADDRESS without a contract", async () => {
    const config = loadConfig(testEnv(other, chain, { REGISTRY_ADDRESS: LOCAL_ACCOUNTS.relayer.address }));
    await expect(createChainContext(config, otherPool)).rejects.toThrow(
      `REGISTRY_ADDRESS: no contract at ${LOCAL_ACCOUNTS.relayer.address} on chain 31337`,
    );
    // nothing was bound: the database can still be used with the right registry
    expect((await otherPool.query("select count(*) from relayer_meta")).rows[0].count).toBe("0");
  });

  it("refuses a database that belongs to another registry", async () => {
    const { deployment } = await deployVoteRegistry({ deployer: chain.deployer });
    const config = loadConfig(testEnv(db, chain, { REGISTRY_ADDRESS: deployment.address }));
    await expect(createChainContext(config, pool)).rejects.toThrow(
      `DATABASE_URL: this database belongs to registry ${chain.registryAddress} on chain 31337, not ${deployment.address} on chain 31337`,
    );
  });

  it("without REGISTRY_ADDRESS, reads the chain's deployment file (address and first block)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "veritally-deployments-"));
    const before = process.env.VERITALLY_DEPLOYMENTS_DIR;
    process.env.VERITALLY_DEPLOYMENTS_DIR = dir;
    try {
      const { REGISTRY_ADDRESS: _, ...env } = testEnv(db, chain);
      const config = loadConfig(env);
      await expect(createChainContext(config, pool)).rejects.toThrow(/no deployment file at .*31337\.json/);
      await writeDeployment({
        contract: "VoteRegistry",
        chainId: 31337,
        address: chain.registryAddress.toLowerCase(),
        deploymentBlock: 3,
        transactionHash: `0x${"00".repeat(32)}`,
        deployer: LOCAL_ACCOUNTS.deployer.address,
        deployedAt: new Date().toISOString(),
        roles: { admin: LOCAL_ACCOUNTS.deployer.address, electionManagers: [], recorders: [], pausers: [] },
      });
      const context = await createChainContext(config, pool);
      context.provider.destroy();
      expect(context).toMatchObject({ registryAddress: chain.registryAddress, fromBlock: 3 });
    } finally {
      if (before === undefined) delete process.env.VERITALLY_DEPLOYMENTS_DIR;
      else process.env.VERITALLY_DEPLOYMENTS_DIR = before;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
