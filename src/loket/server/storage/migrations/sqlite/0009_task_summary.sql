-- The task figures that no longer change with "now" join the day summaries
-- (docs/decisions.md): counts per grouping, day (the task's) and group. What does change
-- with "now" (overdue, never called back) concerns the tasks not done yet, read through a
-- partial index of those. The summaries are built again, with their task sums, by the
-- next report (no built seq).
ALTER TABLE figure_days ADD COLUMN tasks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_days ADD COLUMN resolved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_days ADD COLUMN on_time INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_days ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_days ADD COLUMN returned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_days ADD COLUMN callback_in_norm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_days ADD COLUMN callback_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_days ADD COLUMN callback_missed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_open ON tasks (local_day, team, created_by, product, channel, district, local_week, due_at, first_callback_at, callback_due_at) WHERE status <> 'done';
-- Questions grouped by their contact's channel, agent or district read this, not the row.
CREATE INDEX contacts_groups ON contacts (id, channel, agent, district);
DELETE FROM figure_state;
