/** JSON answers of the open-data API: plain objects, dates as ISO strings, big numbers as strings. */
import type { AuditData, ElectionSummary, IndexerStatus, VoteRecord } from "./data.js";

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export function statusJson(s: IndexerStatus | null) {
  if (!s) return null;
  return {
    indexedHeight: s.height,
    chainHead: s.chainHead,
    lag: s.lag,
    finalizedHeight: s.finalizedHeight,
    chainId: s.chainId,
    contractAddress: s.contractAddress,
    updatedAt: s.updatedAt.toISOString(),
    error: s.error,
  };
}

export function summaryJson(e: ElectionSummary) {
  return {
    id: e.id,
    title: e.title,
    phase: e.phase,
    opensAt: e.opensAt.toISOString(),
    closesAt: e.closesAt.toISOString(),
    recordUntil: e.recordUntil.toISOString(),
    closedEarly: e.closedEarly,
    totalVotes: e.totalVotes,
    lastVoteAt: e.lastVoteAt?.toISOString() ?? null,
    complete: e.complete,
  };
}

export function auditJson(a: AuditData) {
  const e = a.election;
  return {
    ...summaryJson(e),
    description: e.description,
    choiceCount: e.choiceCount,
    tally: e.choices.map((c) => ({ choice: c.choice, label: c.label, count: c.count, percent: c.percent })),
    firstVoteAt: e.firstVoteAt?.toISOString() ?? null,
    graceVotes: e.graceVotes,
    created: { block: e.createdAtBlock, at: e.createdAt.toISOString(), tx: e.createdTx },
    metadataHash: e.metadataHash,
    contact: e.contact,
    eligibleVoters: e.eligibleVoters,
    integrity: e.integrity,
    batches: {
      count: a.batches.count,
      meanSize: a.batches.meanSize,
      gasUsed: a.batches.gasUsed,
      gasPerVote: a.batches.gasPerVote,
      feesWei: a.batches.feesWei,
      feePerVoteWei: a.batches.feePerVoteWei,
      recent: a.batches.recent.map((b) => ({ ...b, timestamp: b.timestamp.toISOString() })),
    },
    timeline: {
      granularity: a.timeline.granularity,
      points: a.timeline.points.map((p) => ({ start: p.start.toISOString(), count: p.count })),
    },
    firstVote: a.firstVote ? voteJson(a.firstVote) : null,
    lastVote: a.lastVote ? voteJson(a.lastVote) : null,
  };
}

export function voteJson(v: VoteRecord, s?: IndexerStatus | null) {
  return {
    electionId: v.electionId,
    electionTitle: v.electionTitle,
    seq: v.seq,
    ref: v.ref,
    refText: v.refText,
    choice: v.choice,
    choiceLabel: v.choiceLabel,
    choices: v.choices,
    voteHash: v.voteHash,
    blockNumber: v.blockNumber,
    blockHash: v.blockHash,
    txHash: v.txHash,
    logIndex: v.logIndex,
    timestamp: v.timestamp.toISOString(),
    inGracePeriod: v.inGracePeriod,
    contact: v.contact,
    ...(s
      ? { confirmations: Math.max(0, s.chainHead - v.blockNumber + 1), final: v.blockNumber <= s.finalizedHeight }
      : {}),
  };
}
