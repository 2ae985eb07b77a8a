"""Lists the directory's contacts for the topic the person just asked about."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import cards, directory, hours

# Topics after which a country she names chooses the entries: her embassy is hers; in other
# topics a country may be anyone's ("my boss is Chinese").
COUNTRY_TOPICS = ("ask_embassy",)


def send_contacts(
    dispatcher: CollectingDispatcher,
    topic: str,
    language: str,
    now: datetime.datetime | None = None,
    named: frozenset[str] = frozenset(),
) -> None:
    """One message with the topic's contacts as text and as cards, then the check note."""
    message = cards.contacts_message(topic, language, now or hours.japan_now(), named)
    if message is None:
        return
    items = message["contacts"]
    # The text is for clients that show text only; the widget draws the cards instead.
    dispatcher.utter_message(text=message["text"], json_message={"contacts": items})
    if not all(item["confirmed"] for item in items):
        dispatcher.utter_message(response="utter_contacts_check")


class ActionContacts(Action):
    """Sends the contacts for the latest intent, in the person's language."""

    # Which time it is in Japan; tests put a fixed clock here.
    clock: Callable[[], datetime.datetime] = staticmethod(hours.japan_now)

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_contacts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Dispatches the contacts for the intent of the latest message."""
        latest = tracker.latest_message or {}
        topic = (latest.get("intent") or {}).get("name") or ""
        # A country she names ("the Philippine embassy") picks its embassy out of the list.
        text = latest.get("text") if topic in COUNTRY_TOPICS else None
        named = directory.named_audiences(text)
        send_contacts(dispatcher, topic, tracker.get_slot("language") or "en", self.clock(), named)
        return []
