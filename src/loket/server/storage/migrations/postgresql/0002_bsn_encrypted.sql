-- BSNs encrypted at rest (loket.server.bsn): the sealed BSN and the id of the key that
-- sealed it. contacts.data and the change log keep only the masked form from now on;
-- the upgrade of rows written before this migration runs in Python (loket.server.bsn_data).
ALTER TABLE contacts ADD COLUMN bsn_key_id TEXT;
ALTER TABLE contacts ADD COLUMN bsn_enc TEXT;
CREATE INDEX contacts_bsn_key ON contacts (bsn_key_id);
-- Why a BSN was shown in full (`show_bsn` entries): the reason the reader gave.
ALTER TABLE access_log ADD COLUMN note TEXT NOT NULL DEFAULT '';
