-- The system of record: zones and what they hold, firms, accounts, and the audit trail.
-- Dates are ISO 8601 text; structured values (lists, firm profiles) are JSON text; booleans 0/1.
CREATE TABLE zones (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,            -- the zone's top-level fields as JSON
    demo BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE facilities (
    id BIGSERIAL PRIMARY KEY,
    zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    floor_area_m2 DOUBLE PRECISION NOT NULL,
    units BIGINT,
    planned BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE spaces (
    id BIGSERIAL PRIMARY KEY,
    facility_id BIGINT NOT NULL REFERENCES facilities(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_m2 DOUBLE PRECISION NOT NULL,
    monthly_rent_krw BIGINT
);
CREATE TABLE institutions (
    id BIGSERIAL PRIMARY KEY,
    zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE firms (
    id TEXT PRIMARY KEY,
    zone TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL,
    stage TEXT NOT NULL,
    body TEXT NOT NULL,            -- the firm profile as JSON
    demo BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX firms_zone ON firms(zone);
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    zone_id TEXT,
    firm_id TEXT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL
);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
