/**
 * Which refs and vote hashes an election may already hold, so that the handler checks exactly
 * only the few values that might repeat one. Per election, a set of 28-bit prefixes of every value
 * stored or seen since it was loaded: a value whose prefix is absent is certainly new; one whose
 * prefix is present is only a candidate, checked against the database and the batch in hand.
 * Extra prefixes (from votes rolled back since, or from a batch that failed) only cost a check, so
 * the sets never shrink.
 */
export interface SeenValues {
  /** Elections whose stored values are not loaded yet. */
  needsLoading(electionId: string): boolean;
  load(electionId: string, refs: Iterable<string>, hashes: Iterable<string>): void;
  /** An election with no stored votes: nothing to load. */
  markEmpty(electionId: string): void;
  /** Adds the ref's prefix; true when it was there already (the ref is a candidate repeat). */
  checkRef(electionId: string, prefix: number): boolean;
  /** Adds the vote hash's prefix; true when it was there already. */
  checkHash(electionId: string, prefix: number): boolean;
}

/** 0x + 7 hex digits: 28 bits, a small integer for V8. */
export function valuePrefix(value: string): number {
  return Number.parseInt(value.slice(2, 9), 16);
}

export function createSeenValues(): SeenValues {
  const elections = new Map<string, { refs: Set<number>; hashes: Set<number> }>();
  const entry = (id: string) => {
    let e = elections.get(id);
    if (!e) {
      e = { refs: new Set(), hashes: new Set() };
      elections.set(id, e);
    }
    return e;
  };
  const check = (set: Set<number>, prefix: number) => {
    if (set.has(prefix)) return true;
    set.add(prefix);
    return false;
  };
  return {
    needsLoading: (id) => !elections.has(id),
    load(id, refs, hashes) {
      const e = entry(id);
      for (const ref of refs) e.refs.add(valuePrefix(ref));
      for (const hash of hashes) e.hashes.add(valuePrefix(hash));
    },
    markEmpty: (id) => void entry(id),
    checkRef: (id, prefix) => check(entry(id).refs, prefix),
    checkHash: (id, prefix) => check(entry(id).hashes, prefix),
  };
}
