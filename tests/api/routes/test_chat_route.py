"""``POST /api/chat`` driven as the widget would, with Rasa faked at the transport."""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.deps import get_custom_handler
from api.fallback import HEADERS
from api.main import create_app
from api.sessions import Session
from api.settings import Settings
from tests.live_engines import running_redis

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    from tests.api.conftest import FakeRasa

    Serve = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]

pytestmark = pytest.mark.anyio

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{32}")

FALLBACK_LINES = {
    "en": ["Police: 110", "Ambulance: 119", "Coast Guard: 118"],
    "ja": ["警察: 110", "救急車: 119", "海上保安庁: 118"],
    "th": ["ตำรวจ: 110", "รถพยาบาล: 119", "Coast Guard: 118"],
    "tl": ["Pulis: 110", "Ambulansya: 119", "Coast Guard: 118"],
    "es": ["Policía: 110", "Ambulancia: 119", "Coast Guard: 118"],
}


async def say(
    client: httpx.AsyncClient, text: Any, session: Any = None, language: Any = None
) -> httpx.Response:
    return await client.post(
        "/api/chat", json={"session": session, "text": text, "language": language}
    )


def texts(response: httpx.Response) -> list[str]:
    return [message["text"] for message in response.json()["messages"]]


# Sessions


async def test_a_new_conversation_gets_an_unguessable_id(client: httpx.AsyncClient) -> None:
    ids = {(await say(client, "hello")).json()["session"] for _ in range(20)}
    assert len(ids) == 20
    assert all(SESSION_ID.fullmatch(session) for session in ids)


async def test_the_conversation_keeps_its_id_and_rasa_sees_it_as_sender(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    first = (await say(client, "hello")).json()["session"]
    second = (await say(client, "my boss took my passport", session=first)).json()["session"]
    assert second == first
    assert [m["sender"] for m in rasa.messages] == [first, first]


@pytest.mark.parametrize("claimed", ["A" * 32, "../../etc/passwd", "x", "", "🙂" * 32])
async def test_an_unknown_or_malformed_session_starts_fresh_with_a_new_id(
    client: httpx.AsyncClient, rasa: FakeRasa, claimed: str
) -> None:
    response = await say(client, "hello", session=claimed)
    assert response.status_code == 200
    session = response.json()["session"]
    assert session != claimed
    assert SESSION_ID.fullmatch(session)
    assert rasa.messages[-1]["sender"] == session


async def test_an_idle_session_expires_and_the_next_message_gets_a_new_id(
    settings: Settings, rasa: FakeRasa, serve: Serve
) -> None:
    quick = settings.model_copy(update={"session_idle_minutes": 0.001})  # 60 ms
    app = create_app(quick, rasa_transport=httpx.MockTransport(rasa))
    async with serve(app) as client:
        first = (await say(client, "necesito ayuda")).json()["session"]
        await anyio.sleep(0.15)
        response = await say(client, "ok", session=first)
    assert response.json()["session"] != first
    # The old conversation is gone entirely, its language with it.
    assert response.json()["language"] == "en"


# Language


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # the widget's choice wins over what the text looks like
        ({"text": "my boss took my passport", "language": "th"}, None, "th"),
        # else the language is detected from the text
        ({"text": "kinuha ng boss ko yung passport ko"}, None, "tl"),
        ({"text": "パスポートを取られました"}, None, "ja"),
        # else the session's previous language
        ({"text": "necesito ayuda"}, {"text": "ok"}, "es"),
        ({"text": "hi", "language": "ja"}, {"text": "123"}, "ja"),
        # a clear new language switches the conversation
        ({"text": "necesito ayuda"}, {"text": "my boss took my passport"}, "en"),
        # else English
        ({"text": "ok"}, None, "en"),
    ],
)
async def test_language_precedence(
    client: httpx.AsyncClient,
    rasa: FakeRasa,
    first: dict[str, str],
    second: dict[str, str] | None,
    expected: str,
) -> None:
    response = await say(client, **first)
    if second is not None:
        response = await say(client, session=response.json()["session"], **second)
    assert response.json()["language"] == expected
    assert rasa.messages[-1]["metadata"] == {"language": expected, "escalation": "unavailable"}


# Buttons and Rasa's output


async def test_a_button_payload_goes_straight_to_rasa_and_keeps_the_language(
    client: httpx.AsyncClient, app: FastAPI, rasa: FakeRasa
) -> None:
    first = await say(client, "วีซ่าหมดแล้วจะโดนจับไหม")
    assert first.json()["messages"][0]["buttons"] == [{"title": "Visa", "payload": "/ask_visa"}]
    session = first.json()["session"]
    answer = await say(client, "/ask_visa", session=session)
    assert answer.status_code == 200
    assert answer.json()["language"] == "th"
    assert rasa.messages[-1] == {
        "sender": session,
        "message": "/ask_visa",
        "metadata": {"language": "th", "escalation": "unavailable"},
    }
    # Only what she wrote is kept for a consented escalation, not the payloads.
    kept = await app.state.sessions.get_or_create(session)
    assert list(kept.recent_texts) == ["วีซ่าหมดแล้วจะโดนจับไหม"]


async def test_only_the_last_five_own_messages_are_kept(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    session = None
    for number in range(7):
        response = await say(client, f"  message {number}  ", session=session)
        session = response.json()["session"]
    kept = await app.state.sessions.get_or_create(session)
    assert list(kept.recent_texts) == [f"message {n}" for n in range(2, 7)]


async def test_replies_keep_text_and_buttons_and_custom_items_go_to_the_hook(
    client: httpx.AsyncClient, app: FastAPI, rasa: FakeRasa
) -> None:
    received: list[tuple[str, Any]] = []

    def record(session: Session, custom: Any) -> None:
        received.append((session.id, custom))

    app.dependency_overrides[get_custom_handler] = lambda: record
    rasa.reply = lambda body: httpx.Response(
        200,
        json=[
            {"recipient_id": body["sender"], "text": "First."},
            {"recipient_id": body["sender"], "custom": {"escalate": "consent_given"}},
            {"recipient_id": body["sender"], "image": "https://example.org/x.png"},
            {"recipient_id": body["sender"], "buttons": [{"title": "t", "payload": "/p"}]},
            {
                "recipient_id": body["sender"],
                "text": "Choose:",
                "buttons": [
                    {"title": "My rights", "payload": "/ask_rights"},
                    {"title": "broken"},
                    "not a button",
                ],
            },
            "not an object",
        ],
    )
    response = await say(client, "hello")
    assert response.status_code == 200
    assert response.json()["messages"] == [
        {"text": "First.", "buttons": [], "contacts": []},
        {
            "text": "Choose:",
            "buttons": [{"title": "My rights", "payload": "/ask_rights"}],
            "contacts": [],
        },
    ]
    assert received == [(response.json()["session"], {"escalate": "consent_given"})]


async def test_an_empty_rasa_answer_is_an_empty_reply(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    rasa.reply = lambda body: httpx.Response(200, json=[])
    response = await say(client, "hello")
    assert response.status_code == 200
    assert response.json()["messages"] == []


# When Rasa cannot answer


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I need help", "en"),
        ("助けて", "ja"),
        ("ช่วยด้วย", "th"),
        ("tulong po", "tl"),
        ("necesito ayuda", "es"),
    ],
)
async def test_rasa_down_answers_503_with_the_emergency_numbers_in_her_language(
    client: httpx.AsyncClient, rasa: FakeRasa, text: str, language: str
) -> None:
    def refuse(body: dict[str, Any]) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    rasa.reply = refuse
    response = await say(client, text)
    assert response.status_code == 503
    body = response.json()
    assert SESSION_ID.fullmatch(body["session"])
    assert body["language"] == language
    assert texts(response) == [HEADERS[language], *FALLBACK_LINES[language]]  # type: ignore[index]
    assert all(message["buttons"] == [] for message in body["messages"])


async def test_the_fallback_numbers_come_from_the_directory_file(
    settings: Settings, rasa: FakeRasa, tmp_path: Path, serve: Serve
) -> None:
    directory = tmp_path / "other.yml"
    directory.write_text(
        "entries:\n"
        "- {id: police, kind: emergency, name: {en: Cops}, phone: '555-0110',"
        " partner_confirmed: true, source: test, verified: 2025-01-01}\n",
        encoding="utf-8",
    )
    rasa.reply = lambda body: httpx.Response(502)
    app = create_app(
        settings.model_copy(update={"directory_path": directory}),
        rasa_transport=httpx.MockTransport(rasa),
    )
    async with serve(app) as client:
        response = await say(client, "hello", language="es")
    assert response.status_code == 503
    assert texts(response) == [HEADERS["es"], "Cops: 555-0110"]


async def test_the_conversation_goes_on_once_rasa_is_back(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    first = await say(client, "tulong po")
    rasa.reply = lambda body: httpx.Response(500)
    down = await say(client, "tulong po", session=first.json()["session"])
    assert down.json()["session"] == first.json()["session"]
    rasa.reply = lambda body: httpx.Response(200, json=[{"text": "Nandito ako."}])
    back = await say(client, "ok", session=down.json()["session"])
    assert back.status_code == 200
    assert back.json()["session"] == first.json()["session"]
    assert back.json()["language"] == "tl"
    assert texts(back) == ["Nandito ako."]


def _raise(exc: Exception) -> Any:
    def reply(body: dict[str, Any]) -> httpx.Response:
        raise exc

    return reply


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(lambda body: httpx.Response(500, json={"error": "x"}), id="500"),
        pytest.param(lambda body: httpx.Response(404), id="404"),
        pytest.param(lambda body: httpx.Response(200, text="<html>oops</html>"), id="html"),
        pytest.param(lambda body: httpx.Response(200, content=b"\xff\xfe["), id="bytes"),
        pytest.param(lambda body: httpx.Response(200, json={"text": "hi"}), id="object"),
        pytest.param(lambda body: httpx.Response(200, json="hi"), id="string"),
        pytest.param(_raise(httpx.ReadTimeout("slow")), id="read-timeout"),
        pytest.param(_raise(httpx.ConnectTimeout("slow")), id="connect-timeout"),
        pytest.param(_raise(httpx.RemoteProtocolError("reset")), id="protocol"),
    ],
)
async def test_rasa_answering_garbage_or_failing_is_a_503_with_the_fallback(
    client: httpx.AsyncClient, rasa: FakeRasa, reply: Any
) -> None:
    rasa.reply = reply
    response = await say(client, "necesito ayuda")
    assert response.status_code == 503
    assert response.json()["language"] == "es"
    assert texts(response)[1:] == FALLBACK_LINES["es"]


async def test_a_hung_rasa_is_cut_off_by_the_timeout(settings: Settings, serve: Serve) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        return httpx.Response(200, json=[])

    quick = settings.model_copy(update={"rasa_timeout_seconds": 0.2})
    app = create_app(quick, rasa_transport=httpx.MockTransport(hang))
    async with serve(app) as client:
        with anyio.fail_after(5):
            response = await say(client, "help me please")
    assert response.status_code == 503
    assert texts(response)[1:] == FALLBACK_LINES["en"]


async def test_an_unexpected_error_is_a_503_with_the_fallback_never_a_500(
    client: httpx.AsyncClient, app: FastAPI, rasa: FakeRasa
) -> None:
    def broken(session: Session, custom: Any) -> None:
        raise RuntimeError("bug")

    hers = (await say(client, "hola")).json()["session"]
    app.dependency_overrides[get_custom_handler] = lambda: broken
    rasa.reply = lambda body: httpx.Response(200, json=[{"custom": {"x": 1}}])
    first = await say(client, "hola", session=hers)  # the session exists when the bug strikes
    assert first.status_code == 503
    assert first.json()["session"] == hers
    assert first.json()["language"] == "es"
    assert texts(first)[1:] == FALLBACK_LINES["es"]
    rasa.reply = lambda body: httpx.Response(200, json=[{"text": "¿Sí?"}])
    again = await say(client, "ok", session=first.json()["session"])
    assert again.json()["session"] == first.json()["session"]


# When the shared session store (Redis) cannot answer


async def test_redis_gone_answers_503_with_the_emergency_numbers_and_keeps_her_session_id(
    settings: Settings, rasa: FakeRasa, serve: Serve
) -> None:
    with ExitStack() as redis_running:
        redis = redis_running.enter_context(running_redis())
        shared = settings.model_copy(update={"redis_url": SecretStr(redis.url)})
        app = create_app(shared, rasa_transport=httpx.MockTransport(rasa))
        async with serve(app) as client:
            first = await say(client, "tulong po")
            assert first.status_code == 200
            session = first.json()["session"]
            redis_running.close()  # Redis stops; the gateway goes on
            known = await say(client, "ช่วยด้วย", session=session)
            new = await say(client, "necesito ayuda")
    assert (known.status_code, new.status_code) == (503, 503)
    # Her id is kept, so that she continues once Redis is back; the numbers in her language.
    assert known.json()["session"] == session
    assert texts(known) == [HEADERS["th"], *FALLBACK_LINES["th"]]
    assert SESSION_ID.fullmatch(new.json()["session"])
    assert texts(new) == [HEADERS["es"], *FALLBACK_LINES["es"]]
    assert [m["message"] for m in rasa.messages] == ["tulong po"]


# Bad input


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="empty-object"),
        pytest.param({"session": None}, id="missing-text"),
        pytest.param({"text": ""}, id="empty-text"),
        pytest.param({"text": " \n\t "}, id="blank-text"),
        pytest.param({"text": "a" * 2001}, id="too-long"),
        pytest.param({"text": " " + "a" * 2001 + " "}, id="too-long-after-strip"),
        pytest.param({"text": 123}, id="number-text"),
        pytest.param({"text": None}, id="null-text"),
        pytest.param({"text": ["hi"]}, id="list-text"),
        pytest.param({"text": "hi", "session": 5}, id="number-session"),
        pytest.param({"text": "hi", "language": "fr"}, id="unknown-language"),
        pytest.param({"text": "hi", "language": "EN"}, id="language-case"),
        pytest.param({"text": "hi", "language": 1}, id="number-language"),
        pytest.param(["hi"], id="list-body"),
        pytest.param("hi", id="string-body"),
    ],
)
async def test_bad_input_is_a_422_that_does_not_echo_it(
    client: httpx.AsyncClient, rasa: FakeRasa, body: Any
) -> None:
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert all("input" not in error for error in response.json()["detail"])
    assert rasa.messages == []


async def test_a_body_that_is_not_json_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/chat", content=b"{text: secret", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "secret" not in response.text


async def test_text_is_stripped_and_2000_characters_are_accepted(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    response = await say(client, "  " + "あ" * 2000 + "\n")
    assert response.status_code == 200
    assert rasa.messages[-1]["message"] == "あ" * 2000


# Contacts as typed items beside the text

CARD = {
    "id": "houterasu",
    "kind": "legal",
    "emergency": False,
    "name": "Houterasu",
    "helps_with": "Legal advice",
    "phone": "0570-078377",
    "dial": "0570078377",
    "alt_phone": None,
    "alt_dial": None,
    "alt_phone_note": None,
    "web": None,
    "languages": ["th", "tl", "es"],
    "languages_more": True,
    "speaks_your_language": False,
    "hours": "Mon–Fri 9:00–17:00",
    "status": "closed",
    "opens_at": "2026-12-07T09:00:00+09:00",
    "closes_at": None,
    "confirmed": False,
}


async def test_contacts_ride_beside_the_text_they_follow_and_bad_items_are_dropped(
    client: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    broken = [{**CARD, "status": "maybe"}, {**CARD, "name": "bad \ud800"}, "x", {"id": "y"}]
    replies = [
        {"text": "Houterasu: 0570-078377 *"},
        {"custom": {"contacts": [CARD, *broken]}},
        {"text": "Please check."},
    ]
    # Escaped as Rasa's JSON would carry it: a lone surrogate is valid JSON.
    rasa.reply = lambda body: httpx.Response(
        200, content=json.dumps(replies).encode(), headers={"content-type": "application/json"}
    )
    response = await say(client, "hello")
    assert response.status_code == 200
    first, second = response.json()["messages"]
    assert first["text"] == "Houterasu: 0570-078377 *"
    assert first["contacts"] == [CARD]
    assert second["contacts"] == []


async def test_the_openapi_schema_documents_the_contacts(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    contact = schema["components"]["schemas"]["Contact"]
    assert {"dial", "status", "opens_at", "languages", "confirmed"} <= set(contact["required"])
    assert contact["properties"]["status"]["enum"] == ["open", "closed", "unknown"]
    message = schema["components"]["schemas"]["Message"]
    assert message["properties"]["contacts"]["items"] == {"$ref": "#/components/schemas/Contact"}
