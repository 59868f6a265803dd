"""BSNs in the central store's rows: keys checked at start, plaintext upgraded, re-encryption.

`loket.server.bsn` does the cryptography; this module knows where BSNs sit in the
database: sealed in `contacts.bsn_enc` (with `bsn_key_id`), hashed in `contacts.bsn_hash`,
and masked in every JSON snapshot (`contacts.data`, the change log). Databases written
before encryption kept the raw BSN in both snapshots and the hash key in their `secrets`
table; `upgrade_plaintext` fixes that in place, on every start, until nothing is left.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loket.domain.errors import DomainError
from loket.domain.validation import is_masked_bsn, mask_bsn, validate_bsn
from loket.server.bsn import BsnKeyError, BsnKeys, Sealed, load_or_create_key_file
from loket.server.storage.base import Storage, Writes

log = logging.getLogger(__name__)

FINGERPRINT_SECRET = "bsn_hash_fingerprint"
OLD_HASH_SECRET = "bsn_hash_key"  # where the hash key lay before it moved out of the database
BATCH = 500


def masked_record(data: dict[str, Any]) -> dict[str, Any]:
    """The contact dict as stored and served: `customer.bsn` masked (a copy if changed)."""
    customer = data.get("customer")
    if not customer or not customer.get("bsn") or is_masked_bsn(customer["bsn"]):
        return data
    return {**data, "customer": {**customer, "bsn": mask_bsn(customer["bsn"])}}


def seal_bsn(keys: BsnKeys, contact_id: str, bsn: str) -> tuple[str, Sealed]:
    """(keyed hash, sealed) of a normalised BSN for this contact."""
    return keys.hash(bsn), keys.seal(bsn, contact_id)


def reveal(keys: BsnKeys, row: dict[str, Any]) -> str | None:
    """The BSN of a `Reads.contact_bsn` row, or None when the contact has none."""
    if not row.get("bsn_enc") or not row.get("bsn_key_id"):
        return None
    return keys.unseal(Sealed(row["bsn_key_id"], row["bsn_enc"]), row["id"])


def obtain_keys(storage: Storage, key_file: Path) -> tuple[BsnKeys, bool]:
    """The key file's keys, made when it is absent and the database has nothing sealed.

    A database that holds sealed BSNs (or a hash fingerprint) without its key file is
    refused: a new key would open none of them and match no lookup.
    """
    if not key_file.exists():
        with storage.read() as r:
            sealed = bool(r.bsn_key_ids()) or r.secret(FINGERPRINT_SECRET) is not None
        if sealed:
            raise BsnKeyError(
                f"the database holds encrypted BSNs but the BSN key file {key_file} does not"
                " exist: restore it, or point bsn_key_file at it"
            )
    return load_or_create_key_file(key_file)


def check_keys(storage: Storage, keys: BsnKeys) -> None:
    """Refuse keys that are not the ones this database's BSNs were written with."""
    with storage.write() as tx:
        recorded = tx.set_secret_if_absent(FINGERPRINT_SECRET, keys.fingerprint())
        missing = tx.bsn_key_ids() - set(keys.keys)
    if missing:
        raise BsnKeyError(
            f"{keys.origin}: the database holds BSNs encrypted with key(s)"
            f" {', '.join(sorted(missing))} that this key file does not have"
        )
    if recorded != keys.fingerprint():
        raise BsnKeyError(
            f"{keys.origin}: its hash_key is not the one this database's BSNs were hashed"
            f" with (fingerprint {keys.fingerprint()}, database {recorded}); use the same key"
            " file on every server, or run `loket bsn reencrypt` after changing hash_key"
        )


@dataclass
class UpgradeReport:
    contacts: int = 0  # plaintext BSNs sealed
    changes: int = 0  # change-log snapshots masked
    old_key_removed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.contacts or self.changes or self.old_key_removed)


def upgrade_plaintext(storage: Storage, keys: BsnKeys) -> UpgradeReport:
    """Seal the BSNs of contacts written before encryption, mask them in the change log and
    remove the old in-database hash key; re-hashed with the key file's hash key. Batched
    transactions, each complete on its own, so an interrupted upgrade resumes on the next
    start. Old row versions are then scrubbed from the database files."""
    report = UpgradeReport()
    while True:
        with storage.write() as tx:
            rows = tx.plain_bsn_contacts(BATCH)
            for row in rows:
                _seal_plain(tx, keys, row["id"], json.loads(row["data"]))
        report.contacts += len(rows)
        if len(rows) < BATCH:
            break
    after = 0
    while True:
        with storage.write() as tx:
            rows = tx.contact_changes_with_bsn(after, BATCH)
            for row in rows:
                data = json.loads(row["data"])
                masked = masked_record(data)
                if masked is not data:
                    tx.set_change_data(int(row["seq"]), json.dumps(masked))
                    report.changes += 1
        if len(rows) < BATCH:
            break
        after = int(rows[-1]["seq"])
    with storage.write() as tx:
        if tx.secret(OLD_HASH_SECRET) is not None:
            tx.delete_secret(OLD_HASH_SECRET)
            report.old_key_removed = True
    if report.changed:
        storage.scrub()
        log.warning(
            "BSN upgrade: %d contacts encrypted, %d change-log entries masked%s",
            report.contacts,
            report.changes,
            ", old hash key removed from the database" if report.old_key_removed else "",
        )
    return report


def _seal_plain(tx: Writes, keys: BsnKeys, contact_id: str, data: dict[str, Any]) -> None:
    raw = str((data.get("customer") or {}).get("bsn") or "")
    masked = json.dumps(masked_record(data))
    try:
        bsn = validate_bsn(raw)
    except DomainError:  # nothing usable to seal (cannot happen for validated saves)
        tx.set_contact_bsn(contact_id, None, None, None, masked)
        return
    bsn_hash, sealed = seal_bsn(keys, contact_id, bsn)
    tx.set_contact_bsn(contact_id, bsn_hash, sealed.key_id, sealed.token, masked)


@dataclass
class ReencryptReport:
    resealed: int = 0  # moved to the current key
    rehashed: int = 0  # hashed again with a new hash key
    keys_in_use: list[str] = field(default_factory=list)


def reencrypt(storage: Storage, keys: BsnKeys) -> ReencryptReport:
    """Re-seal every BSN not under the current key and, when the hash key changed, hash
    every BSN again; afterwards the database records the new fingerprint. Old keys that
    are no longer in use (`keys_in_use`) can then be removed from the key file."""
    report = ReencryptReport()
    with storage.read() as r:
        missing = r.bsn_key_ids() - set(keys.keys)
        recorded = r.secret(FINGERPRINT_SECRET)
    if missing:
        raise BsnKeyError(
            f"{keys.origin}: the database holds BSNs encrypted with key(s)"
            f" {', '.join(sorted(missing))} that this key file does not have"
        )
    rehash = recorded is not None and recorded != keys.fingerprint()
    after = ""
    while True:
        with storage.write() as tx:
            rows = tx.sealed_bsns(after, BATCH)
            for row in rows:
                _reseal(tx, keys, row, rehash, report)
        if len(rows) < BATCH:
            break
        after = rows[-1]["id"]
    with storage.write() as tx:
        tx.set_secret(FINGERPRINT_SECRET, keys.fingerprint())
        report.keys_in_use = sorted(tx.bsn_key_ids())
    return report


def _reseal(
    tx: Writes, keys: BsnKeys, row: dict[str, Any], rehash: bool, report: ReencryptReport
) -> None:
    if row["bsn_key_id"] == keys.current and not rehash:
        return
    bsn = keys.unseal(Sealed(row["bsn_key_id"], row["bsn_enc"]), row["id"])
    sealed = keys.seal(bsn, row["id"]) if row["bsn_key_id"] != keys.current else None
    bsn_hash = keys.hash(bsn)
    key_id, token = (sealed.key_id, sealed.token) if sealed else (row["bsn_key_id"], row["bsn_enc"])
    tx.set_contact_bsn(row["id"], bsn_hash, key_id, token, None)
    report.resealed += sealed is not None
    report.rehashed += rehash
