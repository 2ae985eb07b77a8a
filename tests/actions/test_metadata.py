"""action_read_metadata copies the gateway's choices into the slots."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.metadata import ActionReadMetadata
from kakekomi_common.languages import CODES as LANGUAGES
from tests.actions.trackers import tracker


def run(**kwargs) -> list[dict]:
    return asyncio.run(ActionReadMetadata().run(CollectingDispatcher(), tracker(**kwargs), {}))


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_sets_the_language_from_metadata(language: str) -> None:
    assert run(language="en", metadata={"language": language}) == [SlotSet("language", language)]


def test_sets_whether_escalation_is_available() -> None:
    events = run(language="en", metadata={"language": "en", "escalation": "available"})
    assert events == [SlotSet("escalation", "available")]


def test_no_event_when_unchanged() -> None:
    assert run(language="th", metadata={"language": "th"}) == []


@pytest.mark.parametrize(
    "metadata", [None, {}, {"language": "fr"}, {"language": 3}, {"escalation": "maybe"}]
)
def test_ignores_missing_or_unknown_values(metadata) -> None:
    assert run(language="es", metadata=metadata) == []
