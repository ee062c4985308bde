-- Leases are the record of who used which space: a firm or a space with leases is not deleted
-- (RESTRICT), whatever requests race. SQLite cannot change a foreign key in place: the table is
-- rebuilt, its id sequence kept so that a lease id named in the audit trail is never reused.
CREATE TABLE leases_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'leases';
CREATE TABLE leases_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE RESTRICT,
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE RESTRICT,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    status TEXT NOT NULL,
    renewals BIGINT NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
INSERT INTO leases_new (id, space_id, firm_id, starts, ends, status, renewals, body)
    SELECT id, space_id, firm_id, starts, ends, status, renewals, body FROM leases;
DROP TABLE leases;
ALTER TABLE leases_new RENAME TO leases;
DELETE FROM sqlite_sequence WHERE name = 'leases_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'leases', seq FROM leases_sequence
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'leases');
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM leases_sequence), 0))
    WHERE name = 'leases';
DROP TABLE leases_sequence;
CREATE INDEX leases_space ON leases (space_id);
CREATE INDEX leases_firm ON leases (firm_id);

-- Each firm record gets an internal key that never changes and is never reused (the public id
-- can be given to a new firm after a deletion): accounts hold the key. The keys come from
-- firm_keys, whose AUTOINCREMENT sequence only grows.
ALTER TABLE firms ADD COLUMN key BIGINT;
CREATE TABLE firm_keys (key INTEGER PRIMARY KEY AUTOINCREMENT);
INSERT INTO firm_keys (key) SELECT rowid FROM firms ORDER BY rowid;
UPDATE firms SET key = rowid;
CREATE UNIQUE INDEX firms_key ON firms (key);
CREATE TRIGGER firms_key_given AFTER INSERT ON firms FOR EACH ROW WHEN NEW.key IS NULL
BEGIN
    INSERT INTO firm_keys (key) VALUES (NULL);
    UPDATE firms SET key = last_insert_rowid() WHERE id = NEW.id;
END;

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
UPDATE api_tokens SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
    expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+90 days');
CREATE INDEX api_tokens_user ON api_tokens (user_id);
