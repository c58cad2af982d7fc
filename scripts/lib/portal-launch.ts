/** How the start command builds and serves the portal (Astro, @astrojs/node standalone). */
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Deployment } from "@veritally/contracts/deployment";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function portalEntry(portalRoot: string): string {
  return path.join(portalRoot, "dist", "server", "entry.mjs");
}

/** Runs `astro build` when the build is missing or older than any source; output goes to `logFile`. */
export async function buildPortalIfStale(portalRoot: string, logFile: string): Promise<void> {
  const entry = portalEntry(portalRoot);
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(portalRoot)) return;
  const astroDir = path.dirname(createRequire(path.join(portalRoot, "package.json")).resolve("astro/package.json"));
  const astro = path.join(astroDir, "bin", "astro.mjs");
  const log = openSync(logFile, "a");
  try {
    execFileSync(process.execPath, [astro, "build"], { cwd: portalRoot, stdio: ["ignore", log, log] });
  } catch {
    throw new Error(`the portal's build failed (see ${logFile})`);
  } finally {
    closeSync(log);
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
