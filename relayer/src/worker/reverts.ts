/**
 * What a revert of recordVoteBatch means for its votes. The registry's custom errors are decoded
 * with the shared ABI; each maps to a reason code (shown in vote status and stats) and an action:
 * reconcile (the seq is off: read the chain), wait (try again later without spending gas), or fail
 * (the votes can never be recorded).
 */
import { decodeRegistryError } from "@veritally/contracts";
import { RpcError } from "../chain/rpc-pool.js";

export type RevertAction = "reconcile" | "wait" | "fail";

export interface RevertMeaning {
  reason: string;
  action: RevertAction;
  /** For choice_out_of_range: the index of the bad vote in the batch. */
  index?: number;
  detail: string;
}

export function revertDataOf(error: unknown): string | undefined {
  if (!(error instanceof RpcError)) return undefined;
  const d = error.data as unknown;
  if (typeof d === "string" && d.startsWith("0x")) return d;
  if (d && typeof d === "object" && "data" in d && typeof (d as { data: unknown }).data === "string") {
    return (d as { data: string }).data;
  }
  return undefined;
}

/** Reverts that make the votes unrecordable; the others leave them queued. */
export const PERMANENT_REASONS = new Set(["recording_ended", "unknown_election", "choice_out_of_range"]);

export function meaningOf(data: string | undefined, message = ""): RevertMeaning {
  const decoded = decodeRegistryError(data);
  if (!decoded) {
    if (/out of gas/i.test(message)) return { reason: "out_of_gas", action: "reconcile", detail: message };
    return { reason: "reverted", action: "wait", detail: message || "reverted without a known reason" };
  }
  const args = JSON.stringify(decoded.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  const detail = `${decoded.name}${args}`;
  switch (decoded.name) {
    case "VoteRegistrySequenceMismatch":
      return { reason: "sequence_mismatch", action: "reconcile", detail };
    case "EnforcedPause":
      return { reason: "contract_paused", action: "wait", detail };
    case "VoteRegistryElectionNotOpen":
      return { reason: "election_not_open", action: "wait", detail };
    case "AccessControlUnauthorizedAccount":
      return { reason: "missing_role", action: "wait", detail };
    case "VoteRegistryRecordingEnded":
      return { reason: "recording_ended", action: "fail", detail };
    case "VoteRegistryUnknownElection":
      return { reason: "unknown_election", action: "fail", detail };
    case "VoteRegistryChoiceOutOfRange":
      return { reason: "choice_out_of_range", action: "fail", index: Number(decoded.args.index), detail };
    default:
      return { reason: "reverted", action: "wait", detail };
  }
}
