"""action_set_language copies the gateway's language choice into the slot."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from trackers import tracker

from actions.language import ActionSetLanguage


def run(**kwargs) -> list[dict]:
    return asyncio.run(ActionSetLanguage().run(CollectingDispatcher(), tracker(**kwargs), {}))


@pytest.mark.parametrize("language", ["ja", "th", "tl", "es"])
def test_sets_the_slot_from_metadata(language: str) -> None:
    assert run(language="en", metadata={"language": language}) == [SlotSet("language", language)]


def test_no_event_when_unchanged() -> None:
    assert run(language="th", metadata={"language": "th"}) == []


@pytest.mark.parametrize("metadata", [None, {}, {"language": "fr"}, {"language": 3}])
def test_ignores_missing_or_unknown_languages(metadata) -> None:
    assert run(language="es", metadata=metadata) == []
