-- Site suitability requests by the key their scored surface is known by (a hash of the
-- request), so that any server process can score a surface again for its map tiles and
-- downloads: surfaces are kept in each process's memory only. Rows older than a week go when a
-- new one is written.
CREATE TABLE site_requests (
    request_key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
