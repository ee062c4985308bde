-- The space ladder: hubs outside the zones, spaces of either a zone facility or a hub with what
-- they admit, leases tying firms to spaces, and rejected placement proposals.
CREATE TABLE hubs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL,
    body TEXT NOT NULL,
    demo BIGINT NOT NULL DEFAULT 0
);
-- SQLite cannot relax a NOT NULL column in place: the table is rebuilt. Its id sequence is
-- kept, so that a deleted space's id (named in the audit trail) is never given to another.
CREATE TABLE spaces_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'spaces';
CREATE TABLE spaces_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id BIGINT REFERENCES facilities(id) ON DELETE CASCADE,
    hub_id TEXT REFERENCES hubs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_m2 DOUBLE PRECISION NOT NULL,
    monthly_rent_krw BIGINT,
    admits TEXT,
    CHECK ((facility_id IS NULL) <> (hub_id IS NULL))
);
INSERT INTO spaces_new (id, facility_id, name, kind, area_m2, monthly_rent_krw)
    SELECT id, facility_id, name, kind, area_m2, monthly_rent_krw FROM spaces;
DROP TABLE spaces;
ALTER TABLE spaces_new RENAME TO spaces;
DELETE FROM sqlite_sequence WHERE name = 'spaces_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'spaces', seq FROM spaces_sequence
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'spaces');
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM spaces_sequence), 0))
    WHERE name = 'spaces';
DROP TABLE spaces_sequence;
CREATE INDEX spaces_facility ON spaces (facility_id);
CREATE INDEX spaces_hub ON spaces (hub_id);
CREATE TABLE leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    status TEXT NOT NULL,
    renewals BIGINT NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX leases_space ON leases (space_id);
CREATE INDEX leases_firm ON leases (firm_id);
CREATE TABLE placement_rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    UNIQUE (firm_id, space_id)
);
