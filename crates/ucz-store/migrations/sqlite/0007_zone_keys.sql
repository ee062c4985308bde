-- Each zone record gets an internal key that never changes and is never reused (the public id
-- can be given to a new zone after a deletion): operator accounts hold the key, so an account of
-- a deleted zone never reaches a later zone of the same id. The keys come from zone_keys, whose
-- AUTOINCREMENT sequence only grows.
ALTER TABLE zones ADD COLUMN key BIGINT;
CREATE TABLE zone_keys (key INTEGER PRIMARY KEY AUTOINCREMENT);
INSERT INTO zone_keys (key) SELECT rowid FROM zones ORDER BY rowid;
UPDATE zones SET key = rowid;
CREATE UNIQUE INDEX zones_key ON zones (key);
CREATE TRIGGER zones_key_given AFTER INSERT ON zones FOR EACH ROW WHEN NEW.key IS NULL
BEGIN
    INSERT INTO zone_keys (key) VALUES (NULL);
    UPDATE zones SET key = last_insert_rowid() WHERE id = NEW.id;
END;

-- An operator account is bound to its zone's key, and disabled when the zone is deleted.
-- Accounts whose zone is gone already are disabled now.
ALTER TABLE users ADD COLUMN zone_key BIGINT;
UPDATE users SET zone_key = (SELECT key FROM zones WHERE zones.id = users.zone_id)
    WHERE role = 'operator';
UPDATE users SET disabled = 1 WHERE role = 'operator' AND zone_key IS NULL;
