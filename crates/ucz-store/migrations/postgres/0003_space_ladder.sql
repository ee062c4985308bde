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
ALTER TABLE spaces ALTER COLUMN facility_id DROP NOT NULL;
ALTER TABLE spaces ADD COLUMN hub_id TEXT REFERENCES hubs(id) ON DELETE CASCADE;
ALTER TABLE spaces ADD COLUMN admits TEXT;
ALTER TABLE spaces ADD CONSTRAINT spaces_one_home CHECK ((facility_id IS NULL) <> (hub_id IS NULL));
CREATE INDEX spaces_hub ON spaces (hub_id);
CREATE TABLE leases (
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    UNIQUE (firm_id, space_id)
);
