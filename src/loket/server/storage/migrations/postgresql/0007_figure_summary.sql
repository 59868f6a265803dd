-- Figures at scale (docs/metrics.md, docs/decisions.md): talk and wrap-up time and the
-- satisfaction score where recorded; per task the first callback attempt, the callback
-- norm's deadline and the time to resolve. Rows written before this migration keep NULL
-- there (not recorded). Discarded contacts are in no figure: their question rows go.
ALTER TABLE contacts ADD COLUMN talk_seconds DOUBLE PRECISION;
ALTER TABLE contacts ADD COLUMN wrapup_seconds DOUBLE PRECISION;
ALTER TABLE contacts ADD COLUMN satisfaction INTEGER;
ALTER TABLE tasks ADD COLUMN first_callback_at TEXT;
ALTER TABLE tasks ADD COLUMN callback_due_at TEXT;
ALTER TABLE tasks ADD COLUMN resolve_seconds DOUBLE PRECISION;
DELETE FROM contact_questions WHERE contact_id IN (SELECT id FROM contacts WHERE status = 'discarded');
-- The contact's channel and district on its task, copied when the task is made.
ALTER TABLE tasks ADD COLUMN channel TEXT;
ALTER TABLE tasks ADD COLUMN district TEXT;
UPDATE tasks SET channel = (SELECT c.channel FROM contacts c WHERE c.id = tasks.contact_id), district = (SELECT c.district FROM contacts c WHERE c.id = tasks.contact_id);
-- Grouping a contact by team or product joins its tasks or questions by contact id.
CREATE INDEX tasks_contact ON tasks (contact_id, team);
-- Day summaries of the contact figures per grouping (dim), day and group, and the counts
-- per duration bucket behind median and p90; rebuilt per day from the rows
-- (loket.server.storage.figures). figure_state: the change seq they are built up to and
-- the days still open (read from the rows).
CREATE TABLE figure_days (
    dim TEXT NOT NULL,
    local_day TEXT NOT NULL,
    local_week TEXT,
    grp TEXT NOT NULL,
    contacts INTEGER NOT NULL DEFAULT 0,
    handled INTEGER NOT NULL DEFAULT 0,
    handling_sum DOUBLE PRECISION,
    talked INTEGER NOT NULL DEFAULT 0,
    talk_sum DOUBLE PRECISION,
    wrapped INTEGER NOT NULL DEFAULT 0,
    wrapup_sum DOUBLE PRECISION,
    rated INTEGER NOT NULL DEFAULT 0,
    satisfaction_sum INTEGER,
    questions INTEGER NOT NULL DEFAULT 0,
    without_outcome INTEGER NOT NULL DEFAULT 0,
    fcr_counted INTEGER NOT NULL DEFAULT 0,
    fcr_resolved INTEGER NOT NULL DEFAULT 0,
    routed INTEGER NOT NULL DEFAULT 0,
    with_outcome INTEGER NOT NULL DEFAULT 0,
    fcr_contacts_counted INTEGER NOT NULL DEFAULT 0,
    fcr_contacts_resolved INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, local_day, grp)
);
CREATE INDEX figure_days_day ON figure_days (local_day);
CREATE TABLE figure_hist (
    dim TEXT NOT NULL,
    local_day TEXT NOT NULL,
    local_week TEXT,
    grp TEXT NOT NULL,
    measure TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (dim, local_day, grp, measure, bucket)
);
CREATE INDEX figure_hist_day ON figure_hist (local_day);
CREATE TABLE figure_state (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
