/**
 * The indexer's database as its readers see it (the portal, its test seeds, the bench): each
 * table's columns and the row Postgres gives for them. Bigint columns are read as text
 * (`column::text`, see `selectList`): a JavaScript number would lose digits. The generated models
 * (model/) are the writer's view; read-model.test.ts checks these lists against the migrated schema.
 */

export const ELECTION_COLUMNS = [
  "id",
  "choice_count",
  "opens_at",
  "closes_at",
  "record_until",
  "metadata_hash",
  "metadata_raw",
  "metadata_valid",
  "metadata_error",
  "title",
  "description",
  "choice_labels",
  "created_at_block",
  "created_at",
  "created_tx",
  "closed",
  "closed_at",
  "closed_at_block",
  "scheduled_closes_at",
  "total_votes",
  "tally",
  "first_vote_at",
  "last_vote_at",
  "batch_count",
  "gas_used",
  "fees_wei",
  "grace_votes",
  "next_expected_seq",
  "missing_seq_count",
  "duplicate_ref_count",
  "duplicate_hash_count",
  "tally_consistent",
  "out_of_range_votes",
  "created_event_seen",
  "secret",
  "election_key",
  "threshold",
  "trustee_count",
  "ceremony_record",
  "ceremony_record_error",
  "valid_ballots",
  "invalid_ballots",
  "aggregate_alphas",
  "aggregate_betas",
  "decryption_shares_received",
  "decryption_share_trustees",
  "decryption_threshold_reached",
  "tally_counts",
  "tally_proof",
  "tally_published_at_block",
  "tally_tx",
  "tally_valid",
  "tally_error",
] as const;

export interface ElectionRow {
  id: string;
  choice_count: number;
  opens_at: Date;
  closes_at: Date;
  record_until: Date;
  metadata_hash: string;
  metadata_raw: string;
  metadata_valid: boolean;
  metadata_error: string | null;
  title: string | null;
  description: string | null;
  choice_labels: string[] | null;
  created_at_block: number;
  created_at: Date;
  created_tx: string;
  closed: boolean;
  closed_at: Date | null;
  closed_at_block: number | null;
  scheduled_closes_at: Date;
  total_votes: number;
  tally: number[];
  first_vote_at: Date | null;
  last_vote_at: Date | null;
  batch_count: number;
  gas_used: string;
  fees_wei: string;
  grace_votes: number;
  next_expected_seq: string;
  missing_seq_count: string;
  duplicate_ref_count: number;
  duplicate_hash_count: number;
  tally_consistent: boolean;
  out_of_range_votes: number;
  created_event_seen: boolean;
  /** A secret election: sealed ballots (the ballot table), no clear votes; the columns below are its. */
  secret: boolean;
  election_key: string | null;
  threshold: number | null;
  trustee_count: number | null;
  /** The ceremony record as emitted (UTF-8 JSON of a veritally/election-key/v1 file). */
  ceremony_record: Buffer | null;
  /** Null when the ceremony record verifies and matches the election; else why not. */
  ceremony_record_error: string | null;
  valid_ballots: number;
  invalid_ballots: number;
  /** The encrypted aggregate of the valid ballots, per choice (0x-hex points). */
  aggregate_alphas: string[] | null;
  aggregate_betas: string[] | null;
  decryption_shares_received: number;
  /** Trustees with a verified share, ascending. */
  decryption_share_trustees: number[];
  decryption_threshold_reached: boolean;
  /** The published counts, decimal strings (uint64). */
  tally_counts: string[] | null;
  tally_proof: Buffer | null;
  tally_published_at_block: number | null;
  tally_tx: string | null;
  /** Null before a tally is published. */
  tally_valid: boolean | null;
  tally_error: string | null;
}

export const VOTE_COLUMNS = [
  "id",
  "election_id",
  "seq",
  "ref",
  "choice",
  "vote_hash",
  "block_number",
  "block_hash",
  "timestamp",
  "tx_hash",
  "log_index",
  "batch_id",
  "in_grace_period",
] as const;

export interface VoteRow {
  id: string;
  election_id: string;
  seq: string;
  ref: string;
  choice: number;
  vote_hash: string;
  block_number: number;
  block_hash: string;
  timestamp: Date;
  tx_hash: string;
  log_index: number;
  batch_id: string;
  in_grace_period: boolean;
}

export const BALLOT_COLUMNS = [
  "id",
  "election_id",
  "seq",
  "tracker",
  "ballot",
  "block_number",
  "block_hash",
  "timestamp",
  "tx_hash",
  "log_index",
  "batch_id",
  "in_grace_period",
  "valid",
  "invalid_reason",
] as const;

export interface BallotRow {
  id: string;
  election_id: string;
  seq: string;
  /** SHA-256 of the ballot's bytes, 0x-hex. */
  tracker: string;
  ballot: Buffer;
  block_number: number;
  block_hash: string;
  timestamp: Date;
  tx_hash: string;
  log_index: number;
  batch_id: string;
  in_grace_period: boolean;
  valid: boolean;
  invalid_reason: string | null;
}

export const DECRYPTION_SHARE_COLUMNS = [
  "id",
  "election_id",
  "trustee_index",
  "share",
  "block_number",
  "timestamp",
  "tx_hash",
  "log_index",
  "valid",
  "error",
] as const;

export interface DecryptionShareRow {
  id: string;
  election_id: string;
  trustee_index: number;
  /** As emitted (UTF-8 JSON of a veritally/decryption-share/v1 file). */
  share: Buffer;
  block_number: number;
  timestamp: Date;
  tx_hash: string;
  log_index: number;
  valid: boolean;
  error: string | null;
}

export const BATCH_COLUMNS = [
  "id",
  "election_id",
  "first_seq",
  "count",
  "block_number",
  "timestamp",
  "tx_hash",
  "gas_used",
  "effective_gas_price",
  "fee_wei",
  "in_grace_period",
] as const;

export interface BatchRow {
  id: string;
  election_id: string;
  first_seq: string;
  count: number;
  block_number: number;
  timestamp: Date;
  tx_hash: string;
  gas_used: string | null;
  effective_gas_price: string | null;
  fee_wei: string | null;
  in_grace_period: boolean;
}

export const VOTE_BUCKET_COLUMNS = ["id", "election_id", "granularity", "start", "count"] as const;

export interface VoteBucketRow {
  id: string;
  election_id: string;
  granularity: "minute" | "hour";
  start: Date;
  count: number;
}

export const SEQ_GAP_COLUMNS = ["id", "election_id", "from_seq", "to_seq"] as const;

export interface SeqGapRow {
  id: string;
  election_id: string;
  from_seq: string;
  to_seq: string;
}

export const INTEGRITY_ISSUE_COLUMNS = [
  "id",
  "election_id",
  "kind",
  "value",
  "seq",
  "first_seq",
  "block_number",
] as const;

export interface IntegrityIssueRow {
  id: string;
  election_id: string;
  kind: "duplicate_ref" | "duplicate_hash" | "duplicate_seq" | "invalid_ballot" | "duplicate_tracker";
  value: string;
  seq: string;
  first_seq: string;
  block_number: number;
}

export const INDEXER_STATUS_COLUMNS = [
  "id",
  "height",
  "head_hash",
  "chain_head",
  "chain_head_at",
  "updated_at",
  "lag",
  "finalized_height",
  "chain_id",
  "contract_address",
  "start_block",
  "error",
  "error_block",
] as const;

export interface IndexerStatusRow {
  id: string;
  height: number;
  head_hash: string;
  chain_head: number;
  chain_head_at: Date | null;
  updated_at: Date;
  lag: number;
  finalized_height: number;
  chain_id: number;
  contract_address: string;
  start_block: number;
  error: string | null;
  error_block: number | null;
}

export const INDEXED_BLOCK_COLUMNS = ["id", "height", "hash", "timestamp"] as const;

export interface IndexedBlockRow {
  id: string;
  height: number;
  hash: string;
  timestamp: Date;
}

/** Each table's columns, by table name. */
export const READ_MODEL = {
  election: ELECTION_COLUMNS,
  vote: VOTE_COLUMNS,
  ballot: BALLOT_COLUMNS,
  decryption_share: DECRYPTION_SHARE_COLUMNS,
  batch: BATCH_COLUMNS,
  vote_bucket: VOTE_BUCKET_COLUMNS,
  seq_gap: SEQ_GAP_COLUMNS,
  integrity_issue: INTEGRITY_ISSUE_COLUMNS,
  indexer_status: INDEXER_STATUS_COLUMNS,
  indexed_block: INDEXED_BLOCK_COLUMNS,
} as const;
export type ReadModelTable = keyof typeof READ_MODEL;

/** The numeric(78)/bigint columns, read as text so that no digit is lost. */
export const BIGINT_COLUMNS: ReadonlySet<string> = new Set([
  "gas_used",
  "fees_wei",
  "next_expected_seq",
  "missing_seq_count",
  "seq",
  "first_seq",
  "effective_gas_price",
  "fee_wei",
  "from_seq",
  "to_seq",
]);

/**
 * A select list for `columns` of a table (optionally qualified by `alias`), with bigint columns
 * cast to text and named as themselves, so that rows come out as the Row types above say.
 */
export function selectList(columns: readonly string[], alias?: string): string {
  const prefix = alias ? `${alias}.` : "";
  return columns.map((c) => (BIGINT_COLUMNS.has(c) ? `${prefix}${c}::text as ${c}` : `${prefix}${c}`)).join(", ");
}
