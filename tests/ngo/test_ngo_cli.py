"""The ``kakekomi-ngo`` commands an IT volunteer types."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kakekomi_ngo import keys, protocol
from kakekomi_ngo.cli import main


@pytest.mark.parametrize("post_quantum", [False, True])
def test_keygen_writes_the_pair_and_prints_the_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], post_quantum: bool
) -> None:
    argv = ["keygen", "--out", str(tmp_path / "keys")] + (
        ["--post-quantum"] if post_quantum else []
    )
    assert main(argv) == 0
    out = capsys.readouterr().out
    private = tmp_path / "keys" / keys.PRIVATE_KEY_NAME
    public = tmp_path / "keys" / keys.PUBLIC_KEY_NAME
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    expected = keys.fingerprint(keys.load_ngo_public_key(public))
    assert f"fingerprint: {expected}" in out
    assert ("MLKEM768-X25519" in out) is post_quantum

    assert main(["fingerprint", str(public)]) == 0
    assert expected in capsys.readouterr().out
    assert main(["fingerprint", str(private)]) == 0
    assert expected in capsys.readouterr().out


def test_fingerprint_of_our_signing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = keys.load_or_create_signing_key(tmp_path / "signing-key.pem")
    expected = keys.fingerprint(key.public_key())
    for name in ("signing-key.pem", "signing-key.pem.pub"):
        assert main(["fingerprint", str(tmp_path / name)]) == 0
        assert capsys.readouterr().out.strip() == f"Ed25519 {expected}"


def test_keygen_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen", "--out", str(tmp_path)]) == 0
    assert main(["keygen", "--out", str(tmp_path)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err


def test_decrypt_prints_the_handoff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = keys.generate_ngo_key(post_quantum=True)
    private_path, _ = keys.write_ngo_key_pair(tmp_path, key)
    handoff = {"id": "h-1", "words": ["パスポートを取られた"], "contact": None}
    body_file = tmp_path / "body.json"
    body_file.write_bytes(protocol.encrypt_handoff(handoff, key.public_key()))
    assert main(["decrypt", "--key", str(private_path), str(body_file)]) == 0
    assert json.loads(capsys.readouterr().out) == handoff


def test_decrypt_with_the_wrong_key_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private_path, _ = keys.write_ngo_key_pair(tmp_path, keys.generate_ngo_key())
    body_file = tmp_path / "body.json"
    body_file.write_bytes(
        protocol.encrypt_handoff({"id": "h-1"}, keys.generate_ngo_key().public_key())
    )
    assert main(["decrypt", "--key", str(private_path), str(body_file)]) == 1
    assert "does not open" in capsys.readouterr().err


def test_module_entry_point_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kakekomi_ngo", "keygen", "--out", str(tmp_path / "k")],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert "fingerprint:" in result.stdout
    fingerprint = subprocess.run(
        [
            sys.executable,
            "-m",
            "kakekomi_ngo",
            "fingerprint",
            str(tmp_path / "k" / keys.PUBLIC_KEY_NAME),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert fingerprint.stdout.split(" ", 1)[1].strip() in result.stdout


def test_keygen_also_writes_the_ngo_signing_key_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "keys"
    assert main(["keygen", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    private = out / keys.SIGNING_PRIVATE_KEY_NAME
    public = out / keys.SIGNING_PUBLIC_KEY_NAME
    assert private.name == "ngo-signing-private-key.pem"
    assert public.name == "ngo-signing-public-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    signing = keys.load_signing_private_key(private)
    pinned = keys.load_signing_public_key(public)
    assert pinned.public_bytes_raw() == signing.public_key().public_bytes_raw()
    assert f"signing fingerprint: {keys.fingerprint(pinned)}" in printed
    # A signature made with the private half verifies with the public half the gateway pins.
    pinned.verify(signing.sign(b"reply"), b"reply")


def test_keygen_signing_only_adds_the_pair_beside_older_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys.write_ngo_key_pair(tmp_path, keys.generate_ngo_key())
    before = (tmp_path / keys.PRIVATE_KEY_NAME).read_bytes()
    assert main(["keygen", "--out", str(tmp_path)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert not (tmp_path / keys.SIGNING_PRIVATE_KEY_NAME).exists()
    assert main(["keygen", "--signing-only", "--out", str(tmp_path)]) == 0
    assert keys.load_signing_private_key(tmp_path / keys.SIGNING_PRIVATE_KEY_NAME)
    assert (tmp_path / keys.PRIVATE_KEY_NAME).read_bytes() == before
    assert main(["keygen", "--signing-only", "--out", str(tmp_path)]) == 1
