"""Builds rasa_sdk trackers from small dicts, as the action server would receive them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker(
    intent: str = "greet",
    language: str | None = "en",
    metadata: dict[str, Any] | None = None,
    text: str = "hello",
) -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 0.9}, "text": text, "entities": []}
    if metadata is not None:
        latest["metadata"] = metadata
    events = [{"event": "user", "text": text, "metadata": metadata or {}, "parse_data": latest}]
    return Tracker(
        sender_id="test",
        slots={"language": language},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
