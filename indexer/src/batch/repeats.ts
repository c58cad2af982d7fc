/**
 * Repeated refs and vote hashes within an election. Per batch: every vote's values go into the
 * election's seen prefixes (seen.ts); a value whose prefix was there already is a candidate, and only
 * candidates are looked up in the database (their first stored vote) and compared exactly, usually
 * none at all.
 */
import type { Store } from "@subsquid/typeorm-store";
import { entityManager } from "../db.js";
import type { Election } from "../model/index.js";
import type { SeenValues } from "../seen.js";

/** Per election, per value: the seq of the first vote (in chain order) that carried it. */
export type FirstSeqs = Map<string, Map<string, bigint>>;

/** The part of a value seen.ts compares (0x and 13 hex digits): equal for a candidate and its first. */
export function candidatePrefix(value: string): string {
  return value.slice(0, 15);
}

/** The seq of the first vote that carried `value` in the election, or undefined (and `seq` is now the first). */
export function firstSeqOf(all: FirstSeqs, electionId: string, value: string, seq: bigint): bigint | undefined {
  let perElection = all.get(electionId);
  if (!perElection) {
    perElection = new Map();
    all.set(electionId, perElection);
  }
  const first = perElection.get(value);
  if (first === undefined) perElection.set(value, seq);
  return first;
}

/**
 * The first stored vote per (election, value) among the values given, for the elections given.
 * Queried by value alone, so that the value's index is used (by election first, the planner
 * would walk the election's votes).
 */
async function storedFirstSeqs(
  store: Store,
  column: "ref" | "vote_hash",
  electionIds: ReadonlySet<string>,
  values: string[],
): Promise<FirstSeqs> {
  const result: FirstSeqs = new Map();
  if (electionIds.size === 0 || values.length === 0) return result;
  const rows: { election_id: string; value: string; seq: string }[] = await entityManager(store).query(
    `select election_id, ${column} as value, seq::text as seq from vote
      where ${column} = any($1::text[]) order by block_number, log_index`,
    [values],
  );
  for (const row of rows) {
    if (!electionIds.has(row.election_id)) continue;
    let perElection = result.get(row.election_id);
    if (!perElection) {
      perElection = new Map();
      result.set(row.election_id, perElection);
    }
    if (!perElection.has(row.value)) perElection.set(row.value, BigInt(row.seq));
  }
  return result;
}

/** Loads the seen values of the elections not loaded yet (an election without votes has none). */
export async function loadSeenValues(store: Store, seen: SeenValues, elections: Iterable<Election>): Promise<void> {
  for (const election of elections) {
    if (!seen.needsLoading(election.id)) continue;
    if (election.totalVotes === 0) {
      seen.markEmpty(election.id);
      continue;
    }
    const stored: { ref: string; vote_hash: string }[] = await entityManager(store).query(
      "select ref, vote_hash from vote where election_id = $1",
      [election.id],
    );
    seen.load(
      election.id,
      stored.map((v) => v.ref),
      stored.map((v) => v.vote_hash),
    );
  }
}

/** One kind of value (refs, or vote hashes) within one batch. */
interface Candidates {
  /** Per election: the prefixes of its candidate values. */
  readonly prefixes: Map<string, Set<string>>;
  readonly values: string[];
  firsts: FirstSeqs;
}

export interface RepeatCheck {
  /** Before any vote is applied: notes a vote's ref and hash. */
  note(electionId: string, ref: string, hash: string): void;
  /** Reads the first stored vote of each candidate value. */
  loadFirsts(store: Store): Promise<void>;
  /** The seq of an earlier vote of the election with this ref, or undefined (then this vote is the first). */
  earlierRef(electionId: string, ref: string, seq: bigint): bigint | undefined;
  earlierHash(electionId: string, hash: string, seq: bigint): bigint | undefined;
}

/** A batch's repeat check over the seen values kept across batches. */
export function createRepeatCheck(seen: SeenValues): RepeatCheck {
  const refs: Candidates = { prefixes: new Map(), values: [], firsts: new Map() };
  const hashes: Candidates = { prefixes: new Map(), values: [], firsts: new Map() };
  const addCandidate = (candidates: Candidates, electionId: string, value: string) => {
    let set = candidates.prefixes.get(electionId);
    if (!set) {
      set = new Set();
      candidates.prefixes.set(electionId, set);
    }
    set.add(candidatePrefix(value));
    candidates.values.push(value);
  };
  // Only a candidate (its prefix seen before) can repeat a value: compared exactly.
  const earlier = (candidates: Candidates, electionId: string, value: string, seq: bigint) => {
    if (!candidates.prefixes.get(electionId)?.has(candidatePrefix(value))) return undefined;
    return firstSeqOf(candidates.firsts, electionId, value, seq);
  };
  return {
    note(electionId, ref, hash) {
      // Not in the database: no stored votes (an election is written with its votes).
      if (seen.needsLoading(electionId)) seen.markEmpty(electionId);
      if (seen.checkRef(electionId, ref)) addCandidate(refs, electionId, ref);
      if (seen.checkHash(electionId, hash)) addCandidate(hashes, electionId, hash);
    },
    async loadFirsts(store) {
      // Stored first, then this batch's candidates as they come: repeated values within the election.
      refs.firsts = await storedFirstSeqs(store, "ref", new Set(refs.prefixes.keys()), refs.values);
      hashes.firsts = await storedFirstSeqs(store, "vote_hash", new Set(hashes.prefixes.keys()), hashes.values);
    },
    earlierRef: (electionId, ref, seq) => earlier(refs, electionId, ref, seq),
    earlierHash: (electionId, hash, seq) => earlier(hashes, electionId, hash, seq),
  };
}
