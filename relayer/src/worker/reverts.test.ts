/** What each of the registry's reverts means for a batch, from revert data encoded with the shared ABI. */
import { LOCAL_ACCOUNTS, voteRegistryInterface } from "@veritally/contracts";
import { id } from "ethers";
import { describe, expect, it } from "vitest";
import { RpcError } from "../chain/rpc-pool.js";
import { meaningOf, PERMANENT_REASONS, revertDataOf } from "./reverts.js";

const encode = (name: string, args: unknown[] = []) => voteRegistryInterface.encodeErrorResult(name, args);

describe("meaningOf", () => {
  const cases: { error: string; args: unknown[]; reason: string; action: string; detail: string; index?: number }[] = [
    {
      error: "VoteRegistrySequenceMismatch",
      args: [7n, 12n, 10n],
      reason: "sequence_mismatch",
      action: "reconcile",
      detail: 'VoteRegistrySequenceMismatch{"electionId":"7","expected":"12","given":"10"}',
    },
    {
      error: "EnforcedPause",
      args: [],
      reason: "contract_paused",
      action: "wait",
      detail: "EnforcedPause{}",
    },
    {
      error: "VoteRegistryElectionNotOpen",
      args: [7n, 1_900_000_000n],
      reason: "election_not_open",
      action: "wait",
      detail: 'VoteRegistryElectionNotOpen{"electionId":"7","opensAt":"1900000000"}',
    },
    {
      error: "AccessControlUnauthorizedAccount",
      args: [LOCAL_ACCOUNTS.relayer.address, id("RECORDER_ROLE")],
      reason: "missing_role",
      action: "wait",
      detail: `AccessControlUnauthorizedAccount{"account":"${LOCAL_ACCOUNTS.relayer.address}","neededRole":"${id("RECORDER_ROLE")}"}`,
    },
    {
      error: "VoteRegistryRecordingEnded",
      args: [7n, 1_700_000_000n],
      reason: "recording_ended",
      action: "fail",
      detail: 'VoteRegistryRecordingEnded{"electionId":"7","recordUntil":"1700000000"}',
    },
    {
      error: "VoteRegistryUnknownElection",
      args: [99n],
      reason: "unknown_election",
      action: "fail",
      detail: 'VoteRegistryUnknownElection{"electionId":"99"}',
    },
    {
      error: "VoteRegistryChoiceOutOfRange",
      args: [7n, 3n, 5, 4],
      reason: "choice_out_of_range",
      action: "fail",
      index: 3,
      detail: 'VoteRegistryChoiceOutOfRange{"electionId":"7","index":"3","choice":"5","choiceCount":"4"}',
    },
    // The registry's other errors cannot come from a well-formed batch: wait, do not fail votes.
    {
      error: "VoteRegistryEmptyBatch",
      args: [],
      reason: "reverted",
      action: "wait",
      detail: "VoteRegistryEmptyBatch{}",
    },
    {
      error: "VoteRegistryElectionAlreadyClosed",
      args: [7n],
      reason: "reverted",
      action: "wait",
      detail: 'VoteRegistryElectionAlreadyClosed{"electionId":"7"}',
    },
  ];

  for (const c of cases) {
    it(`${c.error} → ${c.reason} (${c.action})`, () => {
      const meaning = meaningOf(encode(c.error, c.args), "execution reverted");
      expect(meaning).toEqual({
        reason: c.reason,
        action: c.action,
        detail: c.detail,
        ...(c.index === undefined ? {} : { index: c.index }),
      });
      expect(PERMANENT_REASONS.has(meaning.reason)).toBe(c.action === "fail");
    });
  }

  it("without decodable data: out of gas from the message, else a plain revert that waits", () => {
    expect(meaningOf(undefined, "eth_call: out of gas (code -32000)")).toEqual({
      reason: "out_of_gas",
      action: "reconcile",
      detail: "eth_call: out of gas (code -32000)",
    });
    expect(meaningOf("0x", "execution reverted")).toEqual({
      reason: "reverted",
      action: "wait",
      detail: "execution reverted",
    });
    expect(meaningOf("0xdeadbeef")).toEqual({
      reason: "reverted",
      action: "wait",
      detail: "reverted without a known reason",
    });
    // a known selector with truncated arguments is not decodable either
    expect(meaningOf(encode("VoteRegistryUnknownElection", [1n]).slice(0, 20)).reason).toBe("reverted");
  });
});

describe("revertDataOf", () => {
  const data = encode("EnforcedPause");

  it("takes the data of a JSON-RPC error, as a hex string or nested in an object", () => {
    expect(revertDataOf(new RpcError("eth_call", 3, "execution reverted", data))).toBe(data);
    expect(revertDataOf(new RpcError("eth_call", -32603, "reverted", { message: "reverted", data }))).toBe(data);
  });

  it("finds none in other shapes or other errors", () => {
    expect(revertDataOf(new RpcError("eth_call", 3, "execution reverted", undefined))).toBeUndefined();
    expect(revertDataOf(new RpcError("eth_call", 3, "execution reverted", "not hex"))).toBeUndefined();
    expect(revertDataOf(new RpcError("eth_call", 3, "execution reverted", { data: 42 }))).toBeUndefined();
    expect(revertDataOf(new RpcError("eth_call", 3, "execution reverted", { message: "no data" }))).toBeUndefined();
    expect(revertDataOf(new Error(data))).toBeUndefined();
    expect(revertDataOf(undefined)).toBeUndefined();
  });

  it("the two together: an RPC error of a paused contract means wait", () => {
    const error = new RpcError("eth_call", 3, "execution reverted", { data });
    expect(meaningOf(revertDataOf(error), error.message)).toMatchObject({ reason: "contract_paused", action: "wait" });
  });
});
