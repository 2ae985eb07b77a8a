"""The consent actions: what the gateway is told, and what she is told."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoffResult, ActionRequestHandoff


def conversation(intents: list[str], metadata: dict | None = None, language: str = "tl") -> Tracker:
    events = [
        {"event": "user", "text": f"text of {i}", "parse_data": {"intent": {"name": i}}}
        for i in intents
    ]
    return Tracker(
        sender_id="s",
        slots={"language": language},
        latest_message={"intent": {"name": intents[-1]}, "metadata": metadata or {}},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_the_gateway_gets_topics_and_urgency_but_no_words() -> None:
    dispatcher = CollectingDispatcher()
    tracker = conversation(["greet", "ask_debt", "ask_visa", "ask_debt", "emergency", "affirm"])
    asyncio.run(ActionRequestHandoff().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["custom"] == {
        "handoff": {"urgency": "emergency", "topics": ["ask_debt", "ask_visa", "emergency"]}
    }
    assert "text of" not in str(message)


def test_a_normal_request_is_not_urgent() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(
        ActionRequestHandoff().run(dispatcher, conversation(["request_help", "affirm"]), {})
    )
    assert dispatcher.messages[0]["custom"]["handoff"]["urgency"] == "normal"


def test_queued_is_confirmed_then_the_emergency_numbers() -> None:
    dispatcher = CollectingDispatcher()
    tracker = conversation(["request_help", "affirm", "deny"], {"handoff": "queued"})
    asyncio.run(ActionHandoffResult().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_queued"
    assert dispatcher.messages[1]["text"].startswith("Pulis")
    assert "110" in dispatcher.messages[1]["text"]


def test_a_failed_handoff_says_so_and_gives_contacts_instead() -> None:
    dispatcher = CollectingDispatcher()
    tracker = conversation(["request_help", "affirm", "deny"], {"handoff": "failed"})
    asyncio.run(ActionHandoffResult().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_escalation_unavailable"
    assert "utter_queued" not in str(dispatcher.messages)
