-- Live queues: call events from the telephone platform, each call's folded state,
-- counter tickets with their per-service daily numbering, and agents' state changes.
CREATE TABLE call_events (
    event_id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    queue TEXT NOT NULL DEFAULT '',
    agent TEXT NOT NULL DEFAULT '',
    caller TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL
);
CREATE INDEX call_events_call ON call_events (call_id, at);
CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    queue TEXT NOT NULL DEFAULT '',
    agent TEXT NOT NULL DEFAULT '',
    offered_at TEXT,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX calls_offered ON calls (offered_at);
CREATE INDEX calls_status ON calls (status);
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    day TEXT NOT NULL,
    seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    drawn_at TEXT NOT NULL,
    status TEXT NOT NULL,
    called_at TEXT,
    agent TEXT NOT NULL DEFAULT '',
    desk TEXT NOT NULL DEFAULT '',
    UNIQUE (service, day, seq)
);
CREATE INDEX tickets_waiting ON tickets (status, service, drawn_at);
CREATE INDEX tickets_drawn ON tickets (drawn_at);
CREATE TABLE ticket_counters (
    service TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (service, day)
);
CREATE TABLE agent_states (
    id BIGSERIAL PRIMARY KEY,
    agent TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX agent_states_at ON agent_states (at);
CREATE INDEX agent_states_agent ON agent_states (agent, at);
