/**
 * The seq bookkeeping of a batch: each vote's seq against the election's next expected seq and its
 * known gaps (aggregate.ts classifies), and the gap rows that changes. Pure but for `loaded`, which
 * the handler fills from the database the first time an election needs its gaps (never, from this
 * contract: a seq below the next expected one is the only reason to look).
 */
import { type Gap, gapSize, type SeqOutcome } from "../aggregate.js";
import { type Election, SeqGap } from "../model/index.js";

export interface GapChanges {
  /** Gap rows to write (new or replaced), by id. */
  readonly changed: Map<string, SeqGap>;
  /** Gap rows to delete, by id. */
  readonly removed: Set<string>;
  /** Per election whose gaps were loaded: its gaps as they now stand. */
  readonly loaded: Map<string, Map<string, SeqGap>>;
}

export function createGapChanges(): GapChanges {
  return { changed: new Map(), removed: new Set(), loaded: new Map() };
}

export function gapId(electionId: string, from: bigint): string {
  return `${electionId}-${from}`;
}

export function toGap(row: SeqGap): Gap {
  return { from: row.fromSeq, to: row.toSeq };
}

/** An election's stored gaps with this batch's changes so far applied; kept in `loaded`. */
export function loadedGaps(changes: GapChanges, election: Election, stored: readonly SeqGap[]): Map<string, SeqGap> {
  const gaps = new Map(stored.map((g) => [g.id, g]));
  for (const [id, gap] of changes.changed) if (gap.election.id === election.id) gaps.set(id, gap);
  for (const id of changes.removed) gaps.delete(id);
  changes.loaded.set(election.id, gaps);
  return gaps;
}

function putGap(changes: GapChanges, election: Election, gap: Gap): void {
  const row = new SeqGap({ id: gapId(election.id, gap.from), election, fromSeq: gap.from, toSeq: gap.to });
  changes.changed.set(row.id, row);
  changes.removed.delete(row.id);
  changes.loaded.get(election.id)?.set(row.id, row);
}

/**
 * Applies a classified seq (not a duplicate) to the election and the gap rows: "next" moves the next
 * expected seq, "gap" opens a missing range below the seq, "fills" shrinks or splits the range it
 * falls in (its gaps must be in `loaded`: classifying it needed them).
 */
export function applySeq(
  changes: GapChanges,
  election: Election,
  seq: bigint,
  outcome: Exclude<SeqOutcome, { kind: "duplicate" }>,
): void {
  switch (outcome.kind) {
    case "next":
      election.nextExpectedSeq = seq + 1n;
      return;
    case "gap":
      putGap(changes, election, outcome.gap);
      election.missingSeqCount += gapSize(outcome.gap);
      election.nextExpectedSeq = seq + 1n;
      return;
    case "fills": {
      const oldId = gapId(election.id, outcome.gap.from);
      changes.loaded.get(election.id)?.delete(oldId);
      changes.changed.delete(oldId);
      changes.removed.add(oldId);
      for (const part of outcome.replacement) putGap(changes, election, part);
      election.missingSeqCount -= 1n;
      return;
    }
  }
}
