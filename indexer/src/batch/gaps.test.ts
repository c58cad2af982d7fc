import { describe, expect, test } from "vitest";
import { classifySeq } from "../aggregate.js";
import { newElection } from "./elections.js";
import { applySeq, createGapChanges, loadedGaps, toGap } from "./gaps.js";

/** Applies seqs in order, as the handler does, the gaps loaded from nothing stored. */
function run(seqs: bigint[]) {
  const election = newElection("1");
  const changes = createGapChanges();
  const duplicates: bigint[] = [];
  for (const seq of seqs) {
    const gaps = changes.loaded.get(election.id) ?? loadedGaps(changes, election, []);
    const outcome = classifySeq(seq, election.nextExpectedSeq, [...gaps.values()].map(toGap));
    if (outcome.kind === "duplicate") duplicates.push(seq);
    else applySeq(changes, election, seq, outcome);
  }
  const ranges = [...changes.changed.values()].map((g) => [g.fromSeq, g.toSeq]);
  return { election, changes, duplicates, ranges };
}

describe("the seq bookkeeping of a batch, without a database", () => {
  test("in order: no gap rows, the next expected seq moves", () => {
    const { election, changes } = run([0n, 1n, 2n]);
    expect(election.nextExpectedSeq).toBe(3n);
    expect(election.missingSeqCount).toBe(0n);
    expect(changes.changed.size + changes.removed.size).toBe(0);
  });

  test("a jump opens a gap; a late vote splits it; the last one closes it", () => {
    const opened = run([0n, 5n]);
    expect(opened.ranges).toEqual([[1n, 4n]]);
    expect(opened.election.missingSeqCount).toBe(4n);

    const split = run([0n, 5n, 3n]);
    // 1-1 is rewritten with its shorter range, not removed.
    expect(split.changes.removed).toEqual(new Set());
    expect(split.ranges).toEqual([
      [1n, 2n],
      [4n, 4n],
    ]);
    expect(split.election.missingSeqCount).toBe(3n);

    const closed = run([0n, 5n, 3n, 1n, 2n, 4n]);
    expect(closed.changes.removed).toEqual(new Set(["1-1", "1-2", "1-4"]));
    expect(closed.election.missingSeqCount).toBe(0n);
    expect(closed.ranges).toEqual([]);
    expect(closed.election.nextExpectedSeq).toBe(6n);
  });

  test("a seq seen twice is a duplicate and changes nothing", () => {
    const { duplicates, election } = run([0n, 1n, 1n]);
    expect(duplicates).toEqual([1n]);
    expect(election.nextExpectedSeq).toBe(2n);
  });

  test("stored gaps load with this batch's changes applied over them", () => {
    const election = newElection("1");
    const changes = createGapChanges();
    applySeq(changes, election, 9n, { kind: "gap", gap: { from: 3n, to: 8n } });
    const gaps = loadedGaps(changes, election, []);
    expect([...gaps.keys()]).toEqual(["1-3"]);
  });
});
