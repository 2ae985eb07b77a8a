"""Keeps the `language` slot equal to the language the gateway chose for this message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import LANGUAGES


def language_of_latest_message(tracker: Tracker) -> str | None:
    """The language in the metadata of the person's latest message, if valid."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if not metadata:
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                metadata = event.get("metadata") or {}
                break
    language = metadata.get("language")
    return language if language in LANGUAGES else None


class ActionSetLanguage(Action):
    """Slot mapping action: copies the message's language into the `language` slot."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sets the slot when the language is known and has changed."""
        language = language_of_latest_message(tracker)
        if language is None or language == tracker.get_slot("language"):
            return []
        return [SlotSet("language", language)]
