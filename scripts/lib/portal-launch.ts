/** How the start command builds and serves the portal (Astro, @astrojs/node standalone). */
import { appendFile } from "node:fs/promises";
import path from "node:path";
import type { Deployment } from "@veritally/contracts/deployment";

/**
 * Builds the portal unless its build is newer than its sources and the shared module it bundles.
 * The portal's own tests build it too, so this goes through the same lock and freshness check
 * (two builds at once would serve half-written chunks).
 */
export async function buildPortalIfStale(logFile: string): Promise<void> {
  const { ensurePortalBuilt } = await import("@veritally/portal/build");
  try {
    await ensurePortalBuilt();
  } catch (error) {
    await appendFile(logFile, `${(error as Error).message}\n${String((error as { stderr?: unknown }).stderr ?? "")}\n`);
    throw new Error(`the portal's build failed (see ${logFile})`);
  }
}

/** portal/server.mjs: Astro's handler behind the fast path for pages already rendered at this height. */
export function portalServerArgs(portalRoot: string): string[] {
  return [path.join(portalRoot, "server.mjs")];
}

export function portalEnv(o: {
  port: number;
  indexerDb: string;
  auditUrlFile: string;
  relayerUrl: string;
  adminKeyFile: string;
  portalPasswordFile: string;
  deployment: Deployment;
}): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: String(o.port),
    INDEXER_DATABASE_URL: o.indexerDb,
    // The relayer's database only through the read-only audit role.
    RELAYER_AUDIT_DATABASE_URL_FILE: o.auditUrlFile,
    RELAYER_URL: o.relayerUrl,
    RELAYER_ADMIN_KEY_FILE: o.adminKeyFile,
    PORTAL_ADMIN_PASSWORD_FILE: o.portalPasswordFile,
    CHAIN_ID: String(o.deployment.chainId),
    REGISTRY_ADDRESS: o.deployment.address,
    ASTRO_TELEMETRY_DISABLED: "1",
  };
}
