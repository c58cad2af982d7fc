import { describe, expect, test } from "vitest";
import { VoteBucket } from "../model/index.js";
import { createBucketCounter, mergeBuckets } from "./buckets.js";

describe("votes per minute and hour, without a database", () => {
  test("counts each vote in its minute and its hour, per election", () => {
    const counter = createBucketCounter();
    counter.count("1", 60_000);
    counter.count("1", 60_000);
    counter.count("1", 119_999);
    counter.count("2", 60_000);
    counter.count("1", 3_600_000);
    const counts = Object.fromEntries([...counter.counts].map(([id, c]) => [id, c.count]));
    expect(counts).toEqual({
      "1-minute-60": 3,
      "1-hour-0": 3,
      "2-minute-60": 1,
      "2-hour-0": 1,
      "1-minute-3600": 1,
      "1-hour-3600": 1,
    });
  });

  test("adds the batch's counts to the stored ones", () => {
    const counter = createBucketCounter();
    counter.count("1", 0);
    const stored = new Map([["1-minute-0", new VoteBucket({ id: "1-minute-0", count: 41 })]]);
    const rows = mergeBuckets(counter.counts, stored);
    expect(rows.map((r) => [r.id, r.count, r.granularity, r.election.id])).toEqual([
      ["1-minute-0", 42, "minute", "1"],
      ["1-hour-0", 1, "hour", "1"],
    ]);
  });
});
