import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TxStatus } from "../states.js";
import { defaultConfirmations, finalBlock, nextStep, type SeenReceipt, type StoredTx } from "./lifecycle.js";

const unmined: StoredTx = { status: TxStatus.Submitted, blockNumber: null, blockHash: null, minedAttemptId: null };
const mined: StoredTx = { status: TxStatus.Mined, blockNumber: 10, blockHash: "0xaa", minedAttemptId: "1" };
const at = (blockNumber: number, blockHash = "0xaa", attemptId = "1", success = true): SeenReceipt => ({
  attemptId,
  blockNumber,
  blockHash,
  success,
});

describe("nextStep", () => {
  const table: [string, StoredTx, SeenReceipt | null, number, number, string][] = [
    ["submitted, no receipt", unmined, null, 12, 10, "wait"],
    ["pending, no receipt", { ...unmined, status: TxStatus.Pending }, null, 12, 10, "wait"],
    ["submitted, receipt", unmined, at(11), 12, 10, "mine"],
    ["pending, receipt (crash after broadcast)", { ...unmined, status: TxStatus.Pending }, at(11), 12, 10, "mine"],
    ["submitted, receipt above the head (node behind)", unmined, at(13), 12, 10, "wait"],
    ["mined, same block, not final", mined, at(10), 12, 9, "wait"],
    ["mined, same block, final", mined, at(10), 12, 10, "finalize"],
    ["mined, receipt gone (reorged out)", mined, null, 12, 10, "unmine"],
    ["mined, receipt gone even deep below final", mined, null, 100, 90, "unmine"],
    ["mined, other block hash", mined, at(10, "0xbb"), 12, 10, "move"],
    ["mined, other block number", mined, at(11, "0xcc"), 12, 10, "move"],
    ["mined, other attempt", mined, at(10, "0xaa", "2"), 12, 10, "move"],
    ["mined, receipt above the head", mined, at(13), 12, 10, "unmine"],
    ["confirmed", { ...mined, status: TxStatus.Confirmed }, null, 12, 10, "wait"],
    ["failed", { ...mined, status: TxStatus.Failed }, at(10), 12, 10, "wait"],
  ];
  it.each(table)("%s", (_name, tx, receipt, head, final, expected) => {
    expect(nextStep(tx, receipt, head, final).kind).toBe(expected);
  });

  it("finalizes with the receipt's outcome", () => {
    expect(nextStep(mined, at(10, "0xaa", "1", false), 12, 10)).toEqual({ kind: "finalize", success: false });
  });

  const statusArb = fc.constantFrom(...Object.values(TxStatus));
  const receiptArb = fc.option(
    fc.record({
      attemptId: fc.constantFrom("1", "2"),
      blockNumber: fc.integer({ min: 0, max: 40 }),
      blockHash: fc.constantFrom("0xaa", "0xbb"),
      success: fc.boolean(),
    }),
    { nil: null },
  );
  const txArb = fc.record({
    status: statusArb,
    blockNumber: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
    blockHash: fc.option(fc.constantFrom("0xaa", "0xbb"), { nil: null }),
    minedAttemptId: fc.option(fc.constantFrom("1", "2"), { nil: null }),
  });

  it("never finalizes what is not mined where it was seen, at or below the final block", () => {
    fc.assert(
      fc.property(
        txArb,
        receiptArb,
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: -5, max: 40 }),
        (tx, r, head, f) => {
          const step = nextStep(tx, r, head, f);
          if (step.kind === "finalize") {
            expect(tx.status).toBe(TxStatus.Mined);
            expect(r).not.toBeNull();
            expect(r?.blockNumber).toBeLessThanOrEqual(f);
            expect(r?.blockHash).toBe(tx.blockHash);
            expect(r?.attemptId).toBe(tx.minedAttemptId);
          }
          // A mined transaction without a receipt always goes back to be sent again, at any depth.
          if (tx.status === TxStatus.Mined && r === null) expect(step.kind).toBe("unmine");
          // Final states never move.
          if (tx.status === TxStatus.Confirmed || tx.status === TxStatus.Failed) expect(step.kind).toBe("wait");
          // Unmined transactions only ever become mined.
          if (tx.status === TxStatus.Pending || tx.status === TxStatus.Submitted) {
            expect(["wait", "mine"]).toContain(step.kind);
          }
        },
      ),
    );
  });

  it("applying a move or a mine, then the same receipt, is stable (no flapping)", () => {
    fc.assert(
      fc.property(receiptArb, fc.integer({ min: 0, max: 40 }), (r, head) => {
        const first = nextStep(mined, r, head, -1);
        if (first.kind !== "move") return;
        const after: StoredTx = {
          status: TxStatus.Mined,
          blockNumber: first.receipt.blockNumber,
          blockHash: first.receipt.blockHash,
          minedAttemptId: first.receipt.attemptId,
        };
        expect(nextStep(after, r, head, -1).kind).toBe("wait");
      }),
    );
  });
});

describe("finality", () => {
  it("takes the lower of the node's finalized block and CONFIRMATIONS", () => {
    expect(finalBlock(100, 2, null)).toBe(99);
    expect(finalBlock(100, 2, 100)).toBe(99); // Hardhat: finalized is the head
    expect(finalBlock(100, 2, 36)).toBe(36); // anvil: head - 64
    expect(finalBlock(100, 64, null)).toBe(37);
  });
  it("defaults CONFIRMATIONS safely on an unknown chain without finalized", () => {
    expect(defaultConfirmations(31337, false)).toBe(2);
    expect(defaultConfirmations(137, true)).toBe(2);
    expect(defaultConfirmations(9999, false)).toBe(64);
  });
});
