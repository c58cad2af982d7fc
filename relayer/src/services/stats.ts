/**
 * GET /v1/admin/stats (read by the portal's admin page): every figure from the database, so any
 * API process answers the same. Queries use the partial and BRIN indexes and the small batches
 * table, never a scan of all votes.
 */
import type { Db } from "../db/pool.js";

export interface RelayerStats {
  generatedAt: string;
  queue: { depth: number; oldestQueuedAgeMs: number | null; batchedNotIncluded: number };
  intake: { acceptedPerSecond1m: number; acceptedPerSecond5m: number; paused: boolean };
  submission: { paused: boolean };
  batches: { total: number; inFlight: number; confirmed: number; failed: number; meanSize: number | null };
  latency: {
    windowMinutes: number;
    votes: number;
    acceptToIncludedP50Ms: number | null;
    acceptToIncludedP95Ms: number | null;
  };
  gas: { transactions: number; gasUsed: string; feesSpentWei: string };
  replacements: number;
  failures: { votes: { reason: string; count: number }[]; batches: { reason: string; count: number }[] };
  fees: {
    baseFeePerGasWei: string | null;
    priorityFeePerGasWei: string | null;
    capPerGasWei: string | null;
    aboveCap: boolean;
    waitingReason: string | null;
  };
  worker: {
    signer: string | null;
    heartbeatAt: string | null;
    alive: boolean;
    chainHead: number | null;
    rpcUrl: string | null;
    lastError: string | null;
  };
  /** What counts as final, as the worker saw it at its last head. */
  finality: {
    /** The node's `finalized` block; null where the node serves none. */
    finalizedBlock: number | null;
    /** The highest block the relayer treats as final (the lower of `finalized` and CONFIRMATIONS). */
    finalBlock: number | null;
    confirmations: number | null;
    /** Transactions (and their votes) once reported final and later not on chain: must stay 0. */
    finalMissingTransactions: number;
    finalMissingVotes: number;
  };
  /** The signing key's nonces: the chain's count, ours, and a gap the node lacks (null: none). */
  nonces: {
    chain: number | null;
    next: number | null;
    gap: { from: number; to: number; since: string; ageMs: number } | null;
  };
  elections: {
    electionId: string;
    queued: number;
    oldestQueuedAgeMs: number;
    recordUntil: string;
    estimatedDrainSeconds: number | null;
  }[];
  warnings: { code: string; electionId: string | null; message: string }[];
}

const LATENCY_WINDOW_MINUTES = 15;

export async function readStats(db: Db, options: { maxFeePerGas?: bigint; workerStaleMs?: number } = {}) {
  const staleMs = options.workerStaleMs ?? 15_000;
  const [
    queue,
    intake,
    batches,
    latency,
    gas,
    replacements,
    voteFailures,
    batchFailures,
    worker,
    control,
    perElection,
    finalMissing,
  ] = await Promise.all([
    db.query<{ depth: string; oldest: Date | null; now: Date }>(
      "select count(*) as depth, min(accepted_at) as oldest, now() as now from votes where state = 'queued'",
    ),
    db.query<{ m1: string; m5: string }>(
      `select count(*) filter (where accepted_at > now() - interval '1 minute') as m1, count(*) as m5
           from votes where accepted_at > now() - interval '5 minutes'`,
    ),
    db.query<{
      total: string;
      in_flight: string;
      confirmed: string;
      failed: string;
      mean: string | null;
      open_votes: string;
    }>(
      `select count(*) as total,
                count(*) filter (where state in ('formed', 'submitted', 'included')) as in_flight,
                count(*) filter (where state = 'confirmed') as confirmed,
                count(*) filter (where state = 'failed') as failed,
                avg(vote_count) filter (where state in ('included', 'confirmed')) as mean,
                coalesce(sum(vote_count) filter (where state in ('formed', 'submitted')), 0) as open_votes
           from batches`,
    ),
    db.query<{ votes: string; p50: number | null; p95: number | null }>(
      `select count(*) as votes,
                percentile_cont(0.5) within group (order by extract(epoch from b.included_at - v.accepted_at)) * 1000 as p50,
                percentile_cont(0.95) within group (order by extract(epoch from b.included_at - v.accepted_at)) * 1000 as p95
           from batches b
           join votes v on v.election_id = b.election_id and v.seq >= b.first_seq and v.seq < b.first_seq + b.vote_count
          where b.state in ('included', 'confirmed') and b.included_at > now() - make_interval(mins => $1)`,
      [LATENCY_WINDOW_MINUTES],
    ),
    db.query<{ txs: string; gas: string | null; fees: string | null }>(
      `select count(*) as txs, sum(gas_used) as gas, sum(gas_used * effective_gas_price) as fees
           from chain_txs where gas_used is not null`,
    ),
    db.query<{ n: string }>("select count(*) - count(distinct tx_id) as n from tx_attempts"),
    db.query<{ reason: string; n: string }>(
      "select coalesce(failure_reason, 'unknown') as reason, count(*) as n from votes where state = 'failed' group by 1 order by 2 desc",
    ),
    db.query<{ reason: string; n: string }>(
      "select coalesce(failure_reason, 'unknown') as reason, count(*) as n from batches where state = 'failed' group by 1 order by 2 desc",
    ),
    db.query<{
      signer: string;
      heartbeat_at: Date;
      chain_head: string | null;
      base_fee_per_gas: string | null;
      priority_fee_per_gas: string | null;
      fee_cap_per_gas: string | null;
      waiting_reason: string | null;
      last_error: string | null;
      rpc_url: string | null;
      finalized_block: string | null;
      final_block: string | null;
      confirmations: number | null;
      chain_nonce: string | null;
      next_nonce: string | null;
      nonce_gap_from: string | null;
      nonce_gap_to: string | null;
      nonce_gap_since: Date | null;
    }>("select * from worker_status order by heartbeat_at desc limit 1"),
    db.query<{ intake_paused: boolean; submission_paused: boolean }>(
      "select intake_paused, submission_paused from relayer_control",
    ),
    db.query<{ election_id: string; queued: string; oldest: Date; record_until: Date }>(
      `select q.election_id, q.queued, q.oldest, e.record_until
           from (select election_id, count(*) as queued, min(accepted_at) as oldest
                   from votes where state = 'queued' group by election_id) q
           join elections e on e.election_id = q.election_id
          order by e.record_until`,
    ),
    db.query<{ txs: string; votes: string }>(
      `select count(distinct t.id) as txs, coalesce(sum(b.vote_count), 0) as votes
         from chain_txs t left join batches b on b.tx_id = t.id
        where t.final_missing_at is not null`,
    ),
  ]);

  const q = queue.rows[0];
  // The database's clock: every age below is of a timestamp the database wrote with now().
  const now = (q?.now ?? new Date()).getTime();
  const b = batches.rows[0];
  const l = latency.rows[0];
  const g = gas.rows[0];
  const w = worker.rows[0];
  const c = control.rows[0];
  const m1 = Number(intake.rows[0]?.m1 ?? 0);
  const m5 = Number(intake.rows[0]?.m5 ?? 0);
  const includedPerSecond = l && Number(l.votes) > 0 ? Number(l.votes) / (LATENCY_WINDOW_MINUTES * 60) : 0;

  const warnings: RelayerStats["warnings"] = [];
  const elections = perElection.rows.map((r) => {
    const queued = Number(r.queued);
    const drain = includedPerSecond > 0 ? queued / includedPerSecond : null;
    const secondsLeft = (r.record_until.getTime() - now) / 1000;
    if (secondsLeft <= 0) {
      warnings.push({
        code: "record_until_passed",
        electionId: r.election_id,
        message: `${queued} queued votes and recording ended at ${r.record_until.toISOString()}`,
      });
    } else if ((drain === null && secondsLeft < 600) || (drain !== null && drain + 60 > secondsLeft)) {
      warnings.push({
        code: "record_until_at_risk",
        electionId: r.election_id,
        message: `${queued} queued votes, ${Math.round(secondsLeft)} s until recordUntil, estimated drain ${
          drain === null ? "unknown (nothing recorded lately)" : `${Math.round(drain)} s`
        }`,
      });
    }
    return {
      electionId: r.election_id,
      queued,
      oldestQueuedAgeMs: now - r.oldest.getTime(),
      recordUntil: r.record_until.toISOString(),
      estimatedDrainSeconds: drain === null ? null : Math.round(drain),
    };
  });
  const heartbeat = w?.heartbeat_at ?? null;
  const alive = heartbeat !== null && now - heartbeat.getTime() < staleMs;
  if (!alive && (Number(q?.depth ?? 0) > 0 || Number(b?.in_flight ?? 0) > 0)) {
    warnings.push({
      code: "worker_down",
      electionId: null,
      message: "votes are waiting and no worker reported lately",
    });
  }
  const cap = w?.fee_cap_per_gas ?? (options.maxFeePerGas !== undefined ? options.maxFeePerGas.toString() : null);
  const needed = w?.base_fee_per_gas != null ? BigInt(w.base_fee_per_gas) + BigInt(w.priority_fee_per_gas ?? 0) : null;
  const aboveCap = needed !== null && cap !== null && needed > BigInt(cap);
  if (aboveCap) {
    warnings.push({ code: "fee_above_cap", electionId: null, message: "network fees are above the cap: batches wait" });
  }

  const missingTxs = Number(finalMissing.rows[0]?.txs ?? 0);
  const missingVotes = Number(finalMissing.rows[0]?.votes ?? 0);
  if (missingTxs > 0) {
    warnings.unshift({
      code: "final_vote_missing",
      electionId: null,
      message: `ALARM: ${missingTxs} transaction(s) with ${missingVotes} vote(s) were reported final and later not on chain; they were sent again (see docs/election-day.md)`,
    });
  }
  const gap =
    w?.nonce_gap_from != null && w.nonce_gap_to != null && w.nonce_gap_since
      ? {
          from: Number(w.nonce_gap_from),
          to: Number(w.nonce_gap_to),
          since: w.nonce_gap_since.toISOString(),
          ageMs: Math.max(0, now - w.nonce_gap_since.getTime()),
        }
      : null;
  if (gap && alive) {
    warnings.push({
      code: "nonce_gap",
      electionId: null,
      message: `the node lacks nonces ${gap.from}–${gap.to} of the signing key (for ${Math.round(gap.ageMs / 1000)} s): sending them again`,
    });
  }

  const stats: RelayerStats = {
    generatedAt: new Date(now).toISOString(),
    queue: {
      depth: Number(q?.depth ?? 0),
      oldestQueuedAgeMs: q?.oldest ? now - q.oldest.getTime() : null,
      batchedNotIncluded: Number(b?.open_votes ?? 0),
    },
    intake: { acceptedPerSecond1m: m1 / 60, acceptedPerSecond5m: m5 / 300, paused: c?.intake_paused ?? false },
    submission: { paused: c?.submission_paused ?? false },
    batches: {
      total: Number(b?.total ?? 0),
      inFlight: Number(b?.in_flight ?? 0),
      confirmed: Number(b?.confirmed ?? 0),
      failed: Number(b?.failed ?? 0),
      meanSize: b?.mean == null ? null : Number(b.mean),
    },
    latency: {
      windowMinutes: LATENCY_WINDOW_MINUTES,
      votes: Number(l?.votes ?? 0),
      acceptToIncludedP50Ms: l?.p50 == null ? null : Math.round(Number(l.p50)),
      acceptToIncludedP95Ms: l?.p95 == null ? null : Math.round(Number(l.p95)),
    },
    gas: { transactions: Number(g?.txs ?? 0), gasUsed: g?.gas ?? "0", feesSpentWei: g?.fees ?? "0" },
    replacements: Number(replacements.rows[0]?.n ?? 0),
    failures: {
      votes: voteFailures.rows.map((r) => ({ reason: r.reason, count: Number(r.n) })),
      batches: batchFailures.rows.map((r) => ({ reason: r.reason, count: Number(r.n) })),
    },
    fees: {
      baseFeePerGasWei: w?.base_fee_per_gas ?? null,
      priorityFeePerGasWei: w?.priority_fee_per_gas ?? null,
      capPerGasWei: cap,
      aboveCap,
      waitingReason: w?.waiting_reason ?? null,
    },
    worker: {
      signer: w?.signer ?? null,
      heartbeatAt: heartbeat?.toISOString() ?? null,
      alive,
      chainHead: w?.chain_head == null ? null : Number(w.chain_head),
      rpcUrl: w?.rpc_url ?? null,
      lastError: w?.last_error ?? null,
    },
    finality: {
      finalizedBlock: w?.finalized_block == null ? null : Number(w.finalized_block),
      finalBlock: w?.final_block == null ? null : Number(w.final_block),
      confirmations: w?.confirmations ?? null,
      finalMissingTransactions: missingTxs,
      finalMissingVotes: missingVotes,
    },
    nonces: {
      chain: w?.chain_nonce == null ? null : Number(w.chain_nonce),
      next: w?.next_nonce == null ? null : Number(w.next_nonce),
      gap,
    },
    elections,
    warnings,
  };
  return stats;
}
