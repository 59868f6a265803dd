-- Central store schema, PostgreSQL. Timestamps are ISO 8601 UTC text (fixed width, sortable).
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    teams TEXT NOT NULL DEFAULT '[]',
    token_hash TEXT NOT NULL UNIQUE,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    channel TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    rev INTEGER NOT NULL,
    has_customer INTEGER NOT NULL DEFAULT 0,
    phone TEXT,
    email TEXT,
    bsn_hash TEXT,
    district TEXT,
    data TEXT NOT NULL
);
CREATE INDEX contacts_started ON contacts (started_at, id);
CREATE INDEX contacts_agent ON contacts (agent, started_at);
CREATE INDEX contacts_phone ON contacts (phone);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_bsn ON contacts (bsn_hash);
CREATE TABLE contact_outcomes (
    contact_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (contact_id, outcome)
);
CREATE INDEX contact_outcomes_outcome ON contact_outcomes (outcome, contact_id);
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL,
    team TEXT NOT NULL,
    assignee TEXT,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX tasks_team ON tasks (team, status);
CREATE INDEX tasks_created ON tasks (created_at, id);
CREATE INDEX tasks_creator ON tasks (created_by);
CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    at TEXT NOT NULL,
    owner TEXT NOT NULL,
    team TEXT,
    team_before TEXT,
    status TEXT,
    data TEXT NOT NULL
);
CREATE TABLE applied_changes (
    change_id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq BIGINT,
    result TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE access_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX access_log_at ON access_log (at);
