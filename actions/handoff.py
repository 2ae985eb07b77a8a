"""The consent conversation: ask the gateway to queue a handoff, then report the result.

Contact details never reach Rasa: the gateway takes the answer to the contact question,
encrypts the handoff and queues it, and only tells Rasa whether that worked.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contacts import send_contacts
from actions.metadata import latest_metadata

# What she asked about is shared with the NGO; small talk is not.
TOPICS = (
    "ask_rights",
    "ask_visa",
    "ask_shelter",
    "ask_debt",
    "ask_embassy",
    "ask_medical",
    "ask_privacy",
    "request_help",
    "emergency",
)


def topics_asked(tracker: Tracker) -> list[str]:
    """The topic intents of this conversation, in the order first asked."""
    seen: dict[str, None] = {}
    for event in tracker.events:
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if name in TOPICS:
                seen.setdefault(name, None)
    return list(seen)


class ActionRequestHandoff(Action):
    """After her yes: tells the gateway (never the person) what the handoff is about."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sends a custom payload that the gateway turns into an encrypted handoff."""
        topics = topics_asked(tracker)
        urgency = "emergency" if "emergency" in topics else "normal"
        dispatcher.utter_message(json_message={"handoff": {"urgency": urgency, "topics": topics}})
        return []


class ActionHandoffResult(Action):
    """Confirms the queued handoff with the emergency numbers, or says it could not be sent."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_handoff_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Reads the gateway's verdict from the message metadata."""
        language = tracker.get_slot("language") or "en"
        if latest_metadata(tracker).get("handoff") == "queued":
            dispatcher.utter_message(response="utter_queued")
            send_contacts(dispatcher, "emergency", language)
        else:
            dispatcher.utter_message(response="utter_escalation_unavailable")
            send_contacts(dispatcher, "request_help", language)
        return []
