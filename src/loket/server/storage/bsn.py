"""SQL of sealed BSNs and the key secrets (rules in `loket.server.bsn_data`)."""

from __future__ import annotations

from collections.abc import Sequence

from loket.server.storage.sql import Row, Sql, sql_in


class BsnReads(Sql):
    def secret(self, name: str) -> str | None:
        row = self._one("SELECT value FROM secrets WHERE name = ?", (name,))
        return row["value"] if row else None

    def contact_bsn(self, contact_id: str) -> Row | None:
        """`bsn_key_id`, `bsn_enc` and `bsn_hash` of one contact."""
        return self._one(
            "SELECT id, agent, bsn_key_id, bsn_enc, bsn_hash FROM contacts WHERE id = ?",
            (contact_id,),
        )

    def contact_has_task_for(self, contact_id: str, teams: Sequence[str]) -> bool:
        teams = list(teams)
        sql = f"SELECT 1 AS x FROM tasks WHERE contact_id = ? AND team IN {sql_in(teams)} LIMIT 1"
        return bool(self.run(sql, [contact_id, *teams]))

    def bsn_key_ids(self) -> set[str]:
        """Ids of the keys the stored BSNs are sealed with (index-only on both engines)."""
        rows = self.run("SELECT DISTINCT bsn_key_id FROM contacts WHERE bsn_key_id IS NOT NULL")
        return {row["bsn_key_id"] for row in rows}

    def plain_bsn_contacts(self, limit: int) -> list[Row]:
        """Contacts written before BSN encryption: a hash but nothing sealed."""
        return self.run(
            "SELECT id, data FROM contacts WHERE bsn_hash IS NOT NULL AND bsn_enc IS NULL"
            " ORDER BY id LIMIT ?",
            (limit,),
        )

    def sealed_bsns(self, after_id: str, limit: int) -> list[Row]:
        return self.run(
            "SELECT id, bsn_key_id, bsn_enc, bsn_hash FROM contacts"
            " WHERE bsn_enc IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )

    def contact_changes_with_bsn(self, after_seq: int, limit: int) -> list[Row]:
        """Contact change-log entries whose snapshot may hold an unmasked BSN: the SQL
        only narrows (the server writes `"bsn": "..."`), the caller checks each."""
        return self.run(
            "SELECT seq, data FROM changes WHERE entity = 'contact' AND seq > ?"
            " AND data LIKE ? AND data NOT LIKE ? AND data NOT LIKE ? ORDER BY seq LIMIT ?",
            (after_seq, '%"bsn": "%', '%"bsn": ""%', '%"bsn": "*%', limit),
        )


class BsnWrites(BsnReads):
    def delete_secret(self, name: str) -> None:
        self.run("DELETE FROM secrets WHERE name = ?", (name,))

    def set_secret(self, name: str, value: str) -> None:
        self.run(
            "INSERT INTO secrets (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def set_secret_if_absent(self, name: str, value: str) -> str:
        self.run(
            "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (name, value),
        )
        return self.secret(name) or value

    def set_contact_bsn(
        self,
        contact_id: str,
        bsn_hash: str | None,
        key_id: str | None,
        enc: str | None,
        data_json: str | None,
    ) -> None:
        """Re-seal (and re-hash) one contact's BSN; `data_json`: its masked record too."""
        if data_json is None:
            self.run(
                "UPDATE contacts SET bsn_hash = ?, bsn_key_id = ?, bsn_enc = ? WHERE id = ?",
                (bsn_hash, key_id, enc, contact_id),
            )
            return
        self.run(
            "UPDATE contacts SET bsn_hash = ?, bsn_key_id = ?, bsn_enc = ?, data = ? WHERE id = ?",
            (bsn_hash, key_id, enc, data_json, contact_id),
        )

    def set_change_data(self, seq: int, data_json: str) -> None:
        """Rewrite one change-log snapshot (the BSN upgrade masks old entries; nothing
        else ever changes the log)."""
        self.run("UPDATE changes SET data = ? WHERE seq = ?", (data_json, seq))
