-- Each hub gets an internal key that never changes and is never reused, as zones and firms have:
-- a hub's public id can be given to a new hub after a deletion, its key never.
ALTER TABLE hubs ADD COLUMN key BIGSERIAL;
CREATE UNIQUE INDEX hubs_key ON hubs (key);
