import { existsSync, mkdirSync, mkdtempSync, statSync, utimesSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withDirectoryLock } from "./lock.js";

describe("withDirectoryLock", () => {
  it("runs one holder at a time and removes the lock after", async () => {
    const lock = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "x.lock");
    const order: string[] = [];
    const hold = (name: string) =>
      withDirectoryLock(lock, async () => {
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`${name} out`);
      });
    await Promise.all([hold("a"), hold("b")]);
    expect(order).toEqual(["a in", "a out", "b in", "b out"]);
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over a lock left behind, and releases it when the action throws", async () => {
    const lock = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "x.lock");
    mkdirSync(lock);
    // Ten seconds older than its creation, by the file system's clock (not this process's).
    const old = new Date(statSync(lock).mtimeMs - 10_000);
    utimesSync(lock, old, old);
    await expect(
      withDirectoryLock(
        lock,
        () => {
          throw new Error("boom");
        },
        { staleMs: 1000 },
      ),
    ).rejects.toThrow("boom");
    expect(existsSync(lock)).toBe(false);
  });

  it("gives up after its timeout, naming the lock", async () => {
    const lock = path.join(mkdtempSync(path.join(os.tmpdir(), "lock-")), "x.lock");
    mkdirSync(lock);
    await expect(withDirectoryLock(lock, () => 1, { timeoutMs: 300 })).rejects.toThrow(
      /timed out waiting for .*x\.lock/,
    );
  });
});
