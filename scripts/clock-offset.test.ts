/**
 * test-helpers/clock-offset.mjs, what `npm run test:year-ahead` rests on: it moves the wall clock
 * of a Node process and of the Node processes that one starts, and nothing without the variable.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./lib/stack.js";

const helper = path.join(repoRoot, "test-helpers", "clock-offset.mjs");
const DAY = 86_400_000;
// Prints this process's Date.now(), new Date() and a child's Date.now(), one a line.
const script = `
const { execFileSync } = await import("node:child_process");
console.log(Date.now());
console.log(new Date().getTime());
console.log(execFileSync(process.execPath, ["-p", "Date.now()"]).toString().trim());
`;

function clocks(offsetDays: string | undefined): number[] {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  if (offsetDays !== undefined) env.VERITALLY_CLOCK_OFFSET_DAYS = offsetDays;
  const result = spawnSync(process.execPath, ["--import", helper, "--input-type=module", "-e", script], {
    env,
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim().split("\n").map(Number);
}

describe("the clock offset", () => {
  it("moves Date.now and new Date() of the process and of its children a year ahead", () => {
    const before = Date.now();
    const read = clocks("365");
    for (const t of read) {
      expect(t).toBeGreaterThanOrEqual(before + 365 * DAY);
      expect(t).toBeLessThan(Date.now() + 365 * DAY + 1);
    }
  });

  it("changes nothing without the variable", () => {
    const before = Date.now();
    for (const t of clocks(undefined)) expect(Math.abs(t - before)).toBeLessThan(60_000);
  });

  it("refuses a value that is not a number of days", () => {
    const result = spawnSync(process.execPath, ["--import", helper, "-e", "0"], {
      env: { PATH: process.env.PATH ?? "", VERITALLY_CLOCK_OFFSET_DAYS: "a year" },
      encoding: "utf8",
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("VERITALLY_CLOCK_OFFSET_DAYS must be a number of days");
  });
});
