"""A request for help, with her yes, reaches the NGO's real receiver, decrypted and verified."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import NgoReceiver, RunningStack
from tests.e2e.test_conversations import answers

pytestmark = pytest.mark.e2e


def wait_for(check, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def ask_for_help(stack: RunningStack, text: str, language: str) -> str:
    body = stack.chat(text, language=language).json()
    assert body["messages"][-1]["text"] == answers()["utter_ask_consent"][language]
    assert {b["payload"] for b in body["messages"][-1]["buttons"]} == {"/affirm", "/deny"}
    asked = stack.chat("/affirm", session=body["session"]).json()
    assert [m["text"] for m in asked["messages"]] == [answers()["utter_ask_contact"][language]]
    # A contact, a reply code instead of one, or nothing.
    assert {b["payload"] for b in asked["messages"][0]["buttons"]} == {"/reply_code", "/deny"}
    return body["session"]


def new_handoffs(ngo: NgoReceiver, before: set[Path]) -> list[Path]:
    return [p for p in ngo.handoffs() if p not in before]


def test_yes_and_a_contact_arrive_at_the_receiver(stack: RunningStack, ngo: NgoReceiver) -> None:
    before = set(ngo.handoffs())
    session = ask_for_help(
        stack, "kailangan ko ng tulong, gusto ko na makaalis dito sa trabaho", "tl"
    )
    done = stack.chat("LINE: rosa-canary-9931 gabi lang", session=session).json()
    texts = [m["text"] for m in done["messages"]]
    assert texts[0] == answers()["utter_queued"]["tl"]
    assert "110" in texts[1]
    wait_for(lambda: len(new_handoffs(ngo, before)) == 1)
    [path] = new_handoffs(ngo, before)
    handoff = json.loads(path.read_text())
    assert handoff["language"] == "tl" and handoff["urgency"] == "normal"
    assert handoff["contact"] == {"method": "line", "value": "LINE: rosa-canary-9931 gabi lang"}
    assert handoff["words"] == ["kailangan ko ng tulong, gusto ko na makaalis dito sa trabaho"]
    assert "request_help" in handoff["topics"]
    # The contact and her words exist in plaintext only at the NGO.
    assert "rosa-canary-9931" not in stack.log.read_text(errors="replace")
    for file in stack.data_dir.rglob("*"):
        if file.is_file():
            assert b"rosa-canary-9931" not in file.read_bytes()
            assert b"makaalis" not in file.read_bytes()


def test_no_means_nothing_is_sent(stack: RunningStack, ngo: NgoReceiver) -> None:
    before = set(ngo.handoffs())
    body = stack.chat("can someone from an ngo call me back", language="en").json()
    no = stack.chat("/deny", session=body["session"]).json()
    assert no["messages"][0]["text"] == answers()["utter_not_sent"]["en"]
    time.sleep(3)
    assert new_handoffs(ngo, before) == []


def test_receiver_down_then_up_gets_it_exactly_once(stack: RunningStack, ngo: NgoReceiver) -> None:
    before = set(ngo.handoffs())
    ngo.stop()
    try:
        session = ask_for_help(stack, "necesito que alguien me ayude a salir de aqui", "es")
        done = stack.chat("/deny", session=session).json()
        assert done["messages"][0]["text"] == answers()["utter_queued"]["es"]
        outbox = httpx.get(f"{stack.url}api/admin/outbox").json()
        assert outbox["queued"] + outbox["retrying"] >= 1
        time.sleep(3)  # a few failed attempts
    finally:
        ngo.start()
    wait_for(lambda: len(new_handoffs(ngo, before)) == 1)
    time.sleep(5)  # more retries would show up as duplicates now
    [path] = new_handoffs(ngo, before)
    assert json.loads(path.read_text())["contact"] is None
    wait_for(lambda: httpx.get(f"{stack.url}api/admin/outbox").json()["queued"] == 0, within=20)


def test_an_emergency_offers_the_ngo_after_the_numbers(stack: RunningStack) -> None:
    body = stack.chat("he is banging on the door he will kill me", language="en").json()
    texts = [m["text"] for m in body["messages"]]
    assert "110" in texts[0]
    assert answers()["utter_emergency"]["en"] in texts
    assert texts[-1] == answers()["utter_ask_consent"]["en"]
