-- Each hub gets an internal key that never changes and is never reused, as zones and firms have:
-- a hub's public id can be given to a new hub after a deletion, its key never. The keys come
-- from hub_keys, whose AUTOINCREMENT sequence only grows.
ALTER TABLE hubs ADD COLUMN key BIGINT;
CREATE TABLE hub_keys (key INTEGER PRIMARY KEY AUTOINCREMENT);
INSERT INTO hub_keys (key) SELECT rowid FROM hubs ORDER BY rowid;
UPDATE hubs SET key = rowid;
CREATE UNIQUE INDEX hubs_key ON hubs (key);
CREATE TRIGGER hubs_key_given AFTER INSERT ON hubs FOR EACH ROW WHEN NEW.key IS NULL
BEGIN
    INSERT INTO hub_keys (key) VALUES (NULL);
    UPDATE hubs SET key = last_insert_rowid() WHERE id = NEW.id;
END;
