import { describe, expect, it } from "vitest";
import { encodeElectionMetadata, metadataHashOf, parseElectionMetadata, validateElectionMetadata } from "./metadata.js";

const good = { title: "Budget", description: "Pick one", choices: ["A", "B", "C"] };

describe("election metadata", () => {
  it("encodes with a fixed key order so the hash is reproducible", () => {
    const a = encodeElectionMetadata(good);
    const b = encodeElectionMetadata({ choices: ["A", "B", "C"], description: "Pick one", title: "Budget" });
    expect(a).toBe(b);
    expect(metadataHashOf(a)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(parseElectionMetadata(a, 3)).toEqual({ ok: true, metadata: good });
  });

  it("names the bad field", () => {
    expect(() => validateElectionMetadata(null)).toThrow(/^metadata:/);
    expect(() => validateElectionMetadata({ ...good, title: " " })).toThrow(/metadata.title: must not be empty/);
    expect(() => validateElectionMetadata({ ...good, choices: ["only"] })).toThrow(/metadata.choices: expected 2/);
    expect(() => validateElectionMetadata({ ...good, choices: ["A", 7] })).toThrow(/metadata.choices\[1\]/);
    expect(() => validateElectionMetadata({ ...good, description: 5 })).toThrow(/metadata.description/);
  });

  it("reports malformed metadata from the chain without throwing", () => {
    expect(parseElectionMetadata("{oops")).toEqual({ ok: false, reason: "not valid JSON" });
    expect(parseElectionMetadata('{"title":"T","choices":["A","B"]}', 3)).toEqual({
      ok: false,
      reason: "2 labels for 3 choices",
    });
    const r = parseElectionMetadata('{"title":1}');
    expect(r.ok).toBe(false);
  });

  it("carries an optional contact and roll size, last and only when given, so older metadata hashes the same", () => {
    expect(encodeElectionMetadata(good)).toBe('{"title":"Budget","description":"Pick one","choices":["A","B","C"]}');
    const withExtras = encodeElectionMetadata({ ...good, eligibleVoters: 1200, contact: "observers@example.org" });
    expect(withExtras).toBe(
      '{"title":"Budget","description":"Pick one","choices":["A","B","C"],"contact":"observers@example.org","eligibleVoters":1200}',
    );
    expect(parseElectionMetadata(withExtras, 3)).toEqual({
      ok: true,
      metadata: { ...good, contact: "observers@example.org", eligibleVoters: 1200 },
    });
    expect(() => validateElectionMetadata({ ...good, contact: " " })).toThrow(/metadata.contact/);
    expect(() => validateElectionMetadata({ ...good, contact: "x".repeat(201) })).toThrow(/metadata.contact/);
    expect(() => validateElectionMetadata({ ...good, eligibleVoters: 0 })).toThrow(/metadata.eligibleVoters/);
    expect(() => validateElectionMetadata({ ...good, eligibleVoters: 2.5 })).toThrow(/metadata.eligibleVoters/);
  });
});
