-- Running a zone's programs: a published call's competition (its form, rubric, budget and rules
-- as JSON), the applications firms make, the files they upload (content-addressed), the call's
-- evaluators with their affiliations, declared conflicts, assignments and scores, the results
-- once published, objections, agreements, KPI filings (every version kept) and the dated facts
-- of firms that filings and edits record.
CREATE TABLE competitions (
    call_id BIGINT PRIMARY KEY,
    zone_id TEXT NOT NULL,
    setup TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    results TEXT,
    published_at TEXT
);

CREATE TABLE award_files (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- Base64 of the content; NULL when the files live in a directory every server shares.
    content TEXT,
    created_at TEXT NOT NULL
);

-- Who uploaded which file for which call and question, with the name it gave: an answer may
-- only name a file its firm uploaded for that question.
CREATE TABLE award_uploads (
    sha256 TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    call_id BIGINT NOT NULL,
    question TEXT NOT NULL,
    name TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (firm_id, call_id, question, sha256)
);

CREATE TABLE applications (
    id BIGSERIAL PRIMARY KEY,
    call_id BIGINT NOT NULL,
    firm_id TEXT NOT NULL,
    user_id BIGINT,
    state TEXT NOT NULL,
    answers TEXT NOT NULL,
    requested BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    receipt TEXT,
    receipt_hash TEXT
);
CREATE INDEX applications_call ON applications (call_id, state);
CREATE INDEX applications_firm ON applications (firm_id);

CREATE TABLE award_evaluators (
    call_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    affiliations TEXT NOT NULL,
    invited_at TEXT NOT NULL,
    PRIMARY KEY (call_id, user_id)
);
CREATE INDEX award_evaluators_user ON award_evaluators (user_id);

CREATE TABLE award_conflicts (
    application_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (application_id, user_id)
);

CREATE TABLE award_assignments (
    call_id BIGINT NOT NULL,
    stage TEXT NOT NULL,
    application_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (stage, application_id, user_id)
);
CREATE INDEX award_assignments_user ON award_assignments (call_id, user_id);

CREATE TABLE award_scores (
    call_id BIGINT NOT NULL,
    stage TEXT NOT NULL,
    application_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    sheet TEXT NOT NULL,
    comment TEXT NOT NULL,
    scored_at TEXT NOT NULL,
    PRIMARY KEY (stage, application_id, user_id)
);
CREATE INDEX award_scores_call ON award_scores (call_id, stage);

CREATE TABLE award_objections (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL,
    text TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    answer TEXT,
    answered_at TEXT
);
CREATE INDEX award_objections_application ON award_objections (application_id);

CREATE TABLE agreements (
    application_id BIGINT PRIMARY KEY,
    call_id BIGINT NOT NULL,
    firm_id TEXT NOT NULL,
    body TEXT NOT NULL,
    signed_at TEXT NOT NULL
);

CREATE TABLE filings (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL,
    period BIGINT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    UNIQUE (application_id, period, version)
);

CREATE TABLE firm_facts (
    id BIGSERIAL PRIMARY KEY,
    firm_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value BIGINT NOT NULL,
    as_of TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX firm_facts_firm ON firm_facts (firm_id, field, as_of);
