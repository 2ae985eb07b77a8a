"""Request and response bodies of the chat API (other tooling depends on this shape)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.language import Language

MAX_TEXT_CHARS = 2000


class Button(BaseModel):
    """A reply button; sending its ``payload`` as ``text`` answers it."""

    title: str
    payload: str


class Message(BaseModel):
    """One bubble of the assistant's reply."""

    text: str
    buttons: list[Button] = Field(default_factory=list)


class ChatRequest(BaseModel):
    """What the widget sends: the session (null to start), the text, an optional language."""

    session: str | None = None
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)
    ]
    language: Language | None = None


class ChatResponse(BaseModel):
    """The reply: the session to send next time, the language used, the messages."""

    session: str
    language: Language
    messages: list[Message]


class Status(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok", "ready", "not ready"]
