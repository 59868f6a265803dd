-- A contact's reference number (loket.domain.references): given by the store when it
-- first stores the contact, unique across the KCC, looked up when a resident quotes it.
-- Contacts stored before this migration have none (NULL; unique ignores NULLs).
ALTER TABLE contacts ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX contacts_reference ON contacts (reference);
-- The counter the numbers come from: SQLite has one writer, so the row is never contended.
CREATE TABLE reference_counter (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
INSERT INTO reference_counter (id, last) VALUES (1, 999999);
