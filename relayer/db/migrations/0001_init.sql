-- The relayer's database: the votes table is the queue (no broker), every chain transaction and
-- every signed attempt is a row written before it is broadcast.

-- What chain and registry this database belongs to: one database never mixes two deployments.
create table relayer_meta (
  singleton boolean primary key default true check (singleton),
  chain_id bigint not null,
  registry_address text not null,
  created_at timestamptz not null default now()
);

-- Global switches set by the admin API and read by every API process and the worker.
create table relayer_control (
  singleton boolean primary key default true check (singleton),
  intake_paused boolean not null default false,
  submission_paused boolean not null default false,
  updated_at timestamptz not null default now()
);
insert into relayer_control (singleton) values (true);

create table clients (
  id bigserial primary key,
  name text not null unique,
  -- null: the server's default (RATE_LIMIT_PER_MINUTE)
  rate_limit_per_minute integer check (rate_limit_per_minute > 0),
  webhook_url text,
  -- HMAC key for webhook signatures; needed in clear to sign
  webhook_secret text,
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);

create table api_keys (
  id bigserial primary key,
  client_id bigint not null references clients (id),
  -- public identifier, the part of the key before the secret; shown in listings
  key_id text not null unique,
  -- sha256 of the whole key; the key itself is never stored
  key_hash bytea not null check (length(key_hash) = 32),
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index api_keys_client on api_keys (client_id);

create table elections (
  election_id numeric(78, 0) primary key check (election_id >= 0),
  -- 'relayer': created through the admin API; 'chain': created on chain by someone else, read from it
  source text not null check (source in ('relayer', 'chain')),
  -- creating: createElection not yet mined; active: on chain; failed: creation reverted
  state text not null check (state in ('creating', 'active', 'failed')),
  choice_count integer not null check (choice_count >= 2 and choice_count <= 65535),
  opens_at timestamptz not null,
  closes_at timestamptz not null,
  record_until timestamptz not null,
  metadata jsonb,
  -- intake closed by the admin API (closeElection is then sent); votes after it get 422
  closed_at timestamptz,
  -- whether the chain says the election is closed
  chain_closed boolean not null default false,
  intake_paused boolean not null default false,
  -- the seq the next formed batch starts at; only the worker (one per signing key) moves it
  next_seq bigint not null default 0 check (next_seq >= 0),
  -- set when a batch of this election reverted: no new batch until it is reconciled with the chain
  needs_reconcile boolean not null default false,
  failure_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One logical chain transaction per nonce of the signing key. Attempts (replacements at the same
-- nonce) are rows of tx_attempts.
create table chain_txs (
  id bigserial primary key,
  signer text not null,
  nonce bigint not null check (nonce >= 0),
  kind text not null check (kind in ('record_batch', 'create_election', 'close_election')),
  election_id numeric(78, 0) not null,
  status text not null check (status in ('pending', 'submitted', 'mined', 'confirmed', 'failed')),
  to_address text not null,
  data bytea not null,
  gas_limit bigint not null,
  -- filled from the receipt
  mined_attempt_id bigint,
  block_number bigint,
  block_hash bytea,
  receipt_status smallint,
  gas_used bigint,
  effective_gas_price numeric(78, 0),
  revert_reason text,
  created_at timestamptz not null default now(),
  mined_at timestamptz,
  updated_at timestamptz not null default now()
);
create unique index chain_txs_signer_nonce on chain_txs (signer, nonce);
create index chain_txs_open on chain_txs (signer, nonce) where status not in ('confirmed', 'failed');

create table tx_attempts (
  id bigserial primary key,
  tx_id bigint not null references chain_txs (id),
  hash bytea not null unique check (length(hash) = 32),
  -- the signed transaction, stored before it is broadcast so a restart can re-broadcast it
  raw bytea not null,
  max_fee_per_gas numeric(78, 0) not null,
  max_priority_fee_per_gas numeric(78, 0) not null,
  -- pending: stored, not yet accepted by a node; submitted: a node accepted it;
  -- replaced: a later attempt at the same nonce superseded it; mined: this one is in a block
  status text not null check (status in ('pending', 'submitted', 'replaced', 'mined')),
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  broadcast_count integer not null default 0
);
create index tx_attempts_tx on tx_attempts (tx_id);

create table batches (
  id bigserial primary key,
  election_id numeric(78, 0) not null references elections (election_id),
  first_seq bigint not null check (first_seq >= 0),
  vote_count integer not null check (vote_count > 0),
  -- formed: seqs assigned, not yet signed; submitted: sent (attempts exist); included: mined;
  -- confirmed: CONFIRMATIONS deep; failed: reverted or reconciled away (its votes requeued or failed)
  state text not null check (state in ('formed', 'submitted', 'included', 'confirmed', 'failed')),
  tx_id bigint references chain_txs (id),
  -- latest attempt's hash while submitted, the mined one once included
  tx_hash bytea,
  block_number bigint,
  -- why a formed batch is not sent yet (fee_cap, submission_paused, contract_paused, ...)
  waiting_reason text,
  failure_reason text,
  created_at timestamptz not null default now(),
  submitted_at timestamptz,
  included_at timestamptz,
  confirmed_at timestamptz
);
-- Seqs of live batches never overlap; a failed batch's seqs are given again.
create unique index batches_live_seq on batches (election_id, first_seq) where state <> 'failed';
create index batches_open on batches (id) where state in ('formed', 'submitted', 'included');
create index batches_included_at on batches (included_at);

create table votes (
  id bigserial primary key,
  election_id numeric(78, 0) not null references elections (election_id),
  client_id bigint not null,
  -- HMAC-SHA256(VOTER_ID_SECRET, electionId ":" voterId): one vote per voter, the id never in clear
  voter_hash bytea not null check (length(voter_hash) = 32),
  ref bytea not null check (length(ref) = 16),
  choice integer not null check (choice >= 0 and choice <= 65535),
  vote_hash bytea not null check (length(vote_hash) = 32),
  -- queued: waiting for a batch; batched: in batch_id with seq (the batch's state says the rest);
  -- failed: will not be recorded, failure_reason says why
  state text not null default 'queued' check (state in ('queued', 'batched', 'failed')),
  seq bigint check (seq >= 0),
  batch_id bigint,
  failure_reason text,
  accepted_at timestamptz not null default now(),
  check ((state = 'batched') = (seq is not null and batch_id is not null))
);
create unique index votes_voter on votes (election_id, voter_hash);
create unique index votes_ref on votes (ref);
create unique index votes_seq on votes (election_id, seq);
-- the queue
create index votes_queued on votes (election_id, id) where state = 'queued';
-- failures by reason (few rows)
create index votes_failed on votes (failure_reason) where state = 'failed';
-- accepted-per-second statistics; BRIN costs next to nothing on an append-only timestamp
create index votes_accepted_at on votes using brin (accepted_at);

-- An Idempotency-Key's first answer, returned again for a retried request. It holds the receipt,
-- so rows are deleted after IDEMPOTENCY_TTL_HOURS.
create table idempotency_keys (
  client_id bigint not null,
  key text not null,
  request_hash bytea not null,
  vote_id bigint not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (client_id, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);

create table webhook_deliveries (
  id bigserial primary key,
  client_id bigint not null references clients (id),
  event text not null,
  payload jsonb not null,
  state text not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state = 'pending';

-- What the worker last saw, for stats, vote status (confirmations) and /ready.
create table worker_status (
  signer text primary key,
  heartbeat_at timestamptz not null,
  chain_head bigint,
  base_fee_per_gas numeric(78, 0),
  priority_fee_per_gas numeric(78, 0),
  fee_cap_per_gas numeric(78, 0),
  waiting_reason text,
  last_error text,
  rpc_url text
);

-- The portal's cross-check page reads this view through veritally_audit_reader. Column names
-- and order are a contract with the portal: add columns only at the end.
create view vote_audit as
select
  v.election_id,
  v.seq,
  v.ref,
  v.choice,
  v.vote_hash,
  case
    when v.state = 'queued' then 'queued'
    when v.state = 'failed' then 'failed'
    when b.state = 'submitted' then 'submitted'
    when b.state = 'included' then 'included'
    when b.state = 'confirmed' then 'confirmed'
    else 'batched'
  end as status,
  v.failure_reason,
  v.accepted_at,
  case when b.state in ('submitted', 'included', 'confirmed') then b.tx_hash end as tx_hash,
  case when b.state in ('included', 'confirmed') then b.block_number end as block_number
from votes v
left join batches b on b.id = v.batch_id;

do $$
begin
  if not exists (select from pg_roles where rolname = 'veritally_audit_reader') then
    create role veritally_audit_reader nologin;
  end if;
exception
  -- another database on the same server created it at the same moment (roles are per server)
  when duplicate_object or unique_violation then null;
end
$$;
grant usage on schema public to veritally_audit_reader;
grant select on vote_audit to veritally_audit_reader;
