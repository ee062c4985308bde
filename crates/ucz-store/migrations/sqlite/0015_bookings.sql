-- Booking the zone's shared resources: resources with their rules (JSON), closures operators
-- add, the trainings firms hold, weekly series, bookings and the waitlist.
--
-- No two bookings hold one resource at once: SQLite has no exclusion constraint, so every
-- booking is written under the database's write lock (BEGIN IMMEDIATE) after a check of the
-- overlaps in the same transaction (ucz-store bookings.rs).

CREATE TABLE resources (
    id TEXT PRIMARY KEY,
    zone_id TEXT,
    hub_id TEXT,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX resources_zone ON resources (zone_id);
CREATE INDEX resources_hub ON resources (hub_id);

CREATE TABLE booking_closures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `zone:<id>` or `hub:<id>`.
    owner TEXT NOT NULL,
    resource_id TEXT,
    from_day TEXT NOT NULL,
    until_day TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX booking_closures_owner ON booking_closures (owner, until_day);

CREATE TABLE trainings (
    owner TEXT NOT NULL,
    training TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    person TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (owner, training, firm_id)
);

CREATE TABLE booking_series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    user_id BIGINT,
    series_id BIGINT,
    -- The booking this one was made with (a bundle's other resources); they change together.
    bundle_of BIGINT,
    -- requested, offered, confirmed, checked_in (holding the slot); declined, cancelled, no_show.
    state TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    -- The end of the slot held: the end and the resource's buffer after it.
    held_until BIGINT NOT NULL,
    -- When a booking not checked in becomes a no-show.
    grace_until BIGINT NOT NULL,
    applicant TEXT NOT NULL,
    price BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    checked_in_at TEXT,
    closed_at TEXT
);
CREATE INDEX bookings_resource ON bookings (resource_id, starts_at);
CREATE INDEX bookings_firm ON bookings (firm_id, starts_at);

CREATE TABLE waitlist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    user_id BIGINT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    held_until BIGINT NOT NULL,
    grace_until BIGINT NOT NULL,
    applicant TEXT NOT NULL,
    price BIGINT NOT NULL,
    -- waiting, offered, cancelled.
    state TEXT NOT NULL,
    booking_id BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX waitlist_resource ON waitlist (resource_id, state, starts_at);
