"""Copies what the gateway says about each message (language, escalation) into slots."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from kakekomi_common.languages import CODES as LANGUAGES

ESCALATION_STATES = ("available", "unavailable")


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata the gateway attached to the person's latest message."""
    metadata = (tracker.latest_message or {}).get("metadata")
    if not metadata:
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                metadata = event.get("metadata")
                break
    return metadata if isinstance(metadata, dict) else {}


class ActionReadMetadata(Action):
    """Slot mapping action: sets `language` and `escalation` from the message metadata."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_read_metadata"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sets each slot whose value is valid and has changed."""
        metadata = latest_metadata(tracker)
        wanted = {
            "language": metadata.get("language") if metadata.get("language") in LANGUAGES else None,
            "escalation": metadata.get("escalation")
            if metadata.get("escalation") in ESCALATION_STATES
            else None,
        }
        return [
            SlotSet(slot, value)
            for slot, value in wanted.items()
            if value is not None and value != tracker.get_slot(slot)
        ]
