import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  test("doubles from the base up to the cap", () => {
    const options = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(options, attempt))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  test("maxDoublings stops the growth below the cap", () => {
    expect(backoffDelay({ baseMs: 250, maxMs: 10_000, maxDoublings: 2 }, 9)).toBe(1000);
  });

  test("half jitter stays in [d/2, d], full jitter in [0, d)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (attempt, r) => {
        const d = Math.min(60_000, 50 * 2 ** Math.min(attempt, 30));
        const half = backoffDelay({ baseMs: 50, maxMs: 60_000, jitter: "half" }, attempt, () => r);
        const full = backoffDelay({ baseMs: 50, maxMs: 60_000, jitter: "full" }, attempt, () => r);
        expect(half).toBeGreaterThanOrEqual(Math.floor(d / 2));
        expect(half).toBeLessThanOrEqual(d);
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThan(d);
      }),
    );
  });

  test("a negative attempt counts as the first", () => {
    expect(backoffDelay({ baseMs: 100, maxMs: 1000 }, -3)).toBe(100);
  });
});
