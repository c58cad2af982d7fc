/** The cross-check's merge on arrays: no database, a fixed clock. */
import { describe, expect, it } from "vitest";
import { type ChainRow, type MergeInput, mergeVotes, type RelayerRow } from "./cross-check-merge.js";

const NOW = Date.parse("2026-11-02T12:00:00Z");

function chainVote(seq: number, choice = seq % 2): ChainRow {
  return { seq, ref: `0x${seq.toString(16).padStart(32, "0")}`, choice, hash: `0x${(seq + 1000).toString(16)}` };
}

function relayerVote(c: ChainRow, change: Partial<RelayerRow> = {}): RelayerRow {
  return { ...c, status: "confirmed", acceptedMs: NOW - 60_000, block: 10, ...change };
}

function input(chain: ChainRow[], change: Partial<MergeInput> = {}): MergeInput {
  const tally = [0, 0];
  for (const c of chain) tally[c.choice] = (tally[c.choice] ?? 0) + 1;
  return {
    electionId: "1",
    indexedHeight: 20,
    chainTally: tally,
    chainTotal: chain.length,
    pendingGraceSeconds: 600,
    nowMs: NOW,
    ...change,
  };
}

const chain = Array.from({ length: 10 }, (_, i) => chainVote(i));

describe("mergeVotes", () => {
  it("matches equal streams, whatever their chunking, sync or async", async () => {
    const relayer = chain.map((c) => relayerVote(c));
    const whole = await mergeVotes(input(chain), [chain], [relayer]);
    expect(whole.verdict).toBe("consistent");
    expect(whole.matched).toBe(10);
    expect(whole.chain.streamed).toBe(10);
    expect(whole.relayer.total).toBe(10);
    expect(whole.relayer.byStatus.confirmed).toBe(10);
    expect(whole.relayer.tallyIncluded).toEqual([5, 5]);
    expect(whole.computedAt).toBe("2026-11-02T12:00:00.000Z");
    async function* inPieces<T>(rows: T[], size: number) {
      for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
    }
    const pieces = await mergeVotes(input(chain), inPieces(chain, 3), [relayer.slice(0, 1), [], relayer.slice(1)]);
    expect(pieces).toEqual(whole);
  });

  it("names the field that differs at the same seq", async () => {
    const relayer = chain.map((c) => relayerVote(c, c.seq === 4 ? { choice: 1 - c.choice } : {}));
    const report = await mergeVotes(input(chain), [chain], [relayer]);
    expect(report.verdict).toBe("inconsistent");
    expect(report.matched).toBe(9);
    expect(report.mismatches.count).toBe(1);
    expect(report.mismatches.items[0]).toMatchObject({ seq: "4", fields: ["choice"] });
    expect(report.mismatches.byField.choice).toBe(1);
  });

  it("tells a vote recorded at another seq from a vote the relayer never had", async () => {
    const relayer = chain
      .filter((c) => c.seq !== 7)
      .map((c) => relayerVote(c, c.seq === 2 ? { seq: 3, ref: chainVote(3).ref } : c.seq === 3 ? { seq: 2 } : {}));
    relayer.sort((a, b) => a.seq - b.seq);
    const report = await mergeVotes(input(chain), [chain], [relayer]);
    expect(report.chainOnly.count).toBe(1);
    expect(report.chainOnly.items[0]).toMatchObject({ seq: "7", blockNumber: null, txHash: null });
    expect(report.mismatches.items.map((m) => m.seq).sort()).toEqual(["2", "3"]);
  });

  it("sorts relayer votes not on chain into in flight, overdue, not indexed yet, missing and failed", async () => {
    const extra = (n: number, change: Partial<RelayerRow>): RelayerRow => ({
      ...relayerVote(chainVote(100 + n)),
      seq: -1,
      ...change,
    });
    const relayer = [
      ...chain.map((c) => relayerVote(c)),
      extra(1, { status: "queued", acceptedMs: NOW - 5_000 }),
      extra(2, { status: "queued", acceptedMs: NOW - 3_600_000 }),
      extra(3, { status: "included", seq: 10, block: 25 }),
      extra(4, { status: "failed" }),
    ];
    relayer.sort((a, b) => (a.seq < 0 ? 1 : b.seq < 0 ? -1 : a.seq - b.seq));
    const report = await mergeVotes(input(chain), [chain], [relayer]);
    expect(report.pending).toMatchObject({ count: 3, inFlight: 1, overdue: 1, notIndexedYet: 1 });
    expect(report.pending.items[0]?.ageSeconds).toBe(3600);
    expect(report.failedOffChain).toBe(1);
    expect(report.verdict).toBe("attention");

    const below = await mergeVotes(input(chain, { indexedHeight: 30 }), [chain], [relayer]);
    expect(below.missing.count).toBe(1);
    expect(below.verdict).toBe("inconsistent");
  });

  it("reports votes only in flight as consistent so far", async () => {
    const relayer = [
      ...chain.map((c) => relayerVote(c)),
      { ...relayerVote(chainVote(50)), seq: -1, status: "queued" as const },
    ];
    const report = await mergeVotes(input(chain), [chain], [relayer]);
    expect(report.verdict).toBe("consistent_in_flight");
    expect(report.pending.inFlight).toBe(1);
  });
});
