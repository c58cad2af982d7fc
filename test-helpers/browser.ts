/**
 * A headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
 * (Playwright's own browser download does not work here). When /usr/bin/chromium is missing it
 * is installed with apt-get (needs root, as in CI); otherwise the error says what to do.
 * Each launch gets a fresh profile directory, removed on close.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

let installing: Promise<void> | undefined;

/** Makes sure Debian's chromium is installed, installing it (apt-get) when this process may. */
export function ensureChromium(): Promise<void> {
  installing ??= (async () => {
    if (existsSync(CHROMIUM)) return;
    const root = typeof process.getuid === "function" && process.getuid() === 0;
    if (!root || !existsSync("/usr/bin/apt-get")) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    }
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    // Serialised between test files: dpkg takes a lock of its own, but two apt-get runs would fail.
    const lock = path.join(os.tmpdir(), "veritally-chromium-install.lock");
    execFileSync(
      "flock",
      [lock, "sh", "-c", `test -x ${CHROMIUM} || (apt-get update -q && apt-get install -y -q chromium)`],
      {
        env,
        stdio: "ignore",
        timeout: 600_000,
      },
    );
    if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium did not provide ${CHROMIUM}`);
  })();
  return installing;
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh --user-data-dir (Playwright passes it for a persistent context). */
export async function launchBrowser(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  await ensureChromium();
  const profile = mkdtempSync(path.join(os.tmpdir(), "veritally-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
