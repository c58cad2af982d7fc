/**
 * The voter's check, run in the browser (bundled into /verify): recompute the vote hash from the
 * receipt and the choice the voter remembers, and compare it with the public record. Nothing
 * here sends anything anywhere; the page fetches only the public record by its ref.
 */
import { computeVoteHash, decodeReceipt, InvalidInputError, parseRef } from "@veritally/contracts";

/** The public record as /api/votes/[ref].json gives it. */
export interface PublicVote {
  electionId: string;
  electionTitle: string;
  seq: string;
  ref: string;
  choice: number;
  choiceLabel: string;
  choices: string[];
  voteHash: string;
  blockNumber: number;
  txHash: string;
  timestamp: string;
  confirmations?: number;
  final?: boolean;
  contact?: { text: string; href: string | null } | null;
}

export type VerifyOutcome =
  /** The receipt and the choice reproduce the recorded hash, and the recorded choice is the one entered. */
  | { kind: "match"; vote: PublicVote }
  /** The receipt proves the record is the voter's, but it holds another choice than the one entered. */
  | { kind: "other_choice"; vote: PublicVote; entered: number }
  /** The hash commits to the entered choice while the record shows another one: the record contradicts itself. */
  | { kind: "contradiction"; vote: PublicVote; entered: number }
  /** The receipt does not reproduce the recorded hash with any choice. */
  | { kind: "receipt_mismatch"; vote: PublicVote; entered: number };

/** Reads the ref as typed (human form or 0x hex); throws InvalidInputError naming "ref". */
export function readRef(text: string): string {
  return parseRef(text);
}

/**
 * Reads the receipt as typed (human form, or 0x and 64 hex digits). Hex is `0x` and hex digits
 * only: a human form may begin with "0X" too (both are Crockford digits), as parseRef says.
 */
export function readReceipt(text: string): string {
  const trimmed = text.trim();
  if (/^0x[0-9a-f]*$/i.test(trimmed)) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(trimmed)) throw new InvalidInputError("receipt", "expected 0x and 64 hex digits");
    return trimmed.toLowerCase();
  }
  return decodeReceipt(trimmed);
}

export function verifyVote(input: {
  chainId: number | string;
  registry: string;
  vote: PublicVote;
  receiptSecret: string;
  choice: number;
}): VerifyOutcome {
  const { vote } = input;
  const hashFor = (choice: number) =>
    computeVoteHash({
      chainId: input.chainId,
      registry: input.registry,
      electionId: vote.electionId,
      ref: vote.ref,
      choice,
      receiptSecret: input.receiptSecret,
    }).toLowerCase();
  const recorded = vote.voteHash.toLowerCase();
  if (hashFor(input.choice) === recorded) {
    return input.choice === vote.choice
      ? { kind: "match", vote }
      : { kind: "contradiction", vote, entered: input.choice };
  }
  if (input.choice !== vote.choice && hashFor(vote.choice) === recorded) {
    return { kind: "other_choice", vote, entered: input.choice };
  }
  return { kind: "receipt_mismatch", vote, entered: input.choice };
}

/** With several records for one ref (an integrity problem), the best outcome for the voter's receipt. */
export function verifyAny(
  input: Omit<Parameters<typeof verifyVote>[0], "vote">,
  votes: PublicVote[],
): VerifyOutcome | null {
  const order: VerifyOutcome["kind"][] = ["match", "contradiction", "other_choice", "receipt_mismatch"];
  let best: VerifyOutcome | null = null;
  for (const vote of votes) {
    const outcome = verifyVote({ ...input, vote });
    if (!best || order.indexOf(outcome.kind) < order.indexOf(best.kind)) best = outcome;
  }
  return best;
}
