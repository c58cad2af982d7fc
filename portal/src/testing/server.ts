/**
 * The built portal as its operators run it: `astro build` once (rebuilt when a source is newer
 * than the build; test files share it under a lock), then `node dist/server/entry.mjs` as a
 * child process on a free loopback port.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@veritally/contracts/local-node";
import { withDirectoryLock } from "@veritally/contracts/lock";
import { spawnWithOutput } from "../../../test-helpers/child-process.js";
import { portalRoot, repoRoot } from "./databases.js";

const entry = path.join(portalRoot, "dist", "server", "entry.mjs");
/** What `npm run start -w portal` runs: Astro's handler behind the cache's fast path. */
const server = path.join(portalRoot, "server.mjs");

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".") || e.name.endsWith(".test.ts"))
      continue;
    const full = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(entry)) return false;
  const built = statSync(entry).mtimeMs;
  // The shared module is bundled too.
  return built >= newestSource(portalRoot) && built >= newestSource(path.join(repoRoot, "contracts", "src"));
}

/** A lock in the temp folder by name; one left for three minutes was left by a process that died. */
function withLock<T>(name: string, action: () => T): Promise<T> {
  return withDirectoryLock(path.join(os.tmpdir(), `${name}.lock`), action, { staleMs: 180_000, timeoutMs: 180_000 });
}

/**
 * Builds the portal unless the build is newer than every source. The check runs under the lock
 * too: a build in progress has written entry.mjs before its chunks are in place.
 */
export async function ensurePortalBuilt(): Promise<void> {
  await withLock("veritally-portal-build", () => {
    if (isFresh()) return;
    const astro = path.join(repoRoot, "node_modules", "astro", "bin", "astro.mjs");
    execFileSync(process.execPath, [astro, "build"], {
      cwd: portalRoot,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
      stdio: "pipe",
      timeout: 170_000,
    });
  });
}

export interface PortalServer {
  url: string;
  port: number;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the built server (server.mjs) with `env` (plus HOST and a free PORT) and waits until it answers. */
export async function startPortal(env: Record<string, string>): Promise<PortalServer> {
  await ensurePortalBuilt();
  const port = await freePort();
  const child = spawnWithOutput(process.execPath, [server], {
    cwd: portalRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      // The test's clock (test-helpers/clock-offset.mjs moves it for the year-ahead run) is the
      // portal's too, as it is every other process a test starts.
      ...(process.env.VERITALLY_CLOCK_OFFSET_DAYS
        ? {
            VERITALLY_CLOCK_OFFSET_DAYS: process.env.VERITALLY_CLOCK_OFFSET_DAYS,
            NODE_OPTIONS: process.env.NODE_OPTIONS ?? "",
          }
        : {}),
      HOST: "127.0.0.1",
      PORT: String(port),
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const portal: PortalServer = { url, port, process: child.process, output: child.output, stop: child.stop };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.process.exitCode !== null)
      throw new Error(`the portal exited with ${child.process.exitCode}:\n${child.output()}`);
    try {
      await fetch(`${url}/favicon.svg`, { signal: AbortSignal.timeout(1000) });
      return portal;
    } catch {
      if (Date.now() > deadline) {
        await portal.stop();
        throw new Error(`the portal did not answer on ${url} within 30 s:\n${child.output()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
