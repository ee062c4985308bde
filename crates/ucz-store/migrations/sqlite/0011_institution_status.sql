-- Whether an institution is secured or still to be attracted (유치 예정), and whether it is
-- public or private: the diagnosis counts only secured institutions, and only private ones as
-- private co-investors.
ALTER TABLE institutions ADD COLUMN status TEXT NOT NULL DEFAULT 'secured';
ALTER TABLE institutions ADD COLUMN ownership TEXT;
