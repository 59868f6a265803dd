-- The task queues per team (/stats, the live office: FigureService.team_stock) read the
-- tasks not done from an index only.
CREATE INDEX tasks_stock ON tasks (team) INCLUDE (status, due_at) WHERE status <> 'done';
