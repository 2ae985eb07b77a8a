"""action_contacts sends the directory's contacts for the topic, in the person's language."""

from __future__ import annotations

import asyncio
import re

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import directory
from actions.contacts import ActionContacts
from actions.handoff import TOPICS
from tests.actions.trackers import tracker

LANGUAGES = directory.LANGUAGES


def run(intent: str, language: str) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionContacts().run(dispatcher, tracker(intent, language), {}))
    assert events == []
    return dispatcher.messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_emergency_lists_110_and_119_first(language: str) -> None:
    messages = run("emergency", language)
    first = messages[0]["text"].splitlines()
    assert "110" in first[0]
    assert any("119" in line for line in first[:4])


@pytest.mark.parametrize("language", LANGUAGES)
def test_names_are_in_the_persons_language(language: str) -> None:
    [entry] = [e for e in directory.load(directory.directory_path()) if e["id"] == "houterasu"]
    text = run("ask_debt", language)[0]["text"]
    assert entry["name"][language] in text
    assert "0570-078377" in text


def test_unconfirmed_contacts_are_marked_and_followed_by_the_check_note() -> None:
    messages = run("ask_visa", "th")
    assert messages[0]["text"].count(" *") >= 1
    assert messages[1]["response"] == "utter_contacts_check"


def test_no_contacts_for_small_talk() -> None:
    assert run("greet", "en") == []


def test_every_phone_number_sent_is_in_the_directory_file() -> None:
    raw = directory.DEFAULT_PATH.read_text(encoding="utf-8")
    for intent in [*TOPICS, "nlu_fallback"]:
        for message in run(intent, "en"):
            for number in re.findall(r"\+?\d[\d-]{2,}\d", message.get("text") or ""):
                assert number in raw, number


def test_a_broken_entry_fails_loudly(tmp_path) -> None:
    path = tmp_path / "directory.yml"
    path.write_text(
        yaml.safe_dump(
            {"entries": [{"id": "x", "kind": "legal", "name": {"en": "X"}, "topics": ["ask_debt"]}]}
        )
    )
    with pytest.raises(ValueError, match=r"lacks source, verified, partner_confirmed, name\.ja"):
        directory.load(path)


def test_answers_never_contain_a_phone_number() -> None:
    """Numbers live only in the directory; bot/domain/ holds words."""
    for path in (directory.DEFAULT_PATH.parent / "domain").glob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not re.search(r"\d{2,4}-\d{3,4}-\d{3,4}|\b11[09]\b", line), (path.name, line)
