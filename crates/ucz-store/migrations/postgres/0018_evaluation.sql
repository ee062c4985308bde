-- The records of a zone's evaluation that coordinators enter (act Art. 29, decree Art. 20): its
-- basic plan's checklist, targets per indicator and year, milestones of the development project,
-- investment records with their evidence, and the dates of its statutory procedure. A record is
-- never edited in place: each change closes the current version (valid_to) and writes the next
-- (valid_from), and a delete only closes it, so an evaluation as of a past moment reads the
-- versions valid then.
CREATE TABLE evaluation_records (
    version BIGSERIAL PRIMARY KEY,
    zone_id TEXT NOT NULL,
    -- plan, target, milestone, investment or procedure.
    kind TEXT NOT NULL,
    -- The record within its zone and kind: the milestone's or investment's id,
    -- <indicator>/<year> for a target, the kind itself for the plan and the procedure.
    record_key TEXT NOT NULL,
    body TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    actor TEXT NOT NULL
);
-- One current version per record.
CREATE UNIQUE INDEX evaluation_records_current ON evaluation_records (zone_id, kind, record_key)
    WHERE valid_to IS NULL;
CREATE INDEX evaluation_records_kind ON evaluation_records (kind, zone_id, valid_from);
-- As-of reads of the audited records (leases, firms) walk their audit rows by entity.
CREATE INDEX audit_entity_at ON audit (entity, at);

-- A filing's correction no longer deletes the facts of the version it corrects: it marks them
-- superseded, so an evaluation as of before the correction reads the figures filed then.
ALTER TABLE firm_facts ADD COLUMN superseded_at TEXT;
