-- Open calls (공고) from K-Startup, 기업마당 and the zones: one row per call of a source, the
-- record in `body`; `group_id` joins the same call from the two portals; `revision` orders
-- every change so that a search index or a matcher catches up from where it was.
CREATE TABLE calls (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    group_id BIGINT NOT NULL,
    grouped_by_hand BIGINT NOT NULL DEFAULT 0,
    group_key TEXT NOT NULL,
    closes_at TEXT,
    rule_state TEXT NOT NULL,
    zone TEXT,
    revision BIGINT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX calls_group_key ON calls (group_key);
CREATE INDEX calls_revision ON calls (revision);
CREATE INDEX calls_group_id ON calls (group_id);

-- What an account did with a call: bookmarked (관심사업), viewed, applied; one row per kind,
-- its latest time.
CREATE TABLE call_marks (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    call_id BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    marked_at TEXT NOT NULL,
    PRIMARY KEY (user_id, call_id, kind)
);

-- An account's private calendar feed: the hash of its secret (the URL holds the secret).
CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
