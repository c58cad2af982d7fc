/**
 * Which refs and vote hashes an election may already hold, so that the handler checks exactly
 * only the values that might repeat one. Per election, the 52-bit prefixes of every value stored or
 * seen since it was loaded (as two small integers, 28 and 24 bits, that V8 keeps unboxed): a value
 * whose prefix is absent is certainly new; one whose prefix is present is a candidate, checked
 * against the database and the batch in hand. With 52 bits, a candidate is a real repeat but for
 * about one chance in 2^52 / (votes stored), so the database is asked almost only about repeats.
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
  checkRef(electionId: string, ref: string): boolean;
  /** Adds the vote hash's prefix; true when it was there already. */
  checkHash(electionId: string, hash: string): boolean;
}

/** Per high 28 bits, the low 24 bits of the prefixes that have them (one, or several). */
type Prefixes = Map<number, number | number[]>;

/** Adds the 52-bit prefix of a 0x-hex value (at least 13 digits); true when it was there already. */
export function checkPrefix(prefixes: Prefixes, value: string): boolean {
  // 13 hex digits are exact in a double; split into 28 + 24 bits, both small integers.
  const prefix = Number.parseInt(value.slice(2, 15), 16);
  const high = Math.floor(prefix / 0x1000000);
  const low = prefix % 0x1000000;
  const present = prefixes.get(high);
  if (present === undefined) {
    prefixes.set(high, low);
    return false;
  }
  if (typeof present === "number") {
    if (present === low) return true;
    prefixes.set(high, [present, low]);
    return false;
  }
  if (present.includes(low)) return true;
  present.push(low);
  return false;
}

export function createSeenValues(): SeenValues {
  const elections = new Map<string, { refs: Prefixes; hashes: Prefixes }>();
  const entry = (id: string) => {
    let e = elections.get(id);
    if (!e) {
      e = { refs: new Map(), hashes: new Map() };
      elections.set(id, e);
    }
    return e;
  };
  return {
    needsLoading: (id) => !elections.has(id),
    load(id, refs, hashes) {
      const e = entry(id);
      for (const ref of refs) checkPrefix(e.refs, ref);
      for (const hash of hashes) checkPrefix(e.hashes, hash);
    },
    markEmpty: (id) => void entry(id),
    checkRef: (id, ref) => checkPrefix(entry(id).refs, ref),
    checkHash: (id, hash) => checkPrefix(entry(id).hashes, hash),
  };
}
