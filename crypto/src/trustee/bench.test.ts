import { describe, expect, it } from "vitest";
import { tallyBenchmark } from "./bench.js";

// The benchmark's own correctness at a small size (no timing asserted: speed lives in the benchmark run).
describe("tally benchmark", () => {
  it("aggregates in two workers, decrypts 3 of 5 and finds the votes cast", { timeout: 300_000 }, async () => {
    const r = await tallyBenchmark({ ballots: 5000, workers: 2 });
    expect(r.counts.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(r.counts.every((c) => c > 0)).toBe(true);
    expect(r.seconds).toBeGreaterThan(0);
  });
});
