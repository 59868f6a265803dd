-- Export to a Klantinteracties register: the durable queue, remote uuids, exporter state.
CREATE TABLE export_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id TEXT NOT NULL UNIQUE,
    wanted INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    uncertain INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    error TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX export_queue_due ON export_queue (state, next_at);
CREATE TABLE export_remote (
    key TEXT PRIMARY KEY,
    uuid TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE TABLE export_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
