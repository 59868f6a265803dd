-- The platform's call behind a popped phone contact (docs/integrations.md, screen pop), so
-- the figures can join a contact to its call events. Contacts without a call stay NULL.
ALTER TABLE contacts ADD COLUMN call_id TEXT;
CREATE INDEX contacts_call ON contacts (call_id);
