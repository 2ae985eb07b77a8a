"""Request and response bodies of the chat API (other tooling depends on this shape)."""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from api.language import Language

MAX_TEXT_CHARS = 2000

# C0 and C1 control characters other than tab, line feed and carriage return: nothing a
# person types, and nothing Rasa or a log should ever see. (Lone surrogates are already
# refused by pydantic as invalid Unicode.)
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control_characters(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError("text must not contain control characters")
    return text


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
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS),
        AfterValidator(_no_control_characters),
    ] = Field(
        description="What she wrote, or a button's payload: 1 to 2,000 characters after "
        "trimming, without control characters other than tab and newline."
    )
    language: Language | None = None


class ChatResponse(BaseModel):
    """The reply: the session to send next time, the language used, the messages."""

    session: str
    language: Language
    messages: list[Message]


class Status(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok", "ready", "not ready"]


class Problem(BaseModel):
    """An error that carries no content: the request was refused before it was read."""

    detail: str


class TooManyMessages(BaseModel):
    """Past the per-minute limit: wait ``retry_after`` seconds (also in ``Retry-After``)."""

    detail: str
    retry_after: int
