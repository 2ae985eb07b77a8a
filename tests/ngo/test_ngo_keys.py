"""Key files: PEM round trips, modes, fingerprints, and refusing the wrong kind of key."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo import keys, protocol
from kakekomi_ngo.keys import NgoPrivateKey


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_pair_files_round_trip(tmp_path: Path, ngo_key: NgoPrivateKey) -> None:
    private_path, public_path = keys.write_ngo_key_pair(tmp_path / "k", ngo_key)
    assert mode(private_path) == 0o600 and mode(tmp_path / "k") == 0o700
    private = keys.load_ngo_private_key(private_path)
    public = keys.load_ngo_public_key(public_path)
    assert type(private) is type(ngo_key)
    assert keys.fingerprint(public) == keys.fingerprint(ngo_key.public_key())
    body = protocol.encrypt_handoff({"id": "x1"}, public)
    assert protocol.decrypt_body(body, [private]) == {"id": "x1"}


def test_post_quantum_files_hold_ml_kem_then_x25519_blocks(tmp_path: Path) -> None:
    key = keys.generate_ngo_key(post_quantum=True)
    _, public_path = keys.write_ngo_key_pair(tmp_path, key)
    text = public_path.read_bytes()
    assert text.count(b"-----BEGIN PUBLIC KEY-----") == 2
    end = b"-----END PUBLIC KEY-----\n"
    first, second = text.split(end, 1)
    raw = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(serialization.load_pem_public_key(first + end).public_bytes(*raw)) == 1184
    assert len(serialization.load_pem_public_key(second).public_bytes(*raw)) == 32


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    keys.write_ngo_key_pair(tmp_path, keys.generate_ngo_key())
    before = (tmp_path / keys.PRIVATE_KEY_NAME).read_bytes()
    with pytest.raises(keys.KeyFileError, match="already exists"):
        keys.write_ngo_key_pair(tmp_path, keys.generate_ngo_key())
    assert (tmp_path / keys.PRIVATE_KEY_NAME).read_bytes() == before


def test_fingerprint_is_sha256_of_der_in_hex_groups(ngo_key: NgoPrivateKey) -> None:
    printed = keys.fingerprint(ngo_key.public_key())
    groups = printed.split(" ")
    assert len(groups) == 16 and all(len(g) == 4 for g in groups)
    der = keys.public_key_der(ngo_key.public_key())
    assert "".join(groups) == hashlib.sha256(der).hexdigest()


def test_signing_key_is_created_0600_with_its_public_half_beside(tmp_path: Path) -> None:
    path = tmp_path / "var" / "signing-key.pem"
    key = keys.load_or_create_signing_key(path)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    pub = keys.load_signing_public_key(tmp_path / "var" / "signing-key.pem.pub")
    assert pub == key.public_key()
    # A second call loads the same key instead of making a new one.
    again = keys.load_or_create_signing_key(path)
    assert keys.fingerprint(again.public_key()) == keys.fingerprint(key.public_key())


def test_wrong_kinds_of_key_are_refused(tmp_path: Path) -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    ed_pub = tmp_path / "ed.pub"
    ed_pub.write_bytes(keys.public_key_pem(ed.public_key()))
    x_pub = tmp_path / "x.pub"
    x_pub.write_bytes(keys.public_key_pem(keys.generate_ngo_key().public_key()))
    with pytest.raises(keys.KeyFileError):
        keys.load_ngo_public_key(ed_pub)
    with pytest.raises(keys.KeyFileError):
        keys.load_signing_public_key(x_pub)
    junk = tmp_path / "junk.pem"
    junk.write_text("hello")
    with pytest.raises(keys.KeyFileError, match="no PEM block"):
        keys.load_ngo_private_key(junk)
    with pytest.raises(keys.KeyFileError, match="cannot read"):
        keys.load_ngo_private_key(tmp_path / "missing.pem")
