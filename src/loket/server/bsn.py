"""BSN protection in the central store: keys, encryption at rest, the keyed hash.

The database never holds a usable BSN, nor any key that would make one usable:

- the BSN itself is sealed with AES-256-GCM (`cryptography`), bound to its contact id
  (a ciphertext copied onto another contact does not open) and tagged with the id of the
  key that sealed it, so keys can rotate: new BSNs use the current key, old keys still
  open what they sealed until `loket bsn reencrypt` has moved everything to the current one;
- lookups match on an HMAC-SHA256 of the normalised BSN (`BsnKeys.hash`), keyed by a
  secret that also lives only in the key file;
- contact records, the change log and every API answer carry only the masked form.

The keys live in a TOML key file outside the database (`bsn_key_file`, default
`state_dir/bsn-keys.toml`, mode 0600). A fingerprint of the hash key (which reveals
nothing about it) is kept in the database, so a server with the wrong key file refuses
to start instead of silently matching nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE_NAME = "bsn-keys.toml"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class BsnKeyError(Exception):
    """Keys missing, unreadable or not the ones the data was written with; one line."""


@dataclass(frozen=True)
class Sealed:
    """An encrypted BSN as stored: the id of the key that sealed it and the token."""

    key_id: str
    token: str


@dataclass(frozen=True)
class BsnKeys:
    """The key ring: encryption keys by id (`current` seals), and the hash key."""

    current: str
    keys: Mapping[str, bytes]
    hash_key: bytes
    origin: str = field(default="generated", compare=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise BsnKeyError(f"{self.origin}: current key '{self.current}' is not in [keys]")
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise BsnKeyError(
                    f"{self.origin}: key id '{key_id}' must be 1-32 of A-Z a-z 0-9 _ . -"
                )
            if len(key) != KEY_BYTES:
                raise BsnKeyError(f"{self.origin}: key '{key_id}' must be {KEY_BYTES} bytes")
        if len(self.hash_key) < KEY_BYTES:
            raise BsnKeyError(f"{self.origin}: hash_key must be at least {KEY_BYTES} bytes")

    @classmethod
    def generate(cls) -> BsnKeys:
        key_id = new_key_id()
        key = AESGCM.generate_key(bit_length=8 * KEY_BYTES)
        return cls(key_id, {key_id: key}, secrets.token_bytes(KEY_BYTES))

    def rotated(self, hash_key: bytes | None = None) -> BsnKeys:
        """A new encryption key made current; the old ones stay to open older data.
        With `hash_key`, the hash key is replaced too (`loket bsn reencrypt` rehashes)."""
        key_id = new_key_id()
        keys = {**self.keys, key_id: AESGCM.generate_key(bit_length=8 * KEY_BYTES)}
        return BsnKeys(key_id, keys, hash_key or self.hash_key, self.origin)

    def without(self, key_ids: set[str]) -> BsnKeys:
        """The ring minus retired keys (never the current one)."""
        keys = {k: v for k, v in self.keys.items() if k not in key_ids or k == self.current}
        return BsnKeys(self.current, keys, self.hash_key, self.origin)

    # --- use ---------------------------------------------------------------------------------

    def seal(self, bsn: str, context: str) -> Sealed:
        """Encrypt a BSN for the record `context` (the contact id) with the current key."""
        nonce = os.urandom(NONCE_BYTES)
        aad = _aad(self.current, context)
        data = AESGCM(self.keys[self.current]).encrypt(nonce, bsn.encode("ascii"), aad)
        return Sealed(self.current, base64.urlsafe_b64encode(nonce + data).decode("ascii"))

    def unseal(self, sealed: Sealed, context: str) -> str:
        key = self.keys.get(sealed.key_id)
        if key is None:
            raise BsnKeyError(f"{self.origin}: no key '{sealed.key_id}' to decrypt a BSN with")
        try:
            raw = base64.urlsafe_b64decode(sealed.token.encode("ascii"))
            nonce, data = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            plain = AESGCM(key).decrypt(nonce, data, _aad(sealed.key_id, context))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise BsnKeyError(f"an encrypted BSN does not open with key '{sealed.key_id}'") from exc
        return plain.decode("ascii")

    def hash(self, bsn: str) -> str:
        """Keyed hash of a normalised BSN: what lookups match on."""
        return hmac.new(self.hash_key, bsn.encode("ascii"), hashlib.sha256).hexdigest()

    def fingerprint(self) -> str:
        """Identifies the hash key without revealing it (kept in the database)."""
        return hmac.new(self.hash_key, b"loket bsn hash key", hashlib.sha256).hexdigest()[:16]

    # --- the key file ------------------------------------------------------------------------

    def to_toml(self) -> str:
        lines = [
            "# loket BSN keys. Keep this file secret (mode 0600), outside the database and",
            "# backed up: without it the BSNs in the central store cannot be read.",
            "# New BSNs are encrypted with `current`; older keys still decrypt what they",
            "# encrypted until `loket bsn reencrypt` has moved everything to `current`.",
            f'current = "{self.current}"',
            f'hash_key = "{self.hash_key.hex()}"',
            "",
            "[keys]",
        ]
        lines += [f'"{k}" = "{_b64(v)}"' for k, v in self.keys.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str, origin: str) -> BsnKeys:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BsnKeyError(f"{origin}: not valid TOML: {exc}") from None
        current, hash_hex, table = data.get("current"), data.get("hash_key"), data.get("keys")
        if not isinstance(current, str) or not isinstance(hash_hex, str):
            raise BsnKeyError(f"{origin}: needs `current` and `hash_key` (strings)")
        if not isinstance(table, dict) or not table:
            raise BsnKeyError(f"{origin}: needs a [keys] table with at least one key")
        try:
            hash_key = bytes.fromhex(hash_hex)
            keys = {str(k): base64.b64decode(str(v), validate=True) for k, v in table.items()}
        except (ValueError, binascii.Error):
            raise BsnKeyError(f"{origin}: hash_key must be hex, keys base64") from None
        return cls(current, keys, hash_key, origin)


def new_key_id() -> str:
    return secrets.token_hex(4)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _aad(key_id: str, context: str) -> bytes:
    return f"loket-bsn\x00{key_id}\x00{context}".encode()


def load_key_file(path: Path) -> BsnKeys:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BsnKeyError(f"BSN key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BsnKeyError(f"cannot read BSN key file {path}: {exc}") from None
    return BsnKeys.from_toml(text, str(path))


def write_key_file(path: Path, keys: BsnKeys, *, new: bool = False) -> None:
    """Write the key file with mode 0600, atomically (a temporary file renamed into place).

    `new`: fail if the file exists (two processes creating keys at once: one wins, the
    other reads the winner's).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(keys.to_toml())
            out.flush()
            os.fsync(out.fileno())
        if new:
            os.link(tmp, path)  # fails with FileExistsError if someone was first
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_or_create_key_file(path: Path) -> tuple[BsnKeys, bool]:
    """The keys in `path`, made (0600) if the file does not exist; (keys, created)."""
    if path.exists():
        return load_key_file(path), False
    try:
        write_key_file(path, BsnKeys.generate(), new=True)
    except FileExistsError:
        return load_key_file(path), False
    except OSError as exc:
        raise BsnKeyError(f"cannot create BSN key file {path}: {exc.strerror}") from None
    return load_key_file(path), True
