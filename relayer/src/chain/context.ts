/**
 * What both processes need to know about the chain: the RPC pool, the chain id, and the
 * registry (REGISTRY_ADDRESS, or the deployment file of the chain). The database remembers the
 * chain and registry it was first used with and refuses any other, so one database never mixes
 * the votes of two deployments.
 */
import { connectVoteRegistry, NonRetryableError, type VoteRegistryContract } from "@veritally/contracts";
import { readDeployment } from "@veritally/contracts/deployment";
import { getAddress, type JsonRpcApiProvider } from "ethers";
import type { Config } from "../config.js";
import type { Db } from "../db/pool.js";
import { createRpcPool, type RpcPool } from "./rpc-pool.js";

export interface ChainContext {
  rpc: RpcPool;
  chainId: number;
  registryAddress: string;
  registry: VoteRegistryContract;
  provider: JsonRpcApiProvider;
  /** Where event searches start: REGISTRY_FROM_BLOCK, else the deployment file's block, else 0. */
  fromBlock: number;
}

export async function createChainContext(config: Config, db: Db, rpc?: RpcPool): Promise<ChainContext> {
  const pool = rpc ?? createRpcPool({ urls: config.rpcUrls, timeoutMs: config.rpcTimeoutMs, rounds: 6 });
  const chainId = Number(BigInt(await pool.call<string>("eth_chainId")));
  if (config.expectedChainId !== undefined && config.expectedChainId !== chainId) {
    throw new NonRetryableError(
      "config_invalid",
      `CHAIN_ID: expected chain ${config.expectedChainId}, but RPC_URLS serve chain ${chainId}`,
    );
  }
  let registryAddress = config.registryAddress;
  let fromBlock = config.registryFromBlock;
  if (registryAddress === undefined) {
    const deployment = await readDeployment(chainId);
    registryAddress = getAddress(deployment.address);
    fromBlock ??= deployment.deploymentBlock;
  }
  const code = await pool.call<string>("eth_getCode", [registryAddress, "latest"]);
  if (code === "0x") {
    throw new NonRetryableError(
      "config_invalid",
      `${config.registryAddress ? "REGISTRY_ADDRESS" : "deployment file"}: no contract at ${registryAddress} on chain ${chainId}`,
    );
  }
  await bindDatabase(db, chainId, registryAddress);
  const provider = pool.provider(chainId);
  return {
    rpc: pool,
    chainId,
    registryAddress,
    registry: connectVoteRegistry(registryAddress, provider),
    provider,
    fromBlock: fromBlock ?? 0,
  };
}

async function bindDatabase(db: Db, chainId: number, registryAddress: string): Promise<void> {
  await db.query(
    "insert into relayer_meta (chain_id, registry_address) values ($1, $2) on conflict (singleton) do nothing",
    [chainId, registryAddress],
  );
  const { rows } = await db.query<{ chain_id: string; registry_address: string }>(
    "select chain_id, registry_address from relayer_meta",
  );
  const meta = rows[0];
  if (!meta || Number(meta.chain_id) !== chainId || getAddress(meta.registry_address) !== registryAddress) {
    throw new NonRetryableError(
      "database_mismatch",
      `DATABASE_URL: this database belongs to registry ${meta?.registry_address} on chain ${meta?.chain_id}, ` +
        `not ${registryAddress} on chain ${chainId}; use another database`,
    );
  }
}
