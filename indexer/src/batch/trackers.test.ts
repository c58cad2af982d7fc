import { describe, expect, test } from "vitest";
import { createTrackerCheck } from "./trackers.js";

describe("repeated trackers, without a database", () => {
  test("the first ballot of a tracker is noted; a later one gets its seq, per election", () => {
    const check = createTrackerCheck();
    expect(check.earlier("1", "0xaa", 0n)).toBeUndefined();
    expect(check.earlier("1", "0xbb", 1n)).toBeUndefined();
    expect(check.earlier("2", "0xaa", 0n)).toBeUndefined();
    expect(check.earlier("1", "0xaa", 5n)).toBe(0n);
    expect(check.earlier("1", "0xaa", 9n)).toBe(0n);
    expect(check.earlier("2", "0xaa", 3n)).toBe(0n);
  });
});
