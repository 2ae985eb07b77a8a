"""``kakekomi-ngo reply``: sealed to her key, signed with the NGO's, a sentence for each answer."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from kakekomi_ngo.cli import main
from kakekomi_ngo.folder import NgoFolder
from tests.ngo.reply_fixtures import (
    CANARY,
    Her,
    NgoSigning,
    fake_gateway,
    request,
    write_handoff,
)


def reply_argv(handoff: Path, gateway: str, signing: NgoSigning, text: str = CANARY) -> list[str]:
    return ["reply", "--handoff", str(handoff), "--text", text, "--gateway", gateway,
            "--signing-key", str(signing.private_path)]  # fmt: skip


def test_reply_reaches_her_mailbox_sealed_and_is_kept_in_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    her, signing = Her(), NgoSigning.make(tmp_path / "keys")
    inbox = tmp_path / "inbox"
    handoff = write_handoff(inbox, request("h-1", her))
    with fake_gateway(signing) as gateway:
        assert main(reply_argv(handoff, gateway.url, signing, f"  {CANARY}\n")) == 0
    out = capsys.readouterr().out
    assert "Sent. She reads it when she opens her mailbox" in out
    [body] = gateway.received
    # The gateway sees ciphertext only; her key opens it, bound to her mailbox.
    # Nor its ASCII part, which a JSON-escaped copy of her text would keep: the whole
    # "CANARY-7a41" (its four hex digits alone turn up by chance in a random id: a CI run
    # drew one starting 7a41).
    assert CANARY.encode() not in body and b"CANARY-7a41" not in body
    envelope = json.loads(body)
    assert envelope["version"] == 2 and envelope["mailbox"] == her.mailbox
    opened = her.open(body)
    assert opened["text"] == CANARY and opened["mailbox"] == her.mailbox
    assert opened["id"] == envelope["id"]
    # What was sent is kept beside the handoffs, owner-only, and the case reads "replied".
    [record] = (inbox / "sent").glob("*.json")
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    kept = json.loads(record.read_text("utf-8"))
    assert kept["text"] == CANARY and kept["id"] == envelope["id"] and kept["answers"] == ["h-1"]
    assert f"kept what was sent in {record}" in out
    [case] = NgoFolder(inbox).cases()
    assert case.status() == "replied"
    assert [m.sender for m in case.messages] == ["her", "ngo"]


def test_a_follow_up_answers_to_the_same_mailbox(tmp_path: Path) -> None:
    her, signing = Her(), NgoSigning.make(tmp_path / "keys")
    inbox = tmp_path / "inbox"
    write_handoff(inbox, request("h-1", her))
    follow_up = request("f-1", her, kind="follow_up", words=["ขอบคุณ"], topics=[])
    follow_up["created_at"] = "2026-01-02T08:00:00Z"
    path = write_handoff(inbox, follow_up)
    with fake_gateway(signing) as gateway:
        assert main(reply_argv(path, gateway.url, signing)) == 0
    assert her.open(gateway.received[0])["mailbox"] == her.mailbox
    [case] = NgoFolder(inbox).cases()
    assert [m.id for m in case.incoming()] == ["h-1", "f-1"]
    assert case.status() == "replied"


def test_reply_refuses_a_handoff_without_a_reply_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signing = NgoSigning.make(tmp_path / "keys")
    handoff = write_handoff(tmp_path / "inbox", request("h-contact", None))
    with fake_gateway(signing) as gateway:
        assert main(reply_argv(handoff, gateway.url, signing)) == 2
    assert gateway.answers == []
    err = capsys.readouterr().err
    assert "no reply code" in err and "Nothing was sent" in err
    assert not (tmp_path / "inbox" / "sent").exists()


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (404, "her mailbox no longer exists"),
        (401, "did not accept the signature or the time"),
        (503, "does not take replies yet"),
        (413, "the reply is too long"),
        (400, "refused the reply as malformed"),
        (502, "not reachable or busy"),
    ],
)
def test_each_gateway_answer_has_a_sentence_and_nothing_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], status: int, says: str
) -> None:
    her, signing = Her(), NgoSigning.make(tmp_path / "keys")
    handoff = write_handoff(tmp_path / "inbox", request("h-1", her))
    with fake_gateway(signing, status) as gateway:
        assert main(reply_argv(handoff, gateway.url, signing)) == 1
    assert says in capsys.readouterr().err
    assert not (tmp_path / "inbox" / "sent").exists()
    # A 5xx is tried again with the same body; a definite answer is not.
    assert len(gateway.received) == (3 if status == 502 else 1)
    assert len({her.open(body)["id"] for body in gateway.received}) == 1


def test_a_wrong_signing_key_is_refused_by_the_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    her, pinned, other = Her(), NgoSigning.make(tmp_path / "a"), NgoSigning.make(tmp_path / "b")
    handoff = write_handoff(tmp_path / "inbox", request("h-1", her))
    with fake_gateway(pinned) as gateway:
        assert main(reply_argv(handoff, gateway.url, other)) == 1
    assert gateway.answers == [401] and gateway.received == []
    assert "did not accept the signature" in capsys.readouterr().err


def test_no_gateway_listening_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    her, signing = Her(), NgoSigning.make(tmp_path / "keys")
    handoff = write_handoff(tmp_path / "inbox", request("h-1", her))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert main(reply_argv(handoff, f"http://127.0.0.1:{port}", signing)) == 1
    assert "not reachable or busy" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("gateway", "text", "says"),
    [
        ("http://kakekomi.example", CANARY, "must be https"),
        ("https://kakekomi.example", "   ", "the reply is empty"),
        ("https://kakekomi.example", "x" * 4001, "at most 4000 fit"),
    ],
)
def test_bad_input_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gateway: str, text: str, says: str
) -> None:
    her, signing = Her(), NgoSigning.make(tmp_path / "keys")
    handoff = write_handoff(tmp_path / "inbox", request("h-1", her))
    assert main(reply_argv(handoff, gateway, signing, text)) == 2
    err = capsys.readouterr().err
    assert says in err and "Nothing was sent" in err
    assert CANARY not in err
