"""``POST /api/chat``: one message in, the assistant's replies out."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from api.buttons import is_button_payload
from api.deps import (
    ContactsDep,
    CustomHandlerDep,
    EscalationDep,
    MailboxesDep,
    RasaDep,
    RateLimiterDep,
    SessionsDep,
)
from api.directory import EmergencyContact
from api.escalation.consent import answer_contact_question
from api.fallback import fallback_body
from api.language import Language, detect
from api.mailbox.messages import code_message
from api.rasa_client import RasaUnavailable
from api.rate_limit import too_many_messages
from api.schemas import (
    Button,
    ChatRequest,
    ChatResponse,
    Contact,
    Message,
    Problem,
    TooManyMessages,
)
from api.sessions import SessionsFull, SessionsUnavailable, is_session_id

logger = logging.getLogger("kakekomi.chat")
router = APIRouter(prefix="/api", tags=["chat"])


def message_language(
    requested: Language | None, text: str, conversation: Language | None = None
) -> Language | None:
    """The widget's choice, else the language detected in her text; None if neither says."""
    if requested is not None:
        return requested
    return None if is_button_payload(text) else detect(text, conversation)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


# JSON may carry a lone surrogate (an escaped U+D800); it cannot be encoded in our answer.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _well_formed(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def to_message(reply: dict[str, Any]) -> Message | None:
    """Turn one item of Rasa's REST output into a message; None if it has no text."""
    text = reply.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    raw_buttons = reply.get("buttons")
    buttons = [
        Button(title=_well_formed(b["title"]), payload=_well_formed(b["payload"]))
        for b in (raw_buttons if isinstance(raw_buttons, list) else [])
        if isinstance(b, dict) and _is_text(b.get("title")) and _is_text(b.get("payload"))
    ]
    return Message(text=_well_formed(text), buttons=buttons)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def to_contacts(custom: Any) -> list[Contact]:
    """The typed contacts of a ``{"contacts": [...]}`` custom payload; malformed items dropped."""
    raw = custom.get("contacts") if isinstance(custom, dict) else None
    found = []
    for item in raw if isinstance(raw, list) else []:
        if _has_surrogate(item):
            continue  # cannot be encoded in our answer
        try:
            found.append(Contact.model_validate(item))
        except ValidationError:
            continue  # one bad item must not cost her the others, nor a 500
    return found


def _sessions_full(
    session_id: str, language: Language, contacts: tuple[EmergencyContact, ...]
) -> JSONResponse:
    """Past the ceiling a new conversation gets the emergency numbers, and nothing is kept."""
    logger.warning("chat.sessions_full")
    return JSONResponse(status_code=503, content=fallback_body(session_id, language, contacts))


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        413: {"model": Problem, "description": "Body over 16 KiB"},
        429: {"model": TooManyMessages, "description": "Too many messages: see Retry-After"},
        503: {"model": ChatResponse, "description": "Assistant down: emergency numbers"},
    },
)
async def chat(
    body: ChatRequest,
    request: Request,
    rasa: RasaDep,
    sessions: SessionsDep,
    contacts: ContactsDep,
    handle_custom: CustomHandlerDep,
    escalation: EscalationDep,
    mailboxes: MailboxesDep,
    limiter: RateLimiterDep,
) -> ChatResponse | Response:
    """Send the person's message (or a button's payload) to the assistant and relay its replies."""
    # Should the session store fail (shared Redis out of reach), the emergency numbers go out
    # in her text's language, under the id she sent, so that she continues once it is back.
    own = message_language(body.language, body.text)
    request.state.chat_session = body.session if is_session_id(body.session) else None
    request.state.chat_language = own or "en"
    session = await sessions.open(body.session)
    # Her choice or her text's language, else the conversation's so far, else English. Han
    # that Chinese and Japanese write alike ("警察") keeps a Chinese conversation Chinese.
    own = message_language(body.language, body.text, session.language)
    language = own or session.language or "en"
    session.language = language
    # Lets the last-resort error handler answer in this session and language.
    request.state.chat_session = session.id
    request.state.chat_language = language
    # Counted only now that it is a well-formed message: her conversation against its own
    # allowance, a new one against her address (api.rate_limit).
    client = request.client.host if request.client else ""
    wait = await limiter.check(client, None if session.new else session.id)
    if wait is not None:
        return too_many_messages(wait)
    if session.new and await sessions.full():
        return _sessions_full(session.id, language, contacts)
    metadata = {
        "language": language,
        "escalation": "available" if escalation.configured else "unavailable",
    }
    text = body.text
    reply_code = None
    pending = await sessions.take_handoff(session)
    if pending is not None:
        # Her answer to "how may they reach you?" goes to the NGO, encrypted, never to Rasa;
        # a reply code she asked for goes to her alone, in this answer, and is kept nowhere.
        text, metadata["handoff"], reply_code = await answer_contact_question(
            session, pending, text, escalation, mailboxes
        )
    elif not is_button_payload(text):
        session.recent_texts.append(text)
    if not session.new:
        # Kept before Rasa answers (an escalation needs her words even if Rasa fails); a new
        # conversation is kept only once Rasa has answered it.
        await sessions.save(session)
    try:
        replies = await rasa.send(session.id, text, metadata)
    except RasaUnavailable as exc:
        logger.warning("chat.rasa_unavailable reason=%s", exc.reason)
        return JSONResponse(status_code=503, content=fallback_body(session.id, language, contacts))
    messages: list[Message] = []
    for reply in replies:
        if "custom" in reply:
            handle_custom(session, reply["custom"])
            # The contacts ride beside the text they follow in Rasa's output.
            cards = to_contacts(reply["custom"])
            if cards and messages:
                messages[-1].contacts = cards
        message = to_message(reply)
        if message is not None:
            messages.append(message)
    if reply_code is not None:
        messages.append(Message(text=code_message(language, reply_code)))
    if session.new:
        if await request.is_disconnected():
            # She left (the quick exit) before the first answer, so before she knew its id:
            # keep nothing, and drop Rasa's copy where the gateway can (a shared Redis).
            await sessions.forget(session.id)
            logger.info("chat.left_before_first_answer")
            return Response(status_code=204)
        try:
            await sessions.save(session)
        except SessionsFull:
            await sessions.forget(session.id)
            return _sessions_full(session.id, language, contacts)
    elif session.pending_handoff is not None:
        # Her yes: her next message, to whichever gateway, answers the contact question.
        await sessions.save(session)
    return ChatResponse(session=session.id, language=language, messages=messages)


# Forgetting answers the same whether or not the session existed: it reveals nothing.
# The browser is also told to drop anything it may hold for this site.
_FORGOTTEN_HEADERS = {"clear-site-data": '"cache", "cookies", "storage"'}


_FORGET_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"description": "Not forgotten: the shared session store is out of reach"}
}


# POST .../forget is the same, for ``navigator.sendBeacon``, which can only POST.
@router.delete(
    "/chat/{session}", status_code=204, response_class=Response, responses=_FORGET_RESPONSES
)
@router.post(
    "/chat/{session}/forget",
    status_code=204,
    response_class=Response,
    responses=_FORGET_RESPONSES,
)
async def forget(session: str, sessions: SessionsDep) -> Response:
    """Forget a conversation at once (the quick exit); Rasa's copy expires on its own."""
    try:
        await sessions.forget(session)
    except SessionsUnavailable:
        logger.warning("chat.forget_unavailable")
        return Response(status_code=503, headers=_FORGOTTEN_HEADERS)
    return Response(status_code=204, headers=_FORGOTTEN_HEADERS)
