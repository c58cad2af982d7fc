/** The browser-side check, with the shared test vectors every part uses. */
import { encodeReceipt, InvalidInputError } from "@veritally/contracts";
import { voteHashVectors } from "@veritally/contracts/vectors";
import { describe, expect, it } from "vitest";
import { type PublicVote, readReceipt, readRef, verifyAny, verifyVote } from "./verify.js";

function recordOf(v: (typeof voteHashVectors)[number], changes: Partial<PublicVote> = {}): PublicVote {
  return {
    electionId: v.electionId,
    electionTitle: "Test",
    seq: "0",
    ref: v.ref,
    choice: v.choice,
    choiceLabel: `Choice ${v.choice}`,
    choices: [],
    voteHash: v.voteHash,
    blockNumber: 1,
    txHash: `0x${"00".repeat(32)}`,
    timestamp: new Date(0).toISOString(),
    ...changes,
  };
}

describe("verifying a receipt", () => {
  it("accepts every test vector, typed in its human form", () => {
    expect(voteHashVectors.length).toBeGreaterThan(2);
    for (const v of voteHashVectors) {
      const outcome = verifyVote({
        chainId: v.chainId,
        registry: v.registry,
        vote: recordOf(v),
        receiptSecret: readReceipt(v.receiptText.toLowerCase()),
        choice: v.choice,
      });
      expect(outcome.kind, v.name).toBe("match");
      expect(readRef(v.refText)).toBe(v.ref.toLowerCase());
    }
  });

  it("says so when the record holds another choice than the one entered", () => {
    const v = voteHashVectors.find((x) => x.choice === 0) ?? voteHashVectors[0];
    if (!v) throw new Error("no vector");
    const outcome = verifyVote({
      chainId: v.chainId,
      registry: v.registry,
      vote: recordOf(v),
      receiptSecret: v.receiptSecret,
      choice: v.choice + 1,
    });
    expect(outcome).toMatchObject({ kind: "other_choice", entered: v.choice + 1 });
  });

  it("rejects a tampered record: a changed hash, or a changed choice the hash does not commit to", () => {
    const v = voteHashVectors[2];
    if (!v) throw new Error("no vector");
    const base = { chainId: v.chainId, registry: v.registry, receiptSecret: v.receiptSecret, choice: v.choice };
    const flipped = `${v.voteHash.slice(0, -1)}${v.voteHash.endsWith("0") ? "1" : "0"}`;
    expect(verifyVote({ ...base, vote: recordOf(v, { voteHash: flipped }) }).kind).toBe("receipt_mismatch");
    // The record's choice was changed but not its hash: the receipt still proves what was committed.
    expect(verifyVote({ ...base, vote: recordOf(v, { choice: v.choice + 1 }) }).kind).toBe("contradiction");
    // Another deployment: the receipt is bound to chain id and registry.
    expect(verifyVote({ ...base, chainId: 1, vote: recordOf(v) }).kind).toBe("receipt_mismatch");
  });

  it("rejects a mistyped receipt by its check character, naming the field", () => {
    const v = voteHashVectors[2];
    if (!v) throw new Error("no vector");
    const typo = v.receiptText.replace(/^./, (c) => (c === "1" ? "2" : "1"));
    expect(() => readReceipt(typo)).toThrow(InvalidInputError);
    expect(() => readReceipt(typo)).toThrow(/receipt/);
    expect(() => readRef("0x1234")).toThrow(/ref/);
  });

  it("reads a receipt whose human form begins with 0X as the human form, and hex as hex", () => {
    const secret = `0x74${"00".repeat(31)}`;
    expect(encodeReceipt(secret).startsWith("0X00-")).toBe(true);
    expect(readReceipt(encodeReceipt(secret))).toBe(secret);
    expect(readReceipt(secret.toUpperCase().replace("0X", "0x"))).toBe(secret);
    expect(() => readReceipt("0x1234")).toThrow(/expected 0x and 64 hex digits/);
  });

  it("picks the matching record when a ref was recorded more than once", () => {
    const v = voteHashVectors[2];
    if (!v) throw new Error("no vector");
    const outcome = verifyAny(
      { chainId: v.chainId, registry: v.registry, receiptSecret: v.receiptSecret, choice: v.choice },
      [recordOf(v, { voteHash: `0x${"11".repeat(32)}`, seq: "5" }), recordOf(v, { seq: "9" })],
    );
    expect(outcome).toMatchObject({ kind: "match", vote: { seq: "9" } });
  });
});
