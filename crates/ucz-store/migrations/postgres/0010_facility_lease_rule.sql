-- An incubator's own lease terms (JSON `{max_months, renewal_months, max_renewals}`, each
-- optional), replacing the catalog's default for its rooms; NULL keeps the default.
ALTER TABLE facilities ADD COLUMN lease_rule TEXT;
