-- The placement plans shown: one version per change of a scope's proposals, so that the next
-- plan keeps what it can of the last and changes can be followed.
CREATE TABLE placement_plans (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL,
    version BIGINT NOT NULL,
    made_at TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (scope, version)
);
