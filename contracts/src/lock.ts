/**
 * A lock between processes of one machine: a directory, created atomically (mkdir fails when it
 * exists). Builds that several test files or starts may run at once (the contracts, the portal)
 * take it, so one process builds and the others wait. A lock older than `staleMs` was left by a
 * process that died and is taken over.
 */
import { mkdirSync, rmdirSync, statSync } from "node:fs";
import path from "node:path";

export interface LockOptions {
  /** Older than this, a lock was left behind (default 5 minutes). */
  staleMs?: number;
  /** Waiting longer than this fails (default 5 minutes). */
  timeoutMs?: number;
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
        if (Date.now() - statSync(lockDir).mtimeMs > staleMs) rmdirSync(lockDir);
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
