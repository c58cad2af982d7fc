/**
 * The plain answer at the top of an election's page, worked out from its figures and where the
 * indexer stands: is the count provisional or final, who leads and by how much, the turnout where
 * a roll exists, and what "complete" means at this moment. Pure: the clock comes in as `now`.
 */
import type { ElectionDetail } from "./elections.js";
import type { IndexerStatus } from "./indexer-status.js";

export type Finality = "not_open" | "provisional" | "final";

export interface ElectionAnswer {
  finality: Finality;
  /** One sentence on why the count is provisional or final. */
  finalityText: string;
  /** Choices with the most votes (several on a tie); empty before the first vote. */
  leaders: { label: string; count: number; percent: number }[];
  leaderText: string;
  /** Share of the roll that voted, 0–100, when the metadata gives the roll. */
  turnoutPercent: number | null;
  /** The indexed block the figures are as of, and how long ago the indexer wrote it (s). */
  asOfBlock: number | null;
  ageSeconds: number | null;
  /** What the completeness checks mean now (open: so far; final: for good). */
  completenessText: string;
}

export function electionAnswer(
  e: ElectionDetail,
  status: IndexerStatus | null,
  lastVoteBlock: number | null,
  now: number,
): ElectionAnswer {
  const allFinal =
    status !== null && status.error === null && (lastVoteBlock === null || lastVoteBlock <= status.finalizedHeight);
  let finality: Finality;
  let finalityText: string;
  if (e.phase === "scheduled") {
    finality = "not_open";
    finalityText = "Voting has not opened yet.";
  } else if (e.phase === "open") {
    finality = "provisional";
    finalityText = "Provisional: voting is open, and the figures grow as votes are recorded.";
  } else if (e.phase === "recording") {
    finality = "provisional";
    finalityText =
      "Provisional: voting has closed; votes cast in time may still be recorded until the recording period ends.";
  } else if (!allFinal) {
    finality = "provisional";
    finalityText = "Provisional: recording has ended, but the latest blocks holding votes are not final yet.";
  } else {
    finality = "final";
    finalityText = "Final: recording has ended and every block holding a vote is final.";
  }

  const top = Math.max(0, ...e.choices.map((c) => c.count));
  const leaders =
    e.totalVotes === 0 || top === 0
      ? []
      : e.choices.filter((c) => c.count === top).map((c) => ({ label: c.label, count: c.count, percent: c.percent }));
  const share = (p: number) => `${p.toFixed(1)} %`;
  const verb = finality === "final" ? "won" : "leads";
  const leaderText =
    leaders.length === 0
      ? "No vote is recorded yet."
      : leaders.length === 1
        ? `${leaders[0]?.label} ${verb} with ${share(leaders[0]?.percent ?? 0)} of the votes.`
        : `A tie: ${leaders.map((l) => l.label).join(" and ")} have ${share(leaders[0]?.percent ?? 0)} each.`;

  const roll = e.eligibleVoters;
  const turnoutPercent = roll ? Math.round((e.totalVotes / roll) * 1000) / 10 : null;

  const lastSeq = BigInt(e.integrity.nextExpectedSeq) - 1n;
  let completenessText: string;
  if (!e.integrity.complete) {
    completenessText = "The record has a problem: see the checks below.";
  } else if (e.totalVotes === 0) {
    completenessText =
      e.phase === "scheduled" || e.phase === "open"
        ? "Nothing is missing so far, because no vote is recorded yet."
        : "No vote was recorded.";
  } else {
    const run = `the ${e.totalVotes.toLocaleString("en-US")} votes recorded carry the sequence numbers 0 to ${lastSeq.toLocaleString("en-US")} with no gap and no repeat, and the tally adds up`;
    completenessText =
      finality === "final"
        ? `Complete: ${run}. Nothing can be added any more.`
        : `Complete so far: ${run}. More votes may still be recorded, so this is not the final count.`;
  }
  return {
    finality,
    finalityText,
    leaders,
    leaderText,
    turnoutPercent,
    asOfBlock: status?.height ?? null,
    ageSeconds: status ? Math.max(0, Math.round((now - status.updatedAt.getTime()) / 1000)) : null,
    completenessText,
  };
}
