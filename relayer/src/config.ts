/**
 * Configuration from the environment, validated by one schema at boot. A bad value stops the
 * process with a message naming the variable and the problem; secrets come from NAME or
 * NAME_FILE (readSecret) and never appear in messages or logs.
 */
import { LOCAL_ACCOUNTS, LOCAL_CHAIN_ID, NonRetryableError } from "@veritally/contracts";
import { parsePrivateKey, readSecret } from "@veritally/contracts/secrets";
import envSchema from "env-schema";
import { getAddress, parseUnits } from "ethers";
import { type Static, Type } from "typebox";

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/veritally_relayer";

const Int = (min: number, max: number, def: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: def, description });

export const EnvSchema = Type.Object({
  DATABASE_URL: Type.String({ default: DEFAULT_DATABASE_URL, pattern: "^postgres(ql)?://", description: "Postgres" }),
  RPC_URLS: Type.String({ default: "http://127.0.0.1:8545", minLength: 1, description: "comma-separated RPC URLs" }),
  CHAIN_ID: Type.Optional(Type.Integer({ minimum: 1, description: "expected chain id; checked against the RPC" })),
  REGISTRY_ADDRESS: Type.Optional(Type.String({ description: "VoteRegistry address; default: deployment file" })),
  HOST: Type.String({ default: "127.0.0.1" }),
  PORT: Int(0, 65535, 8080, "API port"),
  API_PROCESSES: Int(1, 64, 1, "API processes sharing the port (node:cluster)"),
  VOTE_HASH_THREADS: Int(0, 16, 1, "worker threads computing vote hashes per API process (0: inline)"),
  LOG_LEVEL: Type.Union(
    ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
    { default: "info" },
  ),
  MAX_BATCH: Int(1, 3000, 200, "votes per batch at most (3000 keeps a batch under the 16,777,216 gas cap)"),
  MAX_WAIT_MS: Int(0, 600_000, 1000, "flush a batch when its oldest vote waited this long"),
  POLL_MS: Int(10, 60_000, 100, "worker loop interval"),
  CONFIRMATIONS: Int(
    0,
    1000,
    0,
    "blocks deep for a batch to count as final, besides the node's finalized block; 0: automatic (2 where the node serves finalized or on the local chain, else 64)",
  ),
  MAX_IN_FLIGHT: Int(1, 256, 16, "unconfirmed transactions at most"),
  MAX_FEE_GWEI: Type.String({ default: "200", pattern: "^[0-9]+(\\.[0-9]{1,9})?$", description: "fee cap per gas" }),
  MIN_PRIORITY_FEE_GWEI: Type.String({ default: "0.001", pattern: "^[0-9]+(\\.[0-9]{1,9})?$" }),
  STUCK_AFTER_MS: Int(100, 3_600_000, 30_000, "replace a transaction not mined after this long"),
  REPLACEMENT_BUMP_PERCENT: Type.Number({ minimum: 12.5, maximum: 1000, default: 12.5 }),
  RPC_TIMEOUT_MS: Int(100, 120_000, 5000, "per JSON-RPC call"),
  RATE_LIMIT_PER_MINUTE: Int(1, 100_000_000, 600_000, "per client, unless the client has its own"),
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: Int(1, 100_000_000, 600, "per IP, requests without a valid key"),
  BODY_LIMIT_BYTES: Int(256, 10_485_760, 16_384, "request body size at most"),
  API_KEY_CACHE_MS: Int(0, 600_000, 5000, "how long a process trusts a key lookup"),
  WEBHOOK_TIMEOUT_MS: Int(100, 120_000, 5000, "per delivery"),
  WEBHOOK_MAX_ATTEMPTS: Int(1, 100, 12, "deliveries before giving up"),
  WEBHOOK_ALLOW_PRIVATE: Type.Boolean({ default: false, description: "allow webhook URLs on loopback/private hosts" }),
  DB_POOL_MAX: Int(1, 1000, 20, "Postgres connections per process"),
  IDEMPOTENCY_TTL_HOURS: Int(1, 24 * 365, 24, "how long an Idempotency-Key answer is kept"),
  TRUST_PROXY: Type.Boolean({ default: false, description: "take the client IP from X-Forwarded-For" }),
  ELECTION_CACHE_MS: Int(0, 600_000, 1000, "how long a process trusts an election row"),
  CHAIN_REFRESH_MS: Int(100, 3_600_000, 5000, "worker re-reads elections from the chain"),
  REGISTRY_FROM_BLOCK: Type.Optional(Type.Integer({ minimum: 0, description: "first block to search for events" })),
  VOTER_ID_CASE: Type.Union([Type.Literal("fold"), Type.Literal("exact")], {
    default: "fold",
    description: "voter ids compared case-insensitively (fold) or not (exact); a client may have its own",
  }),
  WEBHOOK_RETRY_BASE_MS: Int(10, 3_600_000, 1000, "first retry delay; doubles per attempt"),
});
export type Env = Static<typeof EnvSchema>;

export interface Config {
  databaseUrl: string;
  rpcUrls: string[];
  expectedChainId: number | undefined;
  registryAddress: string | undefined;
  host: string;
  port: number;
  apiProcesses: number;
  voteHashThreads: number;
  logLevel: string;
  maxBatch: number;
  maxWaitMs: number;
  pollMs: number;
  confirmations: number;
  maxInFlight: number;
  maxFeePerGas: bigint;
  minPriorityFeePerGas: bigint;
  stuckAfterMs: number;
  replacementBumpPercent: number;
  rpcTimeoutMs: number;
  rateLimitPerMinute: number;
  rateLimitUnauthenticatedPerMinute: number;
  bodyLimit: number;
  apiKeyCacheMs: number;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  webhookAllowPrivate: boolean;
  dbPoolMax: number;
  idempotencyTtlHours: number;
  trustProxy: boolean;
  electionCacheMs: number;
  chainRefreshMs: number;
  registryFromBlock: number | undefined;
  webhookRetryBaseMs: number;
  voterIdCase: "fold" | "exact";
  secrets: Secrets;
}

export interface Secrets {
  adminApiKey: string | undefined;
  voterIdSecret: string | undefined;
  relayerPrivateKey: string | undefined;
}

export class ConfigError extends NonRetryableError {
  constructor(message: string) {
    super("config_invalid", message);
  }
}

function describeAjvError(error: { instancePath?: string; params?: Record<string, unknown>; message?: string }) {
  const variable =
    (error.instancePath ?? "").replace(/^\//, "") ||
    (typeof error.params?.missingProperty === "string" ? error.params.missingProperty : "configuration");
  return `${variable}: ${error.message ?? "invalid"}`;
}

/** Reads and checks every variable; secrets are checked for presence by `requireSecrets`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const data: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== "") data[key] = value;
  }
  let parsed: Env;
  try {
    parsed = envSchema<Env>({ schema: EnvSchema, data, env: false });
  } catch (error) {
    const errors = (
      error as { errors?: { instancePath?: string; params?: Record<string, unknown>; message?: string }[] }
    ).errors;
    throw new ConfigError(
      `invalid configuration: ${errors?.length ? errors.map(describeAjvError).join("; ") : (error as Error).message}`,
    );
  }

  const rpcUrls = parsed.RPC_URLS.split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  if (rpcUrls.length === 0) throw new ConfigError("RPC_URLS: expected at least one URL");
  for (const url of rpcUrls) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new ConfigError(`RPC_URLS: ${JSON.stringify(url)} is not a URL`);
    }
    if (protocol !== "http:" && protocol !== "https:") {
      throw new ConfigError(`RPC_URLS: ${JSON.stringify(url)} must be http or https`);
    }
  }
  try {
    new URL(parsed.DATABASE_URL);
  } catch {
    throw new ConfigError("DATABASE_URL: not a URL");
  }
  let registryAddress: string | undefined;
  if (parsed.REGISTRY_ADDRESS !== undefined) {
    try {
      registryAddress = getAddress(parsed.REGISTRY_ADDRESS);
    } catch {
      throw new ConfigError("REGISTRY_ADDRESS: expected a 20-byte hex address");
    }
  }
  const gwei = (name: string, value: string) => {
    try {
      return parseUnits(value, "gwei");
    } catch {
      throw new ConfigError(`${name}: expected a decimal number of gwei`);
    }
  };
  const maxFeePerGas = gwei("MAX_FEE_GWEI", parsed.MAX_FEE_GWEI);
  if (maxFeePerGas <= 0n) throw new ConfigError("MAX_FEE_GWEI: must be above 0");
  const minPriorityFeePerGas = gwei("MIN_PRIORITY_FEE_GWEI", parsed.MIN_PRIORITY_FEE_GWEI);
  if (minPriorityFeePerGas > maxFeePerGas) throw new ConfigError("MIN_PRIORITY_FEE_GWEI: above MAX_FEE_GWEI");

  const secret = (name: string) => {
    try {
      return readSecret(name, env);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  };

  return {
    databaseUrl: parsed.DATABASE_URL,
    rpcUrls,
    expectedChainId: parsed.CHAIN_ID,
    registryAddress,
    host: parsed.HOST,
    port: parsed.PORT,
    apiProcesses: parsed.API_PROCESSES,
    voteHashThreads: parsed.VOTE_HASH_THREADS,
    logLevel: parsed.LOG_LEVEL,
    maxBatch: parsed.MAX_BATCH,
    maxWaitMs: parsed.MAX_WAIT_MS,
    pollMs: parsed.POLL_MS,
    confirmations: parsed.CONFIRMATIONS,
    maxInFlight: parsed.MAX_IN_FLIGHT,
    maxFeePerGas,
    minPriorityFeePerGas,
    stuckAfterMs: parsed.STUCK_AFTER_MS,
    replacementBumpPercent: parsed.REPLACEMENT_BUMP_PERCENT,
    rpcTimeoutMs: parsed.RPC_TIMEOUT_MS,
    rateLimitPerMinute: parsed.RATE_LIMIT_PER_MINUTE,
    rateLimitUnauthenticatedPerMinute: parsed.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
    bodyLimit: parsed.BODY_LIMIT_BYTES,
    apiKeyCacheMs: parsed.API_KEY_CACHE_MS,
    webhookTimeoutMs: parsed.WEBHOOK_TIMEOUT_MS,
    webhookMaxAttempts: parsed.WEBHOOK_MAX_ATTEMPTS,
    webhookAllowPrivate: parsed.WEBHOOK_ALLOW_PRIVATE,
    dbPoolMax: parsed.DB_POOL_MAX,
    idempotencyTtlHours: parsed.IDEMPOTENCY_TTL_HOURS,
    trustProxy: parsed.TRUST_PROXY,
    electionCacheMs: parsed.ELECTION_CACHE_MS,
    chainRefreshMs: parsed.CHAIN_REFRESH_MS,
    registryFromBlock: parsed.REGISTRY_FROM_BLOCK,
    webhookRetryBaseMs: parsed.WEBHOOK_RETRY_BASE_MS,
    voterIdCase: parsed.VOTER_ID_CASE,
    secrets: {
      adminApiKey: secret("ADMIN_API_KEY"),
      voterIdSecret: secret("VOTER_ID_SECRET"),
      relayerPrivateKey: secret("RELAYER_PRIVATE_KEY"),
    },
  };
}

/** The API needs the admin key and the voter-id secret. */
export function requireApiSecrets(config: Config): { adminApiKey: string; voterIdSecret: string } {
  const { adminApiKey, voterIdSecret } = config.secrets;
  if (adminApiKey === undefined) {
    throw new ConfigError("ADMIN_API_KEY (or ADMIN_API_KEY_FILE): required, at least 16 characters");
  }
  if (adminApiKey.length < 16) throw new ConfigError("ADMIN_API_KEY: at least 16 characters");
  if (voterIdSecret === undefined) {
    throw new ConfigError("VOTER_ID_SECRET (or VOTER_ID_SECRET_FILE): required, at least 32 characters");
  }
  if (voterIdSecret.length < 32) throw new ConfigError("VOTER_ID_SECRET: at least 32 characters");
  return { adminApiKey, voterIdSecret };
}

/**
 * The worker's signing key. On the local chain (31337) without a key it uses Hardhat's public
 * account #1, which the deploy command makes recorder and election manager; elsewhere the key
 * is required.
 */
export function resolveSigningKey(config: Config, chainId: number): { privateKey: string; isLocalDefault: boolean } {
  const given = config.secrets.relayerPrivateKey;
  if (given !== undefined) {
    try {
      return { privateKey: parsePrivateKey("RELAYER_PRIVATE_KEY", given), isLocalDefault: false };
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  if (chainId === LOCAL_CHAIN_ID) return { privateKey: LOCAL_ACCOUNTS.relayer.privateKey, isLocalDefault: true };
  throw new ConfigError(
    `RELAYER_PRIVATE_KEY (or RELAYER_PRIVATE_KEY_FILE): required on chain ${chainId} (only the local chain ${LOCAL_CHAIN_ID} has a default)`,
  );
}
