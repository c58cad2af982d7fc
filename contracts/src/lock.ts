/**
 * A lock between processes of one machine: a directory, created atomically (mkdir fails when it
 * exists). Builds that several test files or starts may run at once (the contracts, the portal)
 * take it, so one process builds and the others wait. A lock older than `staleMs` was left by a
 * process that died and is taken over.
 */
import { mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface LockOptions {
  /** Older than this, a lock was left behind (default 5 minutes). */
  staleMs?: number;
  /** Waiting longer than this fails (default 5 minutes). */
  timeoutMs?: number;
}

/**
 * The file system's clock, read from a file written now: a lock's age is measured against it, not
 * against this process's clock, which may differ (a test moves it a year ahead).
 */
function fileSystemNow(dir: string): number {
  const probe = path.join(dir, `.clock-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(probe, "");
  try {
    return statSync(probe).mtimeMs;
  } finally {
    rmSync(probe, { force: true });
  }
}

export async function withDirectoryLock<T>(
  lockDir: string,
  action: () => Promise<T> | T,
  options: LockOptions = {},
): Promise<T> {
  const staleMs = options.staleMs ?? 300_000;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      try {
        if (fileSystemNow(path.dirname(lockDir)) - statSync(lockDir).mtimeMs > staleMs) rmdirSync(lockDir);
      } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await action();
  } finally {
    rmdirSync(lockDir);
  }
}
