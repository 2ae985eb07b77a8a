"""Button payloads: what a reply button sends as the text, instead of the person's words."""

from __future__ import annotations


def is_button_payload(text: str) -> bool:
    """True for a button payload such as ``/ask_visa`` (Rasa's intent syntax), not her words."""
    return text.lstrip().startswith("/")
