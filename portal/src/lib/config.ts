/**
 * The portal's configuration, from the environment (secrets also from NAME_FILE). Read once per
 * process; a malformed value is an InvalidInputError naming the variable.
 */
import { InvalidInputError } from "@veritally/contracts";
import { readSecret } from "@veritally/contracts/secrets";

export const DEFAULT_INDEXER_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/veritally_indexer";
/** The NOLOGIN role of the relayer database that may read the vote_audit view (relayer/db/migrations). */
export const AUDIT_READER_ROLE = "veritally_audit_reader";

export interface PortalConfig {
  indexerDatabaseUrl: string;
  /** undefined: the cross-check page says it is not configured. */
  relayerAuditDatabaseUrl: string | undefined;
  /** Base URL of the relayer API, for GET /v1/admin/stats. */
  relayerUrl: string | undefined;
  relayerAdminKey: string | undefined;
  /** undefined: /admin is disabled. */
  adminPassword: string | undefined;
  /** PORTAL_TRUST_PROXY=true: believe X-Forwarded-Proto (HSTS, Secure cookie) from the proxy in front. */
  trustProxy: boolean;
  /** Chain facts; when unset they come from the indexer's status row. */
  chainId: number | undefined;
  registryAddress: string | undefined;
  /** e.g. https://etherscan.io; links are /tx/…, /address/…, /block/… below it. */
  explorerUrl: string | undefined;
  cache: { maxAgeSeconds: number; staleWhileRevalidateSeconds: number; enabled: boolean };
  /** How long a vote may stay accepted but not on chain before the cross-check calls it overdue. */
  pendingGraceSeconds: number;
  /** A cross-check report younger than this is served even after the height moved. */
  crossCheckMinIntervalSeconds: number;
  statementTimeoutMs: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new InvalidInputError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new InvalidInputError(name, `expected ${min} to ${max}, got ${value}`);
  return value;
}

function postgresUrl(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidInputError(name, "not a URL (expected postgres://user@host:port/database)");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new InvalidInputError(name, "expected a postgres:// or postgresql:// URL");
  }
  if (parsed.pathname.length <= 1) throw new InvalidInputError(name, "names no database");
  return value;
}

function httpUrl(name: string, value: string | undefined): string | undefined {
  if (!value) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidInputError(name, `not a URL: "${value}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new InvalidInputError(name, "expected an http:// or https:// URL");
  }
  return value.replace(/\/+$/, "");
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const indexerDatabaseUrl = postgresUrl(
    "INDEXER_DATABASE_URL",
    readSecret("INDEXER_DATABASE_URL", env) ?? DEFAULT_INDEXER_DATABASE_URL,
  );
  const audit = readSecret("RELAYER_AUDIT_DATABASE_URL", env);
  const chainIdRaw = env.CHAIN_ID?.trim();
  let chainId: number | undefined;
  if (chainIdRaw) {
    if (!/^\d{1,15}$/.test(chainIdRaw) || Number(chainIdRaw) === 0) {
      throw new InvalidInputError("CHAIN_ID", `expected a positive integer, got "${chainIdRaw}"`);
    }
    chainId = Number(chainIdRaw);
  }
  const registry = env.REGISTRY_ADDRESS?.trim();
  if (registry && !/^0x[0-9a-fA-F]{40}$/.test(registry)) {
    throw new InvalidInputError("REGISTRY_ADDRESS", "expected 0x and 40 hex digits");
  }
  const adminPassword = readSecret("PORTAL_ADMIN_PASSWORD", env);
  if (adminPassword !== undefined && adminPassword.length < 12) {
    throw new InvalidInputError("PORTAL_ADMIN_PASSWORD", "at least 12 characters");
  }
  const trustProxyRaw = env.PORTAL_TRUST_PROXY;
  if (trustProxyRaw !== undefined && trustProxyRaw !== "true" && trustProxyRaw !== "false") {
    throw new InvalidInputError("PORTAL_TRUST_PROXY", `expected true or false, got "${trustProxyRaw}"`);
  }
  return {
    indexerDatabaseUrl,
    relayerAuditDatabaseUrl: audit ? postgresUrl("RELAYER_AUDIT_DATABASE_URL", audit) : undefined,
    relayerUrl: httpUrl("RELAYER_URL", env.RELAYER_URL?.trim()),
    relayerAdminKey: readSecret("RELAYER_ADMIN_KEY", env),
    adminPassword,
    trustProxy: trustProxyRaw === "true",
    chainId,
    registryAddress: registry ? registry.toLowerCase() : undefined,
    explorerUrl: httpUrl("EXPLORER_URL", env.EXPLORER_URL?.trim()),
    cache: {
      maxAgeSeconds: integer(env, "CACHE_MAX_AGE_SECONDS", 5, 0, 86_400),
      staleWhileRevalidateSeconds: integer(env, "CACHE_STALE_SECONDS", 30, 0, 86_400),
      enabled: env.PORTAL_CACHE !== "off",
    },
    pendingGraceSeconds: integer(env, "CROSS_CHECK_PENDING_GRACE_SECONDS", 900, 0, 30 * 86_400),
    crossCheckMinIntervalSeconds: integer(env, "CROSS_CHECK_MIN_INTERVAL_SECONDS", 5, 0, 3600),
    statementTimeoutMs: integer(env, "DB_STATEMENT_TIMEOUT_MS", 30_000, 100, 600_000),
  };
}

let cached: PortalConfig | undefined;

/** The process's configuration (read on first use). */
export function config(): PortalConfig {
  cached ??= loadConfig();
  return cached;
}
