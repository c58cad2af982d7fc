-- Finality and nonce gaps (issue: a confirmed vote is final; a reorg never loses or stalls anything).

-- A nonce below ours that nothing stored holds (signed elsewhere and lost) is filled with a
-- zero-value transfer to the key itself.
alter table chain_txs drop constraint chain_txs_kind_check;
alter table chain_txs add constraint chain_txs_kind_check
  check (kind in ('record_batch', 'create_election', 'close_election', 'fill_nonce'));

-- Set when a transaction reported final (confirmed or failed) was later not on chain: the gravest
-- alarm of the relayer. It stays set, as the record that it happened.
alter table chain_txs add column final_missing_at timestamptz;

-- What the worker saw at its last head: the finality rule in force and the key's nonces.
alter table worker_status
  add column finalized_block bigint,
  add column final_block bigint,
  add column confirmations integer,
  add column chain_nonce bigint,
  add column next_nonce bigint,
  add column nonce_gap_from bigint,
  add column nonce_gap_to bigint,
  add column nonce_gap_since timestamptz;
