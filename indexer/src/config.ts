/**
 * The indexer's configuration, from the environment. An observer needs only RPC_URL,
 * CONTRACT_ADDRESS, START_BLOCK and a database; locally, the contract and start block default to
 * the deployment file the deploy command wrote for the RPC's chain.
 */
import { InvalidInputError, LOCAL_RPC_URL, NonRetryableError, RetryableError } from "@veritally/contracts";
import { readDeployment } from "@veritally/contracts/deployment";
import { readSecret } from "@veritally/contracts/secrets";
import { getAddress } from "ethers";
import { databaseUrlFromEnv } from "./database-url.js";

export type ReorgRecovery = "stop" | "rollback";

export interface IndexerConfig {
  rpcUrl: string;
  /** Requests per second to the RPC; undefined: unlimited. */
  rpcRateLimit: number | undefined;
  rpcCapacity: number;
  chainId: number;
  /** Lowercase 0x-address of the VoteRegistry. */
  contractAddress: string;
  startBlock: number;
  /** Blocks below the head after which a block is treated as final (no rollback data kept). */
  finalityConfirmation: number;
  headPollMs: number;
  /** Ask for receipts (gas used, effective gas price) of the transactions that recorded batches. */
  gasFields: boolean;
  databaseUrl: string;
  prometheusHost: string;
  /** 0: a free port. */
  prometheusPort: number;
  /** When the chain no longer holds blocks below the finality depth that were indexed. */
  reorgRecovery: ReorgRecovery;
  /** Where the contract address and start block came from, for the start-up log line. */
  source: "environment" | "deployment file";
}

export interface GraphqlConfig {
  databaseUrl: string;
  host: string;
  port: number;
  /** Refuse queries whose result might exceed this many nodes (lists then need `limit`); 0: no limit. */
  maxResponseNodes: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new InvalidInputError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < min)
    throw new InvalidInputError(name, `expected a whole number >= ${min}`);
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new InvalidInputError(name, `expected true or false, got "${env[name]}"`);
}

function address(name: string, raw: string): string {
  try {
    return getAddress(raw.trim()).toLowerCase();
  } catch {
    throw new InvalidInputError(name, `"${raw}" is not an address (0x and 40 hex digits)`);
  }
}

function rpcUrl(env: NodeJS.ProcessEnv): string {
  const url = readSecret("RPC_URL", env) ?? LOCAL_RPC_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError("RPC_URL", "not a URL");
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(parsed.protocol)) {
    throw new InvalidInputError("RPC_URL", "expected an http(s):// or ws(s):// URL");
  }
  return url;
}

/** eth_chainId over HTTP(S) or WebSocket is left to the processor; here a plain POST suffices for http. */
export async function fetchChainId(url: string): Promise<number> {
  if (url.startsWith("ws")) {
    const { RpcClient } = await import("@subsquid/rpc-client");
    const client = new RpcClient({ url, retryAttempts: 2 });
    try {
      return Number(BigInt(await client.call<string>("eth_chainId")));
    } finally {
      client.close();
    }
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new RetryableError(
      "rpc_unreachable",
      `RPC at ${new URL(url).origin} does not answer: ${(error as Error).message}`,
    );
  }
  const body = (await response.json().catch(() => null)) as { result?: string } | null;
  if (!response.ok || typeof body?.result !== "string") {
    throw new RetryableError(
      "rpc_bad_answer",
      `RPC at ${new URL(url).origin} answered eth_chainId with HTTP ${response.status}`,
    );
  }
  return Number(BigInt(body.result));
}

/** Reads and checks every variable first (a bad value fails before any connection), then asks the RPC its chain. */
export async function loadIndexerConfig(env: NodeJS.ProcessEnv = process.env): Promise<IndexerConfig> {
  const url = rpcUrl(env);
  const databaseUrl = databaseUrlFromEnv(env);
  const configuredAddress = env.CONTRACT_ADDRESS ? address("CONTRACT_ADDRESS", env.CONTRACT_ADDRESS) : undefined;
  const configuredStart = env.START_BLOCK ? integer(env, "START_BLOCK", 0) : undefined;
  const rateLimit = integer(env, "RPC_RATE_LIMIT", 0);
  const rest = {
    rpcUrl: url,
    rpcRateLimit: rateLimit > 0 ? rateLimit : undefined,
    rpcCapacity: integer(env, "RPC_CAPACITY", 10, 1),
    finalityConfirmation: integer(env, "FINALITY_CONFIRMATION", 10),
    headPollMs: integer(env, "HEAD_POLL_MS", 100, 10),
    gasFields: boolean(env, "INDEX_GAS", true),
    databaseUrl,
    prometheusHost: env.PROMETHEUS_HOST?.trim() || "127.0.0.1",
    prometheusPort: integer(env, "PROMETHEUS_PORT", 0),
    reorgRecovery: reorgRecovery(env),
  };
  const chainId = await fetchChainId(url);
  if (configuredAddress) {
    return {
      ...rest,
      chainId,
      contractAddress: configuredAddress,
      startBlock: configuredStart ?? 0,
      source: "environment",
    };
  }
  let deployment: Awaited<ReturnType<typeof readDeployment>>;
  try {
    deployment = await readDeployment(chainId);
  } catch (error) {
    throw new NonRetryableError(
      "contract_unknown",
      `CONTRACT_ADDRESS is not set and there is no deployment file for chain ${chainId} ` +
        `(${(error as Error).message}). Set CONTRACT_ADDRESS and START_BLOCK.`,
    );
  }
  return {
    ...rest,
    chainId,
    contractAddress: address("deployment address", deployment.address),
    startBlock: configuredStart ?? deployment.deploymentBlock,
    source: "deployment file",
  };
}

function reorgRecovery(env: NodeJS.ProcessEnv): ReorgRecovery {
  const raw = env.REORG_RECOVERY?.trim().toLowerCase() || "stop";
  if (raw !== "stop" && raw !== "rollback") {
    throw new InvalidInputError("REORG_RECOVERY", `expected stop or rollback, got "${env.REORG_RECOVERY}"`);
  }
  return raw;
}

export function loadGraphqlConfig(env: NodeJS.ProcessEnv = process.env): GraphqlConfig {
  return {
    databaseUrl: databaseUrlFromEnv(env),
    host: env.GQL_HOST?.trim() || "127.0.0.1",
    port: integer(env, "GQL_PORT", 4350),
    maxResponseNodes: integer(env, "GQL_MAX_RESPONSE_NODES", 100_000),
  };
}
