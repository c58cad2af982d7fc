import { describe, expect, test } from "vitest";
import { assignBatches, bucketId, bucketStart, classifySeq, gapSize, indexedBlockId } from "./aggregate.js";

describe("classifySeq", () => {
  test("the next expected seq", () => {
    expect(classifySeq(5n, 5n, [])).toEqual({ kind: "next" });
  });
  test("a seq above the next expected one opens a gap of the seqs in between", () => {
    const outcome = classifySeq(9n, 5n, []);
    expect(outcome).toEqual({ kind: "gap", gap: { from: 5n, to: 8n } });
    if (outcome.kind === "gap") expect(gapSize(outcome.gap)).toBe(4n);
  });
  test("a seq inside a gap splits it, at either end shrinks it", () => {
    const gap = { from: 5n, to: 8n };
    expect(classifySeq(6n, 10n, [gap])).toEqual({
      kind: "fills",
      gap,
      replacement: [
        { from: 5n, to: 5n },
        { from: 7n, to: 8n },
      ],
    });
    expect(classifySeq(5n, 10n, [gap])).toEqual({ kind: "fills", gap, replacement: [{ from: 6n, to: 8n }] });
    expect(classifySeq(8n, 10n, [gap])).toEqual({ kind: "fills", gap, replacement: [{ from: 5n, to: 7n }] });
    expect(classifySeq(3n, 4n, [{ from: 3n, to: 3n }])).toEqual({
      kind: "fills",
      gap: { from: 3n, to: 3n },
      replacement: [],
    });
  });
  test("a seq below the next expected one and not missing is a duplicate", () => {
    expect(classifySeq(2n, 10n, [{ from: 5n, to: 8n }])).toEqual({ kind: "duplicate" });
  });
});

describe("buckets", () => {
  test("start at whole minutes and hours (UTC, from the epoch)", () => {
    const t = Date.UTC(2026, 10, 23, 14, 37, 42, 500);
    expect(bucketStart(t, "minute")).toBe(Date.UTC(2026, 10, 23, 14, 37));
    expect(bucketStart(t, "hour")).toBe(Date.UTC(2026, 10, 23, 14));
    expect(bucketId("7", "hour", Date.UTC(2026, 10, 23, 14))).toBe(`7-hour-${Date.UTC(2026, 10, 23, 14) / 1000}`);
  });
  test("indexed block ids sort like their heights", () => {
    expect(indexedBlockId(42)).toBe("0000000042");
    expect([indexedBlockId(100), indexedBlockId(99)].sort()).toEqual([indexedBlockId(99), indexedBlockId(100)]);
  });
});

describe("assignBatches", () => {
  test("each vote goes to the following BatchRecorded of its election that covers its seq", () => {
    const votes = [
      { electionId: "1", seq: 0n, logIndex: 0 },
      { electionId: "1", seq: 1n, logIndex: 1 },
      { electionId: "2", seq: 0n, logIndex: 3 },
      { electionId: "1", seq: 2n, logIndex: 5 },
    ];
    const batches = [
      { electionId: "1", firstSeq: 0n, count: 2, logIndex: 2 },
      { electionId: "2", firstSeq: 0n, count: 1, logIndex: 4 },
      { electionId: "1", firstSeq: 2n, count: 1, logIndex: 6 },
    ];
    expect(assignBatches(votes, batches)).toEqual([0, 0, 1, 2]);
  });
  test("a vote with no batch after it gets -1", () => {
    expect(
      assignBatches(
        [{ electionId: "1", seq: 0n, logIndex: 5 }],
        [{ electionId: "1", firstSeq: 0n, count: 1, logIndex: 4 }],
      ),
    ).toEqual([-1]);
  });
});
