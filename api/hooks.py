"""Where Rasa's ``custom`` payloads go (never shown to the person)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.sessions import Session

# The lifespan installs api.escalation.consent.remember_handoff_request; tests may swap it.
CustomHandler = Callable[[Session, Any], None]
