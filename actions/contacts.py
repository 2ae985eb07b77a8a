"""Lists the directory's contacts for the topic the person just asked about."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import directory


def send_contacts(dispatcher: CollectingDispatcher, topic: str, language: str) -> None:
    """One message with the topic's contacts (emergency numbers first), then the check note."""
    entries = directory.entries_for(topic)
    # Emergency numbers always lead, whatever their place in the file.
    entries.sort(key=lambda entry: entry["kind"] != "emergency")
    if not entries:
        return
    dispatcher.utter_message(text="\n".join(directory.render(entry, language) for entry in entries))
    if not all(entry["partner_confirmed"] for entry in entries):
        dispatcher.utter_message(response="utter_contacts_check")


class ActionContacts(Action):
    """Sends the contacts for the latest intent, in the person's language."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_contacts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Dispatches the contacts for the intent of the latest message."""
        topic = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        send_contacts(dispatcher, topic, tracker.get_slot("language") or "en")
        return []
