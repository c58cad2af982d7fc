/**
 * Every derived value (election aggregates and integrity, time buckets, seq gaps, repeated refs
 * and hashes; for secret elections the ballot counts, invalid-ballot issues, decryption status and
 * the encrypted aggregate) recomputed from the stored votes, ballots, shares and batches, in SQL
 * but for the aggregate (ristretto255 additions in Node). The batch handler keeps these up to date
 * incrementally; this full recomputation is for after a rollback (reorg.ts) and for
 * `npm run verify -w indexer`, which checks the incremental values against it. The ballots'
 * verdicts themselves are not recomputed (the chain check of every proof is the verifier's job).
 */
import type pg from "pg";
import { recomputeAggregates } from "./recompute-aggregates.js";

/** The sequence's rows, votes and sealed ballots alike. */
const RECORDED = `(
  select election_id, seq, timestamp, in_grace_period, block_number, log_index from vote
  union all select election_id, seq, timestamp, in_grace_period, block_number, log_index from ballot
)`;

/** Recomputes every derived table and column. Run inside a transaction. */
export async function recomputeDerived(client: pg.ClientBase): Promise<void> {
  await client.query(`
    update election e set
      total_votes = coalesce(v.total, 0),
      out_of_range_votes = coalesce(v.out_of_range, 0),
      first_vote_at = v.first_at,
      last_vote_at = v.last_at,
      grace_votes = coalesce(v.grace, 0),
      next_expected_seq = coalesce(v.max_seq + 1, 0)
    from election e2 left join (
      select r.election_id, count(*)::int as total,
        (select count(*) from vote v join election el on el.id = v.election_id
          where v.election_id = r.election_id and v.choice >= el.choice_count)::int as out_of_range,
        min(r.timestamp) as first_at, max(r.timestamp) as last_at,
        count(*) filter (where r.in_grace_period)::int as grace, max(r.seq) as max_seq
      from ${RECORDED} r group by r.election_id
    ) v on v.election_id = e2.id
    where e.id = e2.id`);
  await client.query(`
    update election e set
      valid_ballots = coalesce(b.valid, 0), invalid_ballots = coalesce(b.invalid, 0)
    from election e2 left join (
      select election_id, count(*) filter (where valid)::int as valid, count(*) filter (where not valid)::int as invalid
      from ballot group by election_id
    ) b on b.election_id = e2.id
    where e.id = e2.id`);
  await client.query(`
    update election e set
      decryption_shares_received = coalesce(s.received, 0),
      decryption_share_trustees = coalesce(s.trustees, '{}'),
      decryption_threshold_reached = coalesce(cardinality(s.trustees), 0) >= coalesce(e2.threshold, 2147483647)
    from election e2 left join (
      select election_id, count(*)::int as received,
        array_agg(distinct trustee_index order by trustee_index) filter (where valid) as trustees
      from decryption_share group by election_id
    ) s on s.election_id = e2.id
    where e.id = e2.id`);
  await recomputeAggregates(client);
  await client.query(`
    update election e set tally = coalesce((
      select array_agg(coalesce(c.n, 0) order by g.i)
      from generate_series(0, e.choice_count - 1) as g(i)
      left join (select choice, count(*)::int as n from vote where election_id = e.id group by choice) c on c.choice = g.i
    ), '{}')`);
  await client.query(`
    update election e set
      batch_count = coalesce(b.n, 0), gas_used = coalesce(b.gas, 0), fees_wei = coalesce(b.fees, 0)
    from election e2 left join (
      select election_id, count(*)::int as n, sum(gas_used) as gas, sum(fee_wei) as fees from batch group by election_id
    ) b on b.election_id = e2.id
    where e.id = e2.id`);

  await client.query("delete from seq_gap");
  await client.query(`
    insert into seq_gap (id, election_id, from_seq, to_seq)
    select election_id || '-' || from_seq::text, election_id, from_seq, to_seq from (
      select election_id, coalesce(lag(seq) over w + 1, 0) as from_seq, seq - 1 as to_seq
      from ${RECORDED} r window w as (partition by election_id order by seq)
    ) s where to_seq >= from_seq`);
  await client.query(`
    update election e set missing_seq_count = coalesce(
      (select sum(to_seq - from_seq + 1) from seq_gap g where g.election_id = e.id), 0)`);

  await client.query(
    "delete from integrity_issue where kind in ('duplicate_ref', 'duplicate_hash', 'invalid_ballot', 'duplicate_tracker')",
  );
  await client.query(`
    insert into integrity_issue (id, election_id, kind, value, seq, first_seq, block_number)
    select election_id || '-duplicate_tracker-' || seq::text, election_id, 'duplicate_tracker', tracker, seq, first_seq, block_number from (
      select election_id, tracker, seq, block_number,
        first_value(seq) over w as first_seq, row_number() over w as n
      from ballot window w as (partition by election_id, tracker order by block_number, log_index)
    ) s where n > 1`);
  await client.query(`
    insert into integrity_issue (id, election_id, kind, value, seq, first_seq, block_number)
    select election_id || '-invalid_ballot-' || seq::text, election_id, 'invalid_ballot', invalid_reason, seq, seq, block_number
    from ballot where not valid`);
  for (const [kind, column] of [
    ["duplicate_ref", "ref"],
    ["duplicate_hash", "vote_hash"],
  ] as const) {
    await client.query(`
      insert into integrity_issue (id, election_id, kind, value, seq, first_seq, block_number)
      select election_id || '-${kind}-' || seq::text, election_id, '${kind}', ${column}, seq, first_seq, block_number from (
        select election_id, ${column}, seq, block_number,
          first_value(seq) over w as first_seq, row_number() over w as n
        from vote window w as (partition by election_id, ${column} order by block_number, log_index)
      ) s where n > 1`);
  }
  await client.query(`
    update election e set
      duplicate_ref_count = (select count(*) from integrity_issue i where i.election_id = e.id and i.kind = 'duplicate_ref'),
      duplicate_hash_count = (select count(*) from integrity_issue i where i.election_id = e.id and i.kind = 'duplicate_hash'),
      tally_consistent = case when e.secret
        then e.tally_counts is null or (select coalesce(sum(x::numeric), 0) from unnest(e.tally_counts) as x) = e.valid_ballots
        else (select coalesce(sum(x), 0) from unnest(e.tally) as x) = e.total_votes end`);

  await client.query("delete from vote_bucket");
  for (const [granularity, seconds] of [
    ["minute", 60],
    ["hour", 3600],
  ] as const) {
    await client.query(`
      insert into vote_bucket (id, election_id, granularity, start, count)
      select election_id || '-${granularity}-' || start_s::text, election_id, '${granularity}', to_timestamp(start_s), count(*)::int
      from (select election_id, (floor(extract(epoch from timestamp) / ${seconds}) * ${seconds})::bigint as start_s from ${RECORDED} r) v
      group by election_id, start_s`);
  }
}

/** The derived rows, in a fixed order, for comparing the incremental values with a recomputation. */
async function derivedSnapshot(client: pg.ClientBase): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await client.query(sql)).rows;
  return {
    election: await q(`select id, total_votes, tally, out_of_range_votes, first_vote_at, last_vote_at, grace_votes,
      next_expected_seq, missing_seq_count, batch_count, gas_used, fees_wei, duplicate_ref_count,
      duplicate_hash_count, tally_consistent, valid_ballots, invalid_ballots, aggregate_alphas, aggregate_betas,
      decryption_shares_received, decryption_share_trustees, decryption_threshold_reached from election order by id`),
    seq_gap: await q("select id, election_id, from_seq, to_seq from seq_gap order by id"),
    integrity_issue: await q(
      "select id, election_id, kind, value, seq, first_seq, block_number from integrity_issue where kind <> 'duplicate_seq' order by id",
    ),
    vote_bucket: await q("select id, election_id, granularity, start, count from vote_bucket order by id"),
  };
}

export interface VerifyResult {
  ok: boolean;
  /** table → the first differing rows (stored, recomputed). */
  differences: { table: string; stored: unknown; recomputed: unknown }[];
}

/** Compares the stored derived values with a full recomputation, changing nothing. */
export async function verifyDerived(client: pg.ClientBase): Promise<VerifyResult> {
  await client.query("begin isolation level repeatable read");
  try {
    const stored = await derivedSnapshot(client);
    await recomputeDerived(client);
    const recomputed = await derivedSnapshot(client);
    const differences: VerifyResult["differences"] = [];
    for (const table of Object.keys(stored)) {
      const a = stored[table] ?? [];
      const b = recomputed[table] ?? [];
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n && differences.length < 20; i++) {
        if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) differences.push({ table, stored: a[i], recomputed: b[i] });
      }
    }
    return { ok: differences.length === 0, differences };
  } finally {
    await client.query("rollback");
  }
}
