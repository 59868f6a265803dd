-- Columns and tables the management figures aggregate over (docs/metrics.md), filled on
-- write from the record so the report is index-backed SQL, not a scan of JSON.
-- local_day / local_week: Amsterdam date and ISO week of the start (a contact across
-- midnight belongs to the day it started). Rows written before this migration stay NULL.
ALTER TABLE contacts ADD COLUMN ended_at TEXT;
ALTER TABLE contacts ADD COLUMN handling_seconds REAL;
ALTER TABLE contacts ADD COLUMN local_day TEXT;
ALTER TABLE contacts ADD COLUMN local_week TEXT;
CREATE INDEX contacts_day_channel ON contacts (local_day, channel, status, handling_seconds);
CREATE TABLE contact_questions (
    contact_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    outcome TEXT,
    product TEXT,
    closed INTEGER NOT NULL,
    local_day TEXT NOT NULL,
    PRIMARY KEY (contact_id, idx)
);
CREATE INDEX contact_questions_day ON contact_questions (local_day, contact_id);
ALTER TABLE tasks ADD COLUMN done_at TEXT;
ALTER TABLE tasks ADD COLUMN local_day TEXT;
ALTER TABLE tasks ADD COLUMN local_week TEXT;
ALTER TABLE tasks ADD COLUMN product TEXT;
CREATE INDEX tasks_day_team ON tasks (local_day, team, status, due_at, done_at);
