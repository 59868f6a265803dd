"""The BSN key ring and key file (loket.server.bsn): AES-GCM bound to the contact, key
ids for rotation, the keyed hash, a key file only its owner reads."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from loket.domain.validation import is_masked_bsn
from loket.server.bsn import (
    BsnKeyError,
    BsnKeys,
    Sealed,
    load_key_file,
    load_or_create_key_file,
    write_key_file,
)

BSN = "111222333"
KEY32 = "A" * 43 + "="  # 32 zero bytes, base64


def test_seal_opens_only_for_its_contact_and_hides_the_number() -> None:
    keys = BsnKeys.generate()
    sealed = keys.seal(BSN, "contact-1")
    assert sealed.key_id == keys.current and BSN not in sealed.token
    assert keys.seal(BSN, "contact-1").token != sealed.token  # a fresh nonce each time
    assert keys.unseal(sealed, "contact-1") == BSN
    with pytest.raises(BsnKeyError):
        keys.unseal(sealed, "contact-2")  # copied onto another contact: does not open
    with pytest.raises(BsnKeyError):
        keys.unseal(Sealed(sealed.key_id, sealed.token[:-4] + "AAAA"), "contact-1")
    with pytest.raises(BsnKeyError):
        BsnKeys.generate().unseal(sealed, "contact-1")  # another ring lacks the key id


def test_rotation_keeps_old_keys_and_seals_with_the_new() -> None:
    old = BsnKeys.generate()
    sealed = old.seal(BSN, "c")
    new = old.rotated()
    assert new.current != old.current and new.unseal(sealed, "c") == BSN
    assert new.seal(BSN, "c").key_id == new.current
    assert new.hash(BSN) == old.hash(BSN) and new.fingerprint() == old.fingerprint()
    rehashed = old.rotated(hash_key=b"x" * 32)
    assert rehashed.hash(BSN) != old.hash(BSN) and rehashed.fingerprint() != old.fingerprint()
    assert set(new.without({old.current}).keys) == {new.current}
    assert set(new.without({new.current}).keys) == set(new.keys)  # never the current one


def test_the_hash_is_keyed() -> None:
    a, b = BsnKeys.generate(), BsnKeys.generate()
    assert a.hash(BSN) == a.hash(BSN) != b.hash(BSN)
    assert len(a.fingerprint()) == 16 and a.hash_key.hex() not in a.fingerprint()


def test_key_file_round_trip_mode_0600_and_created_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "bsn-keys.toml"
    keys, created = load_or_create_key_file(path)
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created = load_or_create_key_file(path)
    assert not created and again == keys
    with pytest.raises(FileExistsError):
        write_key_file(path, BsnKeys.generate(), new=True)
    rotated = keys.rotated()
    write_key_file(path, rotated)
    assert load_key_file(path) == rotated and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(tmp_path.glob("keys/.*")) == []  # no temporary files left


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("current = ", "not valid TOML"),
        ('hash_key = "00"\n[keys]\na = "AA=="', "needs `current`"),
        ('current = "a"\nhash_key = "' + "ab" * 32 + '"', "[keys]"),
        ('current = "b"\nhash_key = "' + "ab" * 32 + '"\n[keys]\na = "' + KEY32 + '"', "b"),
        ('current = "a"\nhash_key = "zz"\n[keys]\na = "' + KEY32 + '"', "hex"),
        ('current = "a"\nhash_key = "' + "ab" * 32 + '"\n[keys]\na = "AAAA"', "32 bytes"),
        ('current = "a"\nhash_key = "abab"\n[keys]\na = "' + KEY32 + '"', "hash_key"),
    ],
)
def test_a_bad_key_file_is_named_in_one_line(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "bsn-keys.toml"
    path.write_text(text)
    with pytest.raises(BsnKeyError) as exc:
        load_key_file(path)
    assert str(path) in str(exc.value) and says in str(exc.value)
    assert "\n" not in str(exc.value)
    with pytest.raises(BsnKeyError, match="does not exist"):
        load_key_file(tmp_path / "missing.toml")


def test_masked_form() -> None:
    assert is_masked_bsn("*****2333") and is_masked_bsn("****")
    assert not is_masked_bsn(BSN) and not is_masked_bsn("") and not is_masked_bsn("*12345")
