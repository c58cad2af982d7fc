-- How a client's voter ids are compared after canonicalisation (NFKC, trimmed):
-- 'fold' (case-insensitive) or 'exact' (case-sensitive); null: the relayer's VOTER_ID_CASE.
alter table clients add column voter_id_case text check (voter_id_case in ('fold', 'exact'));
