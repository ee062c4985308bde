-- Worker housing of a zone (act Art. 30, decree Art. 21): units, the employees firms invite to
-- apply, special supply rounds, applications with their documents and verdicts, offers after
-- the draw, and households' tenancies. Personal data (declarations, documents) is erased after
-- the round's retention period; the rows keep their hashes.
CREATE TABLE housing_units (
    id TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX housing_units_zone ON housing_units (zone_id);

CREATE TABLE housing_employees (
    firm_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    -- The name the firm gave its employee (the firm sees this, not the account's own).
    name TEXT NOT NULL,
    invited_at TEXT NOT NULL,
    PRIMARY KEY (firm_id, user_id)
);
CREATE INDEX housing_employees_user ON housing_employees (user_id);

CREATE TABLE housing_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    -- open (taking applications in its period), frozen (list and random source published),
    -- drawn (result published).
    state TEXT NOT NULL,
    setup TEXT NOT NULL,
    -- {list, list_hash, random_source, random_at}, written once when frozen.
    frozen TEXT,
    -- The published draw (ucz_core::housing::Published), written once.
    published TEXT,
    created_at TEXT NOT NULL,
    frozen_at TEXT,
    drawn_at TEXT,
    erased_at TEXT
);
CREATE INDEX housing_rounds_zone ON housing_rounds (zone_id);

CREATE TABLE housing_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    -- The employer (a founder's own firm).
    firm_id TEXT NOT NULL,
    founder BIGINT NOT NULL,
    -- Given when first submitted: <round code>-<001>.
    number TEXT,
    -- draft, submitted, withdrawn.
    state TEXT NOT NULL,
    declaration TEXT NOT NULL,
    -- SHA-256 of the declaration as last written (kept after erasure).
    declaration_hash TEXT NOT NULL,
    employer_verdict TEXT,
    verdicts TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    erased_at TEXT,
    UNIQUE (round_id, user_id),
    UNIQUE (round_id, number)
);
CREATE INDEX housing_applications_firm ON housing_applications (firm_id);

CREATE TABLE housing_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    -- Base64; empty once erased.
    content TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX housing_documents_application ON housing_documents (application_id, kind);

CREATE TABLE housing_offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id BIGINT NOT NULL,
    application_id BIGINT NOT NULL,
    number TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    -- offered, accepted, refused, lapsed.
    state TEXT NOT NULL,
    deadline BIGINT NOT NULL,
    offered_at TEXT NOT NULL,
    decided_at TEXT
);
-- A unit is offered to one household at a time in a round, a household one unit.
CREATE UNIQUE INDEX housing_offers_unit ON housing_offers (round_id, unit_id) WHERE state IN ('offered', 'accepted');
CREATE UNIQUE INDEX housing_offers_application ON housing_offers (application_id) WHERE state IN ('offered', 'accepted');
-- A unit waits for one answer at a time, whichever round offered it.
CREATE UNIQUE INDEX housing_offers_open_unit ON housing_offers (unit_id) WHERE state = 'offered';

CREATE TABLE tenancies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    application_id BIGINT,
    holder TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- [from_day, until_day) in days since 1970-01-01: the term as a range.
    from_day BIGINT NOT NULL,
    until_day BIGINT NOT NULL,
    rent BIGINT NOT NULL,
    deposit BIGINT NOT NULL,
    renewals BIGINT NOT NULL,
    -- signed, ended.
    state TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
CREATE INDEX tenancies_unit ON tenancies (unit_id, from_day);
CREATE INDEX tenancies_zone ON tenancies (zone_id);
