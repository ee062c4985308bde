-- Accounts founders make themselves: the verified address and what the privacy notice lets
-- ucz keep (name, phone, business registration number), the consent given, and removal.
-- Personal columns are cleared when an account is removed; the row stays as a pseudonym.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email_verified_at TEXT;
ALTER TABLE users ADD COLUMN name TEXT;
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN business_number TEXT;
ALTER TABLE users ADD COLUMN consent_version TEXT;
ALTER TABLE users ADD COLUMN consent_at TEXT;
ALTER TABLE users ADD COLUMN created_at TEXT;
ALTER TABLE users ADD COLUMN removed_at TEXT;
-- The secret an account's unsubscribe links carry (it only stops kinds of mail).
ALTER TABLE users ADD COLUMN unsubscribe_token TEXT;
CREATE UNIQUE INDEX users_email ON users (email);
CREATE UNIQUE INDEX users_unsubscribe ON users (unsubscribe_token);

-- Sessions as their account lists them.
ALTER TABLE sessions ADD COLUMN created_at TEXT;
ALTER TABLE sessions ADD COLUMN agent TEXT;

-- One-time links mailed to an account: verify its address, or reset its password. The secret
-- is kept as its hash; a link is used once and expires.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX account_links_user ON account_links (user_id);

-- A founder's firm asking to be a zone's tenant record; the zone's operator decides.
CREATE TABLE zone_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    firm_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT
);
CREATE INDEX zone_links_zone ON zone_links (zone_id, status);

-- An account's notices (its inbox); `dedup` makes each one of a kind, `digested_at` says it
-- went out in a digest.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    dedup TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    digested_at TEXT,
    UNIQUE (user_id, dedup)
);

-- The kinds of mail an account stopped (one row each).
CREATE TABLE mail_stops (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Mail on its way: queued, sent, held (no relay configured: read by administrators in the
-- browser) or failed (after its last try). `dedup` makes a digest one per account and day.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL,
    dedup TEXT UNIQUE,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);

-- Scheduled work: each job's next run, claimed by one process at a time (compare and set on
-- `next_run_at`), and how its last run went.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    next_run_at TEXT NOT NULL,
    last_run_at TEXT,
    last_outcome TEXT,
    runs BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0
);
