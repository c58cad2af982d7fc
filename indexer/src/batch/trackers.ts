/**
 * Repeated trackers: the same sealed ballot recorded twice in an election (the contract accepts
 * any bytes, so a recorder could replay a voter's ballot). Each repeat is an integrity issue
 * naming the first seq; the ballot itself stays as recorded (valid if its proofs verify, and then
 * in the aggregate: which copies count is for the specification to say, see indexer/README.md).
 */
import type { Store } from "@subsquid/typeorm-store";
import { entityManager } from "../db.js";

export interface TrackerCheck {
  /** Reads the first stored ballot of each of these trackers (by the tracker's index). */
  load(store: Store, trackers: readonly string[]): Promise<void>;
  /** The seq of an earlier ballot of the election with this tracker; otherwise notes this one as the first. */
  earlier(electionId: string, tracker: string, seq: bigint): bigint | undefined;
}

export function createTrackerCheck(): TrackerCheck {
  const firsts = new Map<string, bigint>();
  const note = (electionId: string, tracker: string, seq: bigint): bigint | undefined => {
    const key = `${electionId}|${tracker}`;
    const first = firsts.get(key);
    if (first !== undefined) return first;
    firsts.set(key, seq);
    return undefined;
  };
  return {
    async load(store, trackers) {
      if (trackers.length === 0) return;
      const rows: { election_id: string; tracker: string; seq: string }[] = await entityManager(store).query(
        `select election_id, tracker, seq::text as seq from ballot
          where tracker = any($1::text[]) order by block_number, log_index`,
        [trackers],
      );
      for (const row of rows) note(row.election_id, row.tracker, BigInt(row.seq));
    },
    earlier: note,
  };
}
