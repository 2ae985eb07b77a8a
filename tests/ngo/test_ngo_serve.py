"""The reference receiver as a real process on 127.0.0.1, fed real signed POSTs."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from kakekomi_ngo import protocol
from kakekomi_ngo.keys import load_ngo_public_key

if TYPE_CHECKING:
    from conftest import KeyFiles, StartReceiver

CANARY = "CANARY-3e9b 逃げたい"


def signed_post(
    url: str, keys: KeyFiles, handoff: dict[str, Any], *, timestamp: int | None = None
) -> httpx.Response:
    body = protocol.encrypt_handoff(handoff, load_ngo_public_key(keys.ngo_public))
    headers = protocol.sign_headers(handoff["id"], body, keys.signing_key, timestamp)
    headers["content-type"] = "application/json"
    return httpx.post(url, content=body, headers=headers, timeout=10)


def handoff(handoff_id: str) -> dict[str, Any]:
    return {
        "id": handoff_id,
        "created_at": "2025-01-31T09:41:00Z",
        "language": "ja",
        "urgency": "normal",
        "topics": ["request_help"],
        "words": [CANARY],
        "contact": None,
    }


def test_serve_receives_verifies_and_stores_a_real_post(
    tmp_path: Path, key_files: KeyFiles, start_receiver: StartReceiver
) -> None:
    out = tmp_path / "inbox"
    receiver = start_receiver(key_files, out)

    first = signed_post(receiver.url, key_files, handoff("h-1"))
    assert first.status_code == 200 and first.json() == {"status": "stored"}
    stored = out / "h-1.json"
    assert json.loads(stored.read_text("utf-8")) == handoff("h-1")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700

    again = signed_post(receiver.url, key_files, handoff("h-1"))
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    stale = signed_post(receiver.url, key_files, handoff("h-2"), timestamp=int(time.time()) - 301)
    assert stale.status_code == 401
    unsigned = httpx.post(receiver.url, content=b"{}", headers={"content-type": "application/json"})
    assert unsigned.status_code == 400
    assert httpx.get(receiver.url).status_code == 405
    assert httpx.get(receiver.url + "healthz").status_code == 200
    assert sorted(p.name for p in out.glob("*.json")) == ["h-1.json"]

    log = receiver.stop()
    assert "handoff.stored id=h-1" in log and "handoff.duplicate id=h-1" in log
    assert "CANARY" not in log and "逃げたい" not in log


def test_serve_still_drops_duplicates_after_a_restart(
    tmp_path: Path, key_files: KeyFiles, start_receiver: StartReceiver
) -> None:
    out = tmp_path / "inbox"
    first = start_receiver(key_files, out)
    assert signed_post(first.url, key_files, handoff("h-9")).json() == {"status": "stored"}
    first.stop()
    (out / "h-9.json").unlink()  # the caseworker took it away

    second = start_receiver(key_files, out)
    answer = signed_post(second.url, key_files, handoff("h-9"))
    assert answer.status_code == 200 and answer.json() == {"status": "duplicate"}
    assert not list(out.glob("*.json"))


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"content-type": "text/plain"}, 415), ({"content-type": "application/json"}, 413)],
)
def test_serve_refuses_wrong_type_and_huge_bodies(
    tmp_path: Path,
    key_files: KeyFiles,
    start_receiver: StartReceiver,
    headers: dict[str, str],
    status: int,
) -> None:
    receiver = start_receiver(key_files, tmp_path / "inbox")
    size = 10 if status == 415 else 1024 * 1024 + 1
    assert httpx.post(receiver.url, content=b"x" * size, headers=headers).status_code == status
