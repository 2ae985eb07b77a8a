"""Where Rasa's ``custom`` payloads go: the escalation feature plugs in here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.sessions import Session

CustomHandler = Callable[[Session, Any], None]


def handle_custom(session: Session, custom: Any) -> None:
    """Receive one ``custom`` payload from Rasa; never shown to the person (no-op for now)."""
    # The escalation feature replaces this (app.state.custom_handler) to queue a consented
    # hand-over to the NGO, using session.recent_texts and session.state.
    return None
