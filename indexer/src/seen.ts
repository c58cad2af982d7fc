/**
 * Which refs and vote hashes an election's stored votes may already hold, so that the handler
 * asks the database only about the few that might repeat one. Per election, a set of 28-bit
 * prefixes of every value stored or written since it was loaded: a value whose prefix is absent
 * is certainly new; one whose prefix is present is only a candidate, checked in the database.
 * Extra prefixes (from votes rolled back since) only cost a query, so the sets never shrink.
 */
export interface SeenValues {
  /** Elections whose stored values are not loaded yet (and have stored votes). */
  needsLoading(electionId: string): boolean;
  load(electionId: string, refs: Iterable<string>, hashes: Iterable<string>): void;
  /** An election with no stored votes: nothing to load. */
  markEmpty(electionId: string): void;
  mayHaveRef(electionId: string, ref: string): boolean;
  mayHaveHash(electionId: string, hash: string): boolean;
  add(electionId: string, ref: string, hash: string): void;
}

/** 0x + 7 hex digits: 28 bits, a small integer for V8. */
function prefix(value: string): number {
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
  return {
    needsLoading: (id) => !elections.has(id),
    load(id, refs, hashes) {
      const e = entry(id);
      for (const ref of refs) e.refs.add(prefix(ref));
      for (const hash of hashes) e.hashes.add(prefix(hash));
    },
    markEmpty: (id) => void entry(id),
    mayHaveRef: (id, ref) => elections.get(id)?.refs.has(prefix(ref)) ?? true,
    mayHaveHash: (id, hash) => elections.get(id)?.hashes.has(prefix(hash)) ?? true,
    add(id, ref, hash) {
      const e = entry(id);
      e.refs.add(prefix(ref));
      e.hashes.add(prefix(hash));
    },
  };
}
