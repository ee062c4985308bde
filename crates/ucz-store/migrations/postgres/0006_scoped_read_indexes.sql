-- Indexes for the reads scoped to one record: a zone's facilities and institutions, a space's
-- placement rejections, an account's sessions, a firm's accounts, a region's hubs and firms, and
-- the audit row of a recorded head. (Spaces by facility or hub, leases by space or firm, firms
-- by zone and tokens by account have theirs.)
CREATE INDEX facilities_zone ON facilities (zone_id);
CREATE INDEX institutions_zone ON institutions (zone_id);
CREATE INDEX placement_rejections_space ON placement_rejections (space_id);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX users_firm_key ON users (firm_key);
CREATE INDEX hubs_region ON hubs (region);
CREATE INDEX firms_region ON firms (region);
CREATE INDEX audit_hash ON audit (hash);
-- SQLite's spaces got this index when the table was rebuilt (0003); PostgreSQL's did not.
CREATE INDEX spaces_facility ON spaces (facility_id);
