"""SQL of contacts: the row as written, list queries, look-ups by phone, e-mail, BSN hash,
KvK number or address, and the upsert that keeps the higher revision of the same agent's
contact."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loket.server.storage import figures
from loket.server.storage.live_figures import LiveFigures
from loket.server.storage.sql import Executor, Row, Sql, scope_sql

if TYPE_CHECKING:
    from loket.server.policy import Scope


@dataclass(frozen=True)
class ContactQuery:
    since: str | None = None
    until: str | None = None
    channel: str | None = None
    agent: str | None = None
    outcome: str | None = None
    after: tuple[str, str] | None = None  # (started_at, id) of the last item seen
    limit: int = 100


@dataclass
class ContactRow:
    id: str
    agent: str
    channel: str
    started_at: str
    status: str
    rev: int
    has_customer: bool
    data: dict[str, Any]
    phone: str | None = None
    email: str | None = None
    bsn_hash: str | None = None
    bsn_key_id: str | None = None  # the BSN sealed (loket.server.bsn): which key ...
    bsn_enc: str | None = None  # ... and the ciphertext; `data` holds only the masked form
    district: str | None = None
    kvk: str | None = None
    address: str | None = None  # validation.address_key: postcode + house number
    outcomes: list[str] = field(default_factory=list)
    call_id: str | None = None  # the telephone platform's call (a popped phone contact)
    reference: str | None = None  # the resident's reference number (kept once given)
    data_json: str = ""  # `data` already encoded, so it is encoded once for both tables


# The contacts row as the write path fills it: `contact_values` gives the values in this
# order (a bulk loader such as bench/report.py writes the same columns from the same code).
CONTACT_COLUMNS = (
    "id",
    "agent",
    "channel",
    "started_at",
    "status",
    "rev",
    "has_customer",
    "phone",
    "email",
    "bsn_hash",
    "bsn_key_id",
    "bsn_enc",
    "district",
    "data",
    "call_id",
    "reference",
    "kvk",
    "address",
    *figures.CONTACT_FIGURE_COLUMNS,
)
# Never changed by a later save: a number given out stays the resident's.
_KEPT = frozenset({"id", "reference"})
_UPSERT = (
    f"INSERT INTO contacts ({', '.join(CONTACT_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in CONTACT_COLUMNS)})"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in CONTACT_COLUMNS if c not in _KEPT)
    + " WHERE contacts.rev < excluded.rev AND contacts.agent = excluded.agent"
    " RETURNING id, reference"
)
# The next reference counter value (loket.domain.references), per backend.
NEXT_REFERENCE_SQLITE = (
    "UPDATE reference_counter SET last = last + 1 WHERE id = 1 RETURNING last AS number"
)
NEXT_REFERENCE_POSTGRES = "SELECT nextval('contact_reference') AS number"
QUESTION_INSERT = (
    f"INSERT INTO contact_questions ({', '.join(figures.QUESTION_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in figures.QUESTION_COLUMNS)})"
)


def contact_values(row: ContactRow) -> tuple[Any, ...]:
    """The values of CONTACT_COLUMNS for `row`, figure columns derived from its record."""
    return (
        row.id,
        row.agent,
        row.channel,
        row.started_at,
        row.status,
        row.rev,
        int(row.has_customer),
        row.phone,
        row.email,
        row.bsn_hash,
        row.bsn_key_id,
        row.bsn_enc,
        row.district,
        row.data_json or json.dumps(row.data),
        row.call_id,
        row.reference,
        row.kvk,
        row.address,
        *figures.contact_columns(row.data),
    )


# The indexed columns a customer look-up may match on.
LOOKUP_COLUMNS = frozenset({"phone", "email", "bsn_hash", "reference", "kvk", "address"})


class ContactReads(Sql):
    def contact(self, contact_id: str) -> Row | None:
        return self._one(
            "SELECT id, agent, rev, has_customer, data FROM contacts WHERE id = ?", (contact_id,)
        )

    def contacts(self, query: ContactQuery, scope: Scope) -> list[Row]:
        cond, params = scope_sql(scope)
        conds = [cond]
        for column, op, value in (
            ("started_at", ">=", query.since),
            ("started_at", "<", query.until),
            ("channel", "=", query.channel),
            ("agent", "=", query.agent),
        ):
            if value is not None:
                conds.append(f"{column} {op} ?")
                params.append(value)
        if query.outcome is not None:
            conds.append(
                "EXISTS (SELECT 1 FROM contact_outcomes o WHERE o.contact_id = contacts.id"
                " AND o.outcome = ?)"
            )
            params.append(query.outcome)
        if query.after is not None:
            conds.append("(started_at > ? OR (started_at = ? AND id > ?))")
            params.extend([query.after[0], query.after[0], query.after[1]])
        sql = (
            "SELECT id, agent, started_at, has_customer, data FROM contacts WHERE "
            + " AND ".join(conds)
            + " ORDER BY started_at, id LIMIT ?"
        )
        return self.run(sql, [*params, query.limit])

    def contact_reference(self, contact_id: str) -> tuple[bool, str | None]:
        """(stored at all, its reference) of one contact."""
        row = self._one("SELECT reference FROM contacts WHERE id = ?", (contact_id,))
        return (row is not None, row["reference"] if row else None)

    def contacts_matching(self, column: str, value: str, scope: Scope, limit: int) -> list[Row]:
        if column not in LOOKUP_COLUMNS:
            raise ValueError(column)
        cond, params = scope_sql(scope)
        conds = [f"{column} = ?", cond]
        params.insert(0, value)
        sql = (
            f"SELECT id, agent, data FROM contacts WHERE {' AND '.join(conds)}"
            " ORDER BY started_at DESC, id LIMIT ?"
        )
        return self.run(sql, [*params, limit])


_DAY = CONTACT_COLUMNS.index("local_day")


class ContactWrites(ContactReads, LiveFigures):
    send: Executor
    next_reference_sql: str = NEXT_REFERENCE_SQLITE

    def next_reference_number(self) -> int:
        """The reference counter's next value; unique across the store, also when several
        transactions (server processes) ask at once."""
        return int(self.run(self.next_reference_sql)[0]["number"])

    def upsert_contact(self, row: ContactRow) -> bool:
        """Insert, or replace when `row.rev` is higher than stored and the stored contact is
        the same agent's; False for a no-op (`contact_owner` tells the two apart). The
        stored reference is never replaced: when a concurrent first save gave the contact
        another one, `row` (and its record) takes the stored one."""
        values = contact_values(row)
        self.live_before_contact(row.id, values[_DAY])
        rows = self.run(_UPSERT, values)
        if not rows:
            return False
        stored = rows[0]["reference"]
        if stored != row.reference:
            row.reference = stored
            row.data["reference"] = stored
            row.data_json = json.dumps(row.data)
            self.send("UPDATE contacts SET data = ? WHERE id = ?", (row.data_json, row.id))
        self.send("DELETE FROM contact_questions WHERE contact_id = ?", (row.id,))
        for question in figures.question_rows(row.id, row.data):
            self.send(QUESTION_INSERT, question)
        self.send("DELETE FROM contact_outcomes WHERE contact_id = ?", (row.id,))
        for outcome in sorted(set(row.outcomes)):
            self.send(
                "INSERT INTO contact_outcomes (contact_id, outcome) VALUES (?, ?)",
                (row.id, outcome),
            )
        return True

    def contact_owner(self, contact_id: str) -> str | None:
        row = self._one("SELECT agent FROM contacts WHERE id = ?", (contact_id,))
        return row["agent"] if row else None
