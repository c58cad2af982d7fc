import { describe, expect, test } from "vitest";
import { spawnWithOutput } from "./child-process.js";

describe("spawnWithOutput", () => {
  test("collects stdout and stderr and gives the exit code", async () => {
    const child = spawnWithOutput(process.execPath, [
      "-e",
      "console.log('out'); console.error('err'); process.exit(3)",
    ]);
    expect(await child.exited).toBe(3);
    expect(child.output()).toContain("out");
    expect(child.output()).toContain("err");
  });

  test("keeps the tail of a long output", async () => {
    const child = spawnWithOutput(process.execPath, ["-e", "for (let i = 0; i < 2000; i++) console.log('line ' + i)"], {
      keepChars: 1000,
    });
    await child.exited;
    expect(child.output().length).toBeLessThanOrEqual(1000);
    expect(child.output()).toContain("line 1999");
    expect(child.output()).not.toContain("line 0\n");
  });

  test("stop ends a child that ignores SIGTERM with SIGKILL", async () => {
    const child = spawnWithOutput(
      process.execPath,
      ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
      { killAfterMs: 200 },
    );
    for (let i = 0; i < 200 && !child.output().includes("ready"); i++) await new Promise((r) => setTimeout(r, 25));
    await child.stop();
    expect(child.process.signalCode).toBe("SIGKILL");
  });
});
