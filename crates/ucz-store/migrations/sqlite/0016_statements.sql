-- Monthly statements of a zone to its firms: the rent history of leases, statements and credit
-- notes (never edited; numbered without gaps per zone and year), and payments recorded by hand.
CREATE TABLE lease_terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lease_id BIGINT NOT NULL,
    from_day TEXT NOT NULL,
    rent BIGINT NOT NULL,
    deposit BIGINT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX lease_terms_lease ON lease_terms (lease_id, from_day);

CREATE TABLE statement_numbers (
    zone_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (zone_id, year)
);

CREATE TABLE statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    -- The month billed: its first day.
    month TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    -- statement or credit (a credit note reversing `credits`).
    kind TEXT NOT NULL,
    credits BIGINT,
    lines TEXT NOT NULL,
    supply BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    total BIGINT NOT NULL,
    reason TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
-- A month is issued once per firm unless its statement was credited (checked under the write
-- lock when issuing); a statement is credited once.
CREATE INDEX statements_month ON statements (zone_id, month, firm_id);
CREATE UNIQUE INDEX statements_credited_once ON statements (credits) WHERE kind = 'credit';
CREATE INDEX statements_firm ON statements (firm_id, month);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX payments_statement ON payments (statement_id);
