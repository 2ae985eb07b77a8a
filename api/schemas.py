"""Request and response bodies of the chat API (other tooling depends on this shape)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from api.language import Language
from kakekomi_common.burmese import to_unicode

MAX_TEXT_CHARS = 2000

# C0 and C1 control characters other than tab, line feed and carriage return: nothing a
# person types, and nothing Rasa or a log should ever see. (Lone surrogates are already
# refused by pydantic as invalid Unicode.)
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError("text must not contain control characters")
    return text


class Button(BaseModel):
    """A reply button; sending its ``payload`` as ``text`` answers it."""

    title: str
    payload: str


class Contact(BaseModel):
    """A place she can call or write to, from the directory, as it stands at the answer."""

    id: str = Field(description="The directory entry's id, e.g. `houterasu`.")
    kind: str = Field(description="emergency, police, legal, labour, shelter, return, embassy…")
    emergency: bool = Field(description="110 or 119: first after an emergency.")
    name: str = Field(description="Its name in the conversation's language.")
    helps_with: str = Field(description="What it helps with, in the conversation's language.")
    phone: str | None = Field(description="The number as written; null if it has no phone.")
    dial: str | None = Field(description="What a `tel:` link dials: digits and a leading +.")
    alt_phone: str | None = None
    alt_dial: str | None = None
    alt_phone_note: str | None = Field(None, description="When to use the other number.")
    web: str | None = Field(None, description="Its web page (https).")
    languages: list[Language] = Field(
        description="The languages it answers in, as its source says; empty: not stated."
    )
    languages_more: bool = Field(False, description="The source adds “and more languages”.")
    speaks_your_language: bool
    hours: str | None = Field(description="Its hours as its source words them; null: unknown.")
    status: Literal["open", "closed", "unknown"] = Field(
        description="Answering now, in her language where its hours differ by language "
        "(computed when the answer was made, Japan time); unknown when its hours are not known."
    )
    opens_at: datetime | None = Field(description="When closed: when it next opens.")
    closes_at: datetime | None = Field(
        description="When open: when it closes; null when it never does."
    )
    confirmed: bool = Field(description="Confirmed by a partner NGO; if not, ask her to check.")


class Message(BaseModel):
    """One bubble of the assistant's reply; contacts, if any, are its text as cards."""

    text: str
    buttons: list[Button] = Field(default_factory=list)
    contacts: list[Contact] = Field(
        default_factory=list,
        description="The contacts this message lists, in the order to try them: open ones "
        "first, those in her language first among them, 110 and 119 first after an emergency.",
    )


class ChatRequest(BaseModel):
    """What the widget sends: the session (null to start), the text, an optional language."""

    session: str | None = None
    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS),
        AfterValidator(no_control_characters),
        # Burmese typed in Zawgyi becomes Unicode here, before detection, Rasa or a handoff.
        AfterValidator(to_unicode),
    ] = Field(
        description="What she wrote, or a button's payload: 1 to 2,000 characters after "
        "trimming, without control characters other than tab and newline. Burmese in the "
        "legacy Zawgyi encoding is converted to Unicode."
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
