-- Customer look-up by KvK number and by address (postcode + house number), next to phone,
-- e-mail and BSN hash: indexed columns in canonical form, written with the contact.
-- Earlier contacts get their KvK number from the record (house numbers are new).
ALTER TABLE contacts ADD COLUMN kvk TEXT;
ALTER TABLE contacts ADD COLUMN address TEXT;
UPDATE contacts SET kvk = translate(data::jsonb -> 'customer' ->> 'kvk', ' .-', '') WHERE data::jsonb -> 'customer' ->> 'kvk' <> '';
CREATE INDEX contacts_kvk ON contacts (kvk);
CREATE INDEX contacts_address ON contacts (address);
