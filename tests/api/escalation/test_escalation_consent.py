"""The consent conversation through /api/chat: yes, the contact question, the queued handoff.

Rasa is faked at the transport with the custom payload the real action sends; the NGO is
faked at the transport and its posts are decrypted with the NGO's private key.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api.escalation.consent import contact_from
from api.main import create_app
from api.settings import Settings
from kakekomi_ngo.protocol import decrypt_body

CONSENT = {"text": "Shall I send it?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}
ASK_CONTACT = {
    "text": "How can they reach you?",
    "buttons": [{"title": "Skip", "payload": "/deny"}],
}


def bot(body: dict[str, Any]) -> httpx.Response:
    """Rasa's side of the consent flow, as the rules and actions produce it."""
    message, metadata = body["message"], body["metadata"]
    if message == "please help me get out, my boss watches me":
        replies = [{"text": "You are not alone."}, CONSENT]
    elif message == "/affirm" and "handoff" not in metadata:
        custom = {"handoff": {"urgency": "normal", "topics": ["ask_debt", "request_help"]}}
        replies = [{"custom": custom}, ASK_CONTACT]
    elif "handoff" in metadata:
        replies = [{"text": f"result {metadata['handoff']} after {message}"}]
    else:
        replies = [{"text": "ok"}]
    return httpx.Response(200, json=[{"recipient_id": body["sender"], **r} for r in replies])


class FakeNgo:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content)
        return httpx.Response(200)


@pytest.fixture
def fake_ngo() -> FakeNgo:
    return FakeNgo()


@pytest.fixture
def configured_app(settings: Settings, rasa, ngo, fake_ngo: FakeNgo, tmp_path):
    rasa.reply = bot
    configured = settings.model_copy(
        update={
            "ngo_url": "https://ngo.example/handoffs",
            "ngo_public_key": ngo.public_path,
            "data_dir": tmp_path / "var",
        }
    )
    return create_app(
        configured,
        rasa_transport=httpx.MockTransport(rasa),
        ngo_transport=httpx.MockTransport(fake_ngo),
    )


async def talk(http: httpx.AsyncClient, session: str | None, text: str) -> dict[str, Any]:
    response = await http.post(
        "/api/chat", json={"session": session, "text": text, "language": "en"}
    )
    assert response.status_code == 200
    return response.json()


async def wait_for_post(fake_ngo: FakeNgo, wait_until) -> bytes:
    async def delivered() -> bool:
        return bool(fake_ngo.bodies)

    await wait_until(delivered, within=10)
    return fake_ngo.bodies[0]


@pytest.mark.anyio
async def test_yes_then_a_contact_reaches_the_ngo_and_never_rasa(
    configured_app, serve, rasa, ngo, fake_ngo, wait_until
) -> None:
    async with serve(configured_app) as http:
        first = await talk(http, None, "please help me get out, my boss watches me")
        session = first["session"]
        assert rasa.messages[-1]["metadata"]["escalation"] == "available"
        asked = await talk(http, session, "/affirm")
        assert [m["text"] for m in asked["messages"]] == [ASK_CONTACT["text"]]  # custom hidden
        done = await talk(http, session, "LINE: maria_2024 after 10pm")
        assert done["messages"][0]["text"] == "result queued after /affirm"
        body = await wait_for_post(fake_ngo, wait_until)
    assert all("maria_2024" not in json.dumps(m) for m in rasa.messages)
    handoff = decrypt_body(body, [ngo.key])
    assert handoff["contact"] == {"method": "line", "value": "LINE: maria_2024 after 10pm"}
    assert handoff["words"] == ["please help me get out, my boss watches me"]
    assert handoff["topics"] == ["ask_debt", "request_help"]
    assert handoff["urgency"] == "normal" and handoff["language"] == "en"


@pytest.mark.anyio
async def test_skipping_the_contact_question_still_sends_without_contact(
    configured_app, serve, rasa, ngo, fake_ngo, wait_until
) -> None:
    async with serve(configured_app) as http:
        session = (await talk(http, None, "please help me get out, my boss watches me"))["session"]
        await talk(http, session, "/affirm")
        done = await talk(http, session, "/deny")
        assert done["messages"][0]["text"] == "result queued after /deny"
        body = await wait_for_post(fake_ngo, wait_until)
    assert decrypt_body(body, [ngo.key])["contact"] is None


@pytest.mark.anyio
async def test_without_an_ngo_she_is_told_it_could_not_be_sent(settings, rasa, serve) -> None:
    rasa.reply = bot
    app = create_app(settings, rasa_transport=httpx.MockTransport(rasa))
    async with serve(app) as http:
        session = (await talk(http, None, "please help me get out, my boss watches me"))["session"]
        assert rasa.messages[-1]["metadata"]["escalation"] == "unavailable"
        await talk(http, session, "/affirm")
        done = await talk(http, session, "call me on 090 1234 5678")
    assert done["messages"][0]["text"] == "result unavailable after /affirm"
    assert all("1234" not in json.dumps(m) for m in rasa.messages)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("/deny", None),
        ("/ask_visa", None),
        ("   ", None),
        ("maria@example.org", {"method": "email", "value": "maria@example.org"}),
        ("+81 90-1234-5678", {"method": "phone", "value": "+81 90-1234-5678"}),
        (
            "WhatsApp 0917 000 0000 evenings",
            {"method": "whatsapp", "value": "WhatsApp 0917 000 0000 evenings"},
        ),
        (
            "ask for Ana at the church on Sunday",
            {"method": "text", "value": "ask for Ana at the church on Sunday"},
        ),
    ],
)
def test_contact_from_her_answer(answer: str, expected) -> None:
    assert contact_from(answer) == expected
