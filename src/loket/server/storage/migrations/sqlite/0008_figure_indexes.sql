-- Covering indexes for the report (docs/benchmarks.md): the task figures and the open
-- days' contact and question figures read an index only, never the wide rows with their
-- JSON records. The duration histogram is stored in its key's order (WITHOUT ROWID), so
-- a period's rows are one range of the table itself.
DROP INDEX tasks_day_team;
CREATE INDEX tasks_figures ON tasks (local_day, status, team, created_by, product, channel, district, local_week, due_at, done_at, first_callback_at, callback_due_at, resolve_seconds);
CREATE INDEX contacts_figures ON contacts (local_day, status, channel, agent, district, local_week, handling_seconds, talk_seconds, wrapup_seconds, satisfaction, id);
CREATE INDEX contact_questions_figures ON contact_questions (local_day, contact_id, idx, outcome, product, closed);
CREATE TABLE figure_hist_keyed (
    dim TEXT NOT NULL,
    local_day TEXT NOT NULL,
    local_week TEXT,
    grp TEXT NOT NULL,
    measure TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (dim, local_day, grp, measure, bucket)
) WITHOUT ROWID;
INSERT INTO figure_hist_keyed SELECT dim, local_day, local_week, grp, measure, bucket, n FROM figure_hist;
DROP TABLE figure_hist;
ALTER TABLE figure_hist_keyed RENAME TO figure_hist;
CREATE INDEX figure_hist_day ON figure_hist (local_day);
