-- Leases are the record of who used which space: a firm or a space with leases is not deleted
-- (RESTRICT), whatever requests race.
ALTER TABLE leases DROP CONSTRAINT leases_space_id_fkey;
ALTER TABLE leases ADD CONSTRAINT leases_space_id_fkey
    FOREIGN KEY (space_id) REFERENCES spaces(id) ON DELETE RESTRICT;
ALTER TABLE leases DROP CONSTRAINT leases_firm_id_fkey;
ALTER TABLE leases ADD CONSTRAINT leases_firm_id_fkey
    FOREIGN KEY (firm_id) REFERENCES firms(id) ON DELETE RESTRICT;

-- Each firm record gets an internal key that never changes and is never reused (the public id
-- can be given to a new firm after a deletion): accounts hold the key.
ALTER TABLE firms ADD COLUMN key BIGSERIAL;
CREATE UNIQUE INDEX firms_key ON firms (key);

-- A firm account is bound to its firm's key, and disabled when the firm is deleted. Accounts
-- whose firm no longer exists are disabled now.
ALTER TABLE users ADD COLUMN firm_key BIGINT;
ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
UPDATE users SET firm_key = (SELECT key FROM firms WHERE firms.id = users.firm_id)
    WHERE firm_id IS NOT NULL;
UPDATE users SET disabled = 1 WHERE role = 'firm' AND firm_key IS NULL;

-- API tokens expire; tokens made before expiry existed get 90 days from now.
ALTER TABLE api_tokens ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
UPDATE api_tokens SET
    created_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    expires_at = to_char((now() + interval '90 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
CREATE INDEX api_tokens_user ON api_tokens (user_id);
