/**
 * Writes elections into an indexer database (the tables of schema.graphql, with the aggregates
 * the indexer would compute) and the matching records into a relayer database (its real schema),
 * fast enough for a million votes (COPY). Used by the portal's tests; bench/portal.ts writes its
 * election row with insertElection (exported as @veritally/portal/testing/seed).
 * Refs and hashes are pseudo-random from a seed unless the caller gives real votes.
 */
import { randomBytes } from "node:crypto";
import { ELECTION_COLUMNS } from "@veritally/indexer/read-model";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

export interface SeedVote {
  seq: number;
  ref: string;
  choice: number;
  voteHash: string;
}

export interface ElectionSeed {
  id: string;
  /** The clock the default times are placed around (default: the wall clock). */
  now?: Date;
  title?: string;
  description?: string;
  choices?: string[];
  opensAt?: Date;
  closesAt?: Date;
  recordUntil?: Date;
  /** A count (generated votes) or the votes themselves, seq 0, 1, 2, … */
  votes: number | SeedVote[];
  batchSize?: number;
  /** Time of the first batch; one batch every secondsPerBatch after it. */
  firstBatchAt?: Date;
  secondsPerBatch?: number;
  firstBlock?: number;
  /** More fields of the metadata JSON (contact, eligibleVoters). */
  metadataExtra?: Record<string, unknown>;
  /** Seqs left out of the chain side: the indexer records them as a gap. */
  omitFromChain?: number[];
  seed?: number;
}

export interface SeededBatch {
  relayerId: number;
  txHash: string;
  blockNumber: number;
  timestamp: Date;
  firstSeq: number;
  count: number;
}

export interface SeededElection {
  id: string;
  choices: string[];
  totalOnChain: number;
  tally: number[];
  batches: SeededBatch[];
  lastBlock: number;
  /** The i-th vote (seq i), generated on demand. */
  vote(seq: number): SeedVote;
  voteCount: number;
}

/** xorshift128+: fast, deterministic, good enough for test data. */
function prng(seed: number) {
  let s0 = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
  let s1 = (BigInt(seed) ^ 0x5deece66dn) + 0xbf58476d1ce4e5b9n;
  const mask = (1n << 64n) - 1n;
  return () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = (x ^ (x << 23n)) & mask;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (s1 + y) & mask;
  };
}

function hexOf(next: () => bigint, bytes: number): string {
  let out = "0x";
  for (let i = 0; i < bytes; i += 8) out += next().toString(16).padStart(16, "0");
  return out.slice(0, 2 + bytes * 2);
}

/** A cheap stand-in for random refs and hashes: deterministic per (seed, seq). */
export function generatedVote(seed: number, seq: number, choices: number): SeedVote {
  const next = prng(seed * 1_000_003 + seq + 1);
  next();
  const ref = hexOf(next, 16);
  const voteHash = hexOf(next, 32);
  // Uneven shares, so the tally chart has something to show.
  const r = Number(next() % 1000n);
  const choice = r < 460 ? 0 : r < 780 ? 1 % choices : (2 + (r % Math.max(1, choices - 2))) % choices;
  return { seq, ref, choice, voteHash };
}

function expand(spec: ElectionSeed) {
  const choices = spec.choices ?? ["Yes", "No", "Abstain"];
  const given = Array.isArray(spec.votes) ? spec.votes : undefined;
  const count = given ? given.length : (spec.votes as number);
  const seed = spec.seed ?? Number(BigInt(spec.id) % 100_000n) + 7;
  const vote = (seq: number): SeedVote => given?.[seq] ?? generatedVote(seed, seq, choices.length);
  const batchSize = spec.batchSize ?? 100;
  const secondsPerBatch = spec.secondsPerBatch ?? 2;
  const now = spec.now?.getTime() ?? Date.now();
  const firstBatchAt = spec.firstBatchAt ?? new Date(now - Math.ceil(count / batchSize) * secondsPerBatch * 1000);
  const firstBlock = spec.firstBlock ?? 100;
  const next = prng(seed + 99);
  const batches: SeededBatch[] = [];
  for (let first = 0, k = 0; first < count; first += batchSize, k++) {
    batches.push({
      relayerId: 0,
      txHash: hexOf(next, 32),
      blockNumber: firstBlock + k,
      timestamp: new Date(firstBatchAt.getTime() + k * secondsPerBatch * 1000),
      firstSeq: first,
      count: Math.min(batchSize, count - first),
    });
  }
  return { choices, count, vote, batches, batchSize };
}

const GAS_FIXED = 35_491n;
const GAS_PER_VOTE = 3_926n;
const GAS_PRICE = 1_500_000_000n;

async function copyRows(client: pg.PoolClient | pg.Client, sql: string, rows: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  let chunk = "";
  for (const row of rows) {
    chunk += row;
    if (chunk.length > 1 << 20) {
      if (!stream.write(chunk)) await new Promise((r) => stream.once("drain", r));
      chunk = "";
    }
  }
  stream.end(chunk);
  await done;
}

function iso(d: Date): string {
  return d.toISOString();
}

/**
 * The election row as the indexer writes it (all 34 columns of schema.graphql's Election); the
 * aggregates default to an election with no vote yet. Shared by this file and bench/portal.ts.
 */
export interface ElectionInsert {
  id: string;
  choices: string[];
  opensAt: Date;
  closesAt: Date;
  recordUntil: Date;
  metadataRaw: string;
  /** Default: keccak-like random bytes (nothing checks it against metadataRaw). */
  metadataHash?: string;
  title: string;
  description: string;
  createdAtBlock: number;
  createdAt: Date;
  createdTx?: string;
  totalVotes?: number;
  tally?: number[];
  firstVoteAt?: Date | null;
  lastVoteAt?: Date | null;
  batchCount?: number;
  gasUsed?: string;
  feesWei?: string;
  nextExpectedSeq?: number;
}

export async function insertElection(client: pg.PoolClient | pg.Client, e: ElectionInsert): Promise<void> {
  // Every column of the indexer's read model, by name: a column added there fails to compile here.
  const row: Record<(typeof ELECTION_COLUMNS)[number], unknown> = {
    id: e.id,
    choice_count: e.choices.length,
    opens_at: e.opensAt,
    closes_at: e.closesAt,
    record_until: e.recordUntil,
    metadata_hash: e.metadataHash ?? `0x${randomBytes(32).toString("hex")}`,
    metadata_raw: e.metadataRaw,
    metadata_valid: true,
    metadata_error: null,
    title: e.title,
    description: e.description,
    choice_labels: e.choices,
    created_at_block: e.createdAtBlock,
    created_at: e.createdAt,
    created_tx: e.createdTx ?? `0x${randomBytes(32).toString("hex")}`,
    closed: false,
    closed_at: null,
    closed_at_block: null,
    scheduled_closes_at: e.closesAt,
    total_votes: e.totalVotes ?? 0,
    tally: e.tally ?? e.choices.map(() => 0),
    first_vote_at: e.firstVoteAt ?? null,
    last_vote_at: e.lastVoteAt ?? null,
    batch_count: e.batchCount ?? 0,
    gas_used: e.gasUsed ?? "0",
    fees_wei: e.feesWei ?? "0",
    grace_votes: 0,
    next_expected_seq: String(e.nextExpectedSeq ?? 0),
    missing_seq_count: "0",
    duplicate_ref_count: 0,
    duplicate_hash_count: 0,
    tally_consistent: true,
    out_of_range_votes: 0,
    created_event_seen: true,
    // An open election: none of the secret election's columns apply.
    secret: false,
    election_key: null,
    threshold: null,
    trustee_count: null,
    ceremony_record: null,
    ceremony_record_error: null,
    valid_ballots: 0,
    invalid_ballots: 0,
    aggregate_alphas: null,
    aggregate_betas: null,
    decryption_shares_received: 0,
    decryption_share_trustees: [],
    decryption_threshold_reached: false,
    tally_counts: null,
    tally_proof: null,
    tally_published_at_block: null,
    tally_tx: null,
    tally_valid: null,
    tally_error: null,
  };
  await client.query(
    `insert into election (${ELECTION_COLUMNS.join(", ")}) values (${ELECTION_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")})`,
    ELECTION_COLUMNS.map((column) => row[column]),
  );
}

/** Writes one election with its votes, batches, buckets, gaps and aggregates. */
export async function seedIndexerElection(
  client: pg.PoolClient | pg.Client,
  spec: ElectionSeed,
): Promise<SeededElection> {
  const { choices, count, vote, batches } = expand(spec);
  const omit = new Set(spec.omitFromChain ?? []);
  const tally = choices.map(() => 0);
  const minute = new Map<number, number>();
  const hour = new Map<number, number>();
  let total = 0;
  let firstVoteAt: Date | null = null;
  let lastVoteAt: Date | null = null;
  const blockHash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

  function* voteRows(): Generator<string> {
    for (const b of batches) {
      for (let i = 0; i < b.count; i++) {
        const seq = b.firstSeq + i;
        if (omit.has(seq)) continue;
        const v = vote(seq);
        total++;
        tally[v.choice] = (tally[v.choice] ?? 0) + 1;
        const t = b.timestamp.getTime();
        minute.set(Math.floor(t / 60_000) * 60_000, (minute.get(Math.floor(t / 60_000) * 60_000) ?? 0) + 1);
        hour.set(Math.floor(t / 3_600_000) * 3_600_000, (hour.get(Math.floor(t / 3_600_000) * 3_600_000) ?? 0) + 1);
        firstVoteAt ??= b.timestamp;
        lastVoteAt = b.timestamp;
        yield `${spec.id}-${seq}\t${seq}\t${v.ref}\t${v.choice}\t${v.voteHash}\t${b.blockNumber}\t${blockHash(
          b.blockNumber,
        )}\t${iso(b.timestamp)}\t${b.txHash}\t${i}\tf\t${spec.id}\t${b.txHash}-${b.count}\n`;
      }
    }
  }

  const now = spec.now?.getTime() ?? Date.now();
  const opensAt = spec.opensAt ?? new Date((batches[0]?.timestamp.getTime() ?? now) - 3_600_000);
  const closesAt = spec.closesAt ?? new Date(now + 3_600_000);
  const recordUntil = spec.recordUntil ?? new Date(closesAt.getTime() + 3_600_000);
  const metadata = JSON.stringify({
    title: spec.title ?? `Election ${spec.id}`,
    description: spec.description ?? "",
    choices,
    ...spec.metadataExtra,
  });
  // Election first (foreign keys), aggregates after the votes are written.
  await insertElection(client, {
    id: spec.id,
    choices,
    opensAt,
    closesAt,
    recordUntil,
    metadataRaw: metadata,
    title: spec.title ?? `Election ${spec.id}`,
    description: spec.description ?? "",
    createdAtBlock: (spec.firstBlock ?? 100) - 1,
    createdAt: opensAt,
  });
  let gasTotal = 0n;
  let feeTotal = 0n;
  await copyRows(
    client,
    `copy batch (id, first_seq, count, block_number, timestamp, tx_hash, gas_used, effective_gas_price, fee_wei,
       in_grace_period, election_id) from stdin`,
    (function* () {
      for (const b of batches) {
        const gas = GAS_FIXED + GAS_PER_VOTE * BigInt(b.count);
        gasTotal += gas;
        feeTotal += gas * GAS_PRICE;
        yield `${b.txHash}-${b.count}\t${b.firstSeq}\t${b.count}\t${b.blockNumber}\t${iso(b.timestamp)}\t${b.txHash}\t${gas}\t${GAS_PRICE}\t${
          gas * GAS_PRICE
        }\tf\t${spec.id}\n`;
      }
    })(),
  );
  await copyRows(
    client,
    `copy vote (id, seq, ref, choice, vote_hash, block_number, block_hash, timestamp, tx_hash, log_index,
       in_grace_period, election_id, batch_id) from stdin`,
    voteRows(),
  );
  const bucketRows = function* (): Generator<string> {
    for (const [granularity, map] of [
      ["minute", minute],
      ["hour", hour],
    ] as const) {
      for (const [start, n] of map) {
        yield `${spec.id}-${granularity}-${start / 1000}\t${granularity}\t${new Date(start).toISOString()}\t${n}\t${spec.id}\n`;
      }
    }
  };
  await copyRows(client, "copy vote_bucket (id, granularity, start, count, election_id) from stdin", bucketRows());
  // Gaps: runs of omitted seqs below the highest recorded one.
  const present = (seq: number) => seq < count && !omit.has(seq);
  let maxSeq = -1;
  for (let s = count - 1; s >= 0; s--) {
    if (present(s)) {
      maxSeq = s;
      break;
    }
  }
  const gaps: [number, number][] = [];
  for (const s of [...omit].sort((a, b) => a - b)) {
    if (s > maxSeq) continue;
    const last = gaps[gaps.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else gaps.push([s, s]);
  }
  let missing = 0;
  for (const [from, to] of gaps) {
    missing += to - from + 1;
    await client.query("insert into seq_gap (id, election_id, from_seq, to_seq) values ($1, $2, $3, $4)", [
      `${spec.id}-${from}`,
      spec.id,
      from,
      to,
    ]);
  }
  await client.query(
    `update election set total_votes = $2, tally = $3, first_vote_at = $4, last_vote_at = $5, batch_count = $6,
       gas_used = $7, fees_wei = $8, next_expected_seq = $9, missing_seq_count = $10 where id = $1`,
    [
      spec.id,
      total,
      tally,
      firstVoteAt,
      lastVoteAt,
      batches.length,
      gasTotal.toString(),
      feeTotal.toString(),
      maxSeq + 1,
      missing,
    ],
  );
  const lastBlock = batches[batches.length - 1]?.blockNumber ?? (spec.firstBlock ?? 100) - 1;
  return { id: spec.id, choices, totalOnChain: total, tally, batches, lastBlock, vote, voteCount: count };
}

/** The indexer's status row, as the indexer writes it after processing `height`. */
export async function seedIndexerStatus(
  client: pg.PoolClient | pg.Client,
  s: {
    height: number;
    chainHead?: number;
    chainId?: number;
    contractAddress?: string;
    error?: string | null;
    updatedAt?: Date;
  },
): Promise<void> {
  const head = s.chainHead ?? s.height;
  await client.query(
    `insert into indexer_status (id, height, head_hash, chain_head, chain_head_at, updated_at, lag, finalized_height,
       chain_id, contract_address, start_block, error, error_block)
     values ('status', $1, $2, $3, $9, $9, $4, $5, $6, $7, 1, $8, null)
     on conflict (id) do update set height = excluded.height, head_hash = excluded.head_hash,
       chain_head = excluded.chain_head, chain_head_at = excluded.chain_head_at, updated_at = excluded.updated_at,
       lag = excluded.lag, finalized_height = excluded.finalized_height, chain_id = excluded.chain_id,
       contract_address = excluded.contract_address, error = excluded.error`,
    [
      s.height,
      `0x${s.height.toString(16).padStart(64, "0")}`,
      head,
      head - s.height,
      Math.max(0, s.height - 5),
      s.chainId ?? 31337,
      (s.contractAddress ?? "0x5fbdb2315678afecb367f032d93f642f64180aa3").toLowerCase(),
      s.error ?? null,
      // The test's clock, which the portal shares (not Postgres's now(): the year-ahead run moves it).
      s.updatedAt ?? new Date(),
    ],
  );
}

export interface RelayerSeedOptions {
  /** Seqs the relayer does not know (an on-chain vote it never accepted). */
  unknownSeqs?: number[];
  /** Changes to single votes as the relayer holds them (planted mismatches). */
  alter?: (vote: SeedVote) => SeedVote;
  /** Extra votes accepted but not yet batched. */
  queued?: { ref: string; choice: number; voteHash: string; acceptedAt?: Date }[];
  /** Extra votes that failed (never sent to the chain). */
  failed?: { ref: string; choice: number; voteHash: string; reason?: string }[];
  /** Batch state for all batches (default confirmed). */
  batchState?: "submitted" | "included" | "confirmed";
}

function bytea(hex: string): string {
  // COPY text format: a backslash is written as two.
  return `\\\\x${hex.slice(2)}`;
}

/**
 * Writes the relayer's records of a seeded election: its elections row, one batches row per
 * batch and one votes row per vote, as the relayer's worker leaves them once confirmed.
 */
export async function seedRelayerElection(
  client: pg.PoolClient | pg.Client,
  spec: ElectionSeed,
  options: RelayerSeedOptions = {},
): Promise<void> {
  const { choices, vote, batches } = expand(spec);
  const unknown = new Set(options.unknownSeqs ?? []);
  const now = spec.now?.getTime() ?? Date.now();
  const opensAt = spec.opensAt ?? new Date(now - 3_600_000);
  const closesAt = spec.closesAt ?? new Date(now + 3_600_000);
  const recordUntil = spec.recordUntil ?? new Date(closesAt.getTime() + 3_600_000);
  await client.query(
    `insert into elections (election_id, source, state, choice_count, opens_at, closes_at, record_until, metadata, next_seq)
     values ($1, 'relayer', 'active', $2, $3, $4, $5, $6, $7)`,
    [
      spec.id,
      choices.length,
      opensAt,
      closesAt,
      recordUntil,
      JSON.stringify({ title: spec.title ?? `Election ${spec.id}`, choices }),
      batches.reduce((n, b) => n + b.count, 0),
    ],
  );
  const state = options.batchState ?? "confirmed";
  const ids = await client.query<{ id: string }>(
    `insert into batches (election_id, first_seq, vote_count, state, tx_hash, block_number, created_at, submitted_at,
       included_at, confirmed_at)
     select $1, f, c, $2, decode(h, 'hex'), case when $2 = 'submitted' then null else b end, t - interval '2 seconds',
            t - interval '1 second', case when $2 = 'submitted' then null else t end,
            case when $2 = 'confirmed' then t end
       from unnest($3::bigint[], $4::int[], $5::text[], $6::bigint[], $7::timestamptz[]) as x(f, c, h, b, t)
     returning id`,
    [
      spec.id,
      state,
      batches.map((b) => b.firstSeq),
      batches.map((b) => b.count),
      batches.map((b) => b.txHash.slice(2)),
      batches.map((b) => b.blockNumber),
      batches.map((b) => b.timestamp),
    ],
  );
  batches.forEach((b, i) => {
    b.relayerId = Number(ids.rows[i]?.id);
  });
  const voterHash = prng(Number(BigInt(spec.id) % 100_000n) + 31);
  function* rows(): Generator<string> {
    for (const b of batches) {
      const accepted = iso(new Date(b.timestamp.getTime() - 3000));
      for (let i = 0; i < b.count; i++) {
        const seq = b.firstSeq + i;
        if (unknown.has(seq)) continue;
        const v = options.alter ? options.alter(vote(seq)) : vote(seq);
        yield `${spec.id}\t1\t${bytea(hexOf(voterHash, 32))}\t${bytea(v.ref)}\t${v.choice}\t${bytea(v.voteHash)}\tbatched\t${seq}\t${b.relayerId}\t\\N\t${accepted}\n`;
      }
    }
    for (const q of options.queued ?? []) {
      yield `${spec.id}\t1\t${bytea(hexOf(voterHash, 32))}\t${bytea(q.ref)}\t${q.choice}\t${bytea(q.voteHash)}\tqueued\t\\N\t\\N\t\\N\t${iso(q.acceptedAt ?? new Date())}\n`;
    }
    for (const f of options.failed ?? []) {
      yield `${spec.id}\t1\t${bytea(hexOf(voterHash, 32))}\t${bytea(f.ref)}\t${f.choice}\t${bytea(f.voteHash)}\tfailed\t\\N\t\\N\t${f.reason ?? "election_closed"}\t${iso(new Date())}\n`;
    }
  }
  await copyRows(
    client,
    `copy votes (election_id, client_id, voter_hash, ref, choice, vote_hash, state, seq, batch_id, failure_reason,
       accepted_at) from stdin`,
    rows(),
  );
}
