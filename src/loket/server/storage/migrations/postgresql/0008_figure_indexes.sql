-- Covering indexes for the report (docs/benchmarks.md): the task figures, the open days'
-- contact and question figures and the summaries' histogram can be read from an index
-- only, never the wide rows with their JSON records.
DROP INDEX tasks_day_team;
CREATE INDEX tasks_figures ON tasks (local_day) INCLUDE (status, team, created_by, product, channel, district, local_week, due_at, done_at, first_callback_at, callback_due_at, resolve_seconds);
CREATE INDEX contacts_figures ON contacts (local_day) INCLUDE (status, channel, agent, district, local_week, handling_seconds, talk_seconds, wrapup_seconds, satisfaction, id);
CREATE INDEX contact_questions_figures ON contact_questions (local_day) INCLUDE (contact_id, idx, outcome, product, closed);
CREATE INDEX figure_hist_read ON figure_hist (dim, local_day) INCLUDE (local_week, grp, measure, bucket, n);
