-- The catalog as loaded on the server's last start, read-only through the API: one row per entry.
CREATE TABLE catalog_entries (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
