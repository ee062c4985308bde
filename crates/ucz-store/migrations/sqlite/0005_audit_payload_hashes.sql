-- Audit rows from now on (version 2) store a hash of their payload (`before`, `after`) with a
-- random salt, and chain over that hash instead of the payload text, so that a payload's personal
-- data can be erased (`erased_at` set, the payload replaced by a marker, the salt removed) with the
-- chain still verifying — and without the salt, the kept hash does not confirm a guess of what
-- was erased. Rows
-- written before keep version 1 and verify with the digest they were written with: their
-- hashes, which an operator may have recorded, do not change.
ALTER TABLE audit ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit ADD COLUMN payload_hash TEXT;
ALTER TABLE audit ADD COLUMN payload_salt TEXT;
ALTER TABLE audit ADD COLUMN erased_at TEXT;

-- The chain stays linear: no two rows written from now on follow the same row. (Rows written
-- before may hold a fork made by two processes writing at once, which this does not refuse.)
CREATE UNIQUE INDEX audit_one_successor ON audit (prev_hash) WHERE version >= 2;
