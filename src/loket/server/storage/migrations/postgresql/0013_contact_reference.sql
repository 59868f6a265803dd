-- A contact's reference number (loket.domain.references): given by the store when it
-- first stores the contact, unique across the KCC, looked up when a resident quotes it.
-- Contacts stored before this migration have none (NULL; unique ignores NULLs).
ALTER TABLE contacts ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX contacts_reference ON contacts (reference);
-- The counter the numbers come from: a sequence, so concurrent pushes (several server
-- processes) never wait for each other for a number (a rolled-back one leaves a gap).
CREATE SEQUENCE contact_reference START WITH 1000000 MINVALUE 1000000 MAXVALUE 999999999;
