-- Each wait of a call in a phone queue (loket.domain.queues.Wait), written with the call's
-- folded state, so service level and abandonment per queue over a period are one
-- aggregate (docs/metrics.md). local_day: the Amsterdam day the wait began. Calls folded
-- before this migration have no rows here (the live view keeps reading calls.data).
CREATE TABLE call_waits (
    call_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    queue TEXT NOT NULL,
    local_day TEXT NOT NULL,
    began_at TEXT NOT NULL,
    outcome TEXT,
    wait_seconds DOUBLE PRECISION,
    PRIMARY KEY (call_id, idx)
);
CREATE INDEX call_waits_day ON call_waits (local_day, queue, outcome, wait_seconds);
