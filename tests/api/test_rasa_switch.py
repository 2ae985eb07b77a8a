"""A model swap as the gateway sees it: the supervisor moves it to a new Rasa process.

Two Rasa processes are faked at the transport, told apart by port: 5005 (old) and 6006 (new).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.main import create_app
from api.rasa_client import OneAtATime
from api.settings import Settings

pytestmark = pytest.mark.anyio

TOKEN = "per-run-token-0123456789abcdefghij"
SUPERVISOR = {"authorization": f"Bearer {TOKEN}"}
OLD, NEW = 5005, 6006


class TwoRasas:
    """Rasa on two ports; while ``hold`` is set, the old one answers only when released."""

    def __init__(self) -> None:
        self.hold = False
        self.released = anyio.Event()
        self.messages: list[tuple[int, str]] = []  # (port, text), in the order they arrived
        self.probes: list[int] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        port = request.url.port
        assert port is not None
        if request.method == "GET":
            self.probes.append(port)
            return httpx.Response(200, json={"status": "ok"})
        body = json.loads(request.content)
        self.messages.append((port, body["message"]))
        if port == OLD and self.hold:
            await self.released.wait()
        return httpx.Response(200, json=[{"text": f"{port} {body['message']}"}])


@asynccontextmanager
async def gateway(
    settings: Settings, rasas: TwoRasas, client: tuple[str, int] = ("127.0.0.1", 40000)
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings, rasa_transport=httpx.MockTransport(rasas))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            yield http


@pytest.fixture
def supervised(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"control_token": SecretStr(TOKEN), "rasa_port": OLD, "rasa_timeout_seconds": 5}
    )


async def test_the_switch_moves_new_messages_and_readiness_to_the_new_rasa(
    supervised: Settings,
) -> None:
    rasas = TwoRasas()
    async with gateway(supervised, rasas) as http:
        before = (await http.post("/api/chat", json={"text": "hello"})).json()
        assert before["messages"][0]["text"] == "5005 hello"
        switched = await http.post("/api/control/rasa", json={"port": NEW}, headers=SUPERVISOR)
        assert switched.status_code == 200
        assert switched.json() == {"port": NEW, "drained": True}
        after = (
            await http.post("/api/chat", json={"text": "again", "session": before["session"]})
        ).json()
        assert after["messages"][0]["text"] == "6006 again"
        rasas.probes.clear()
        assert (await http.get("/readyz")).status_code == 200
        assert rasas.probes[:2] == [NEW, NEW]  # Rasa and its REST channel, on the new port


async def test_in_flight_messages_finish_on_the_old_rasa_and_none_fails_or_overtakes(
    supervised: Settings,
) -> None:
    rasas = TwoRasas()
    answers: dict[str, httpx.Response] = {}

    async with gateway(supervised, rasas) as http:

        async def chat(name: str, text: str, session: str | None = None) -> None:
            body = {"text": text, "session": session}
            answers[name] = await http.post("/api/chat", json=body)

        async def switch() -> None:
            answers["switch"] = await http.post(
                "/api/control/rasa", json={"port": NEW}, headers=SUPERVISOR
            )

        hers = (await http.post("/api/chat", json={"text": "hello"})).json()["session"]
        rasas.hold = True
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(chat, "one", "one", hers)  # with the old Rasa when the swap starts
            await anyio.wait_all_tasks_blocked()
            tasks.start_soon(switch)
            await anyio.wait_all_tasks_blocked()
            assert "switch" not in answers  # it waits until the old Rasa is done

            # Someone else is answered by the new Rasa at once, while the old one is busy.
            with anyio.fail_after(2):
                await chat("other", "other")
            assert answers["other"].json()["messages"][0]["text"] == "6006 other"

            # Her next message waits for her first: it never reaches the new Rasa before it.
            tasks.start_soon(chat, "two", "two", hers)
            await anyio.wait_all_tasks_blocked()
            assert "two" not in [text for _, text in rasas.messages]
            rasas.released.set()

    assert {name: a.status_code for name, a in answers.items()} == {
        "one": 200,
        "other": 200,
        "two": 200,
        "switch": 200,
    }
    assert answers["switch"].json() == {"port": NEW, "drained": True}
    assert answers["one"].json()["messages"][0]["text"] == "5005 one"
    assert answers["two"].json()["messages"][0]["text"] == "6006 two"
    hers_in_order = [(port, text) for port, text in rasas.messages if text in {"one", "two"}]
    assert hers_in_order == [(OLD, "one"), (NEW, "two")]


@pytest.mark.parametrize(
    ("client", "headers"),
    [
        (("127.0.0.1", 40000), {}),
        (("127.0.0.1", 40000), {"authorization": "Bearer wrong-token"}),
        (("127.0.0.1", 40000), {"authorization": TOKEN}),
        (("203.0.113.7", 40000), SUPERVISOR),  # the token from beyond this machine
        (("127.0.0.1", 40000), {**SUPERVISOR, "x-forwarded-for": "203.0.113.7"}),
    ],
    ids=["no-token", "wrong-token", "not-bearer", "remote", "relayed-by-a-proxy"],
)
async def test_only_the_local_supervisor_with_the_token_may_switch(
    supervised: Settings, client: tuple[str, int], headers: dict[str, str]
) -> None:
    rasas = TwoRasas()
    async with gateway(supervised, rasas, client) as http:
        refused = await http.post("/api/control/rasa", json={"port": NEW}, headers=headers)
        assert refused.status_code == 404
        await http.post("/api/chat", json={"text": "hello"})
    assert rasas.messages == [(OLD, "hello")]


async def test_without_a_control_token_there_is_no_switch(settings: Settings) -> None:
    rasas = TwoRasas()
    async with gateway(settings, rasas) as http:
        for headers in ({}, {"authorization": "Bearer "}, {"authorization": "Bearer None"}):
            refused = await http.post("/api/control/rasa", json={"port": NEW}, headers=headers)
            assert refused.status_code == 404
        schema = (await http.get("/openapi.json")).json()
    assert "/api/control/rasa" not in schema["paths"]


async def test_an_empty_control_token_does_not_match_an_empty_bearer(settings: Settings) -> None:
    rasas = TwoRasas()
    empty = settings.model_copy(update={"control_token": SecretStr(""), "rasa_port": OLD})
    async with gateway(empty, rasas) as http:
        answers = [
            (await http.post("/api/control/rasa", json={"port": NEW}, headers=headers)).status_code
            for headers in ({"authorization": "Bearer "}, {"authorization": "Bearer  "})
        ]
        await http.post("/api/chat", json={"text": "hello"})
    assert answers == [404, 404]
    assert rasas.messages == [(OLD, "hello")]


async def test_a_port_out_of_range_is_refused(supervised: Settings) -> None:
    async with gateway(supervised, TwoRasas()) as http:
        for port in (0, 70000, "x"):
            answer = await http.post("/api/control/rasa", json={"port": port}, headers=SUPERVISOR)
            assert answer.status_code == 422


async def test_conversation_locks_are_dropped_when_nobody_holds_them() -> None:
    locks = OneAtATime()
    release = anyio.Event()
    inside: list[str] = []

    async def hold(key: str) -> None:
        async with locks.hold(key):
            inside.append(key)
            await release.wait()

    async with anyio.create_task_group() as tasks:
        for key in ("her", "her", "him"):
            tasks.start_soon(hold, key)
        await anyio.wait_all_tasks_blocked()
        assert sorted(inside) == ["her", "him"]  # her second message waits for her first
        assert len(locks) == 2
        release.set()
    assert sorted(inside) == ["her", "her", "him"]
    assert len(locks) == 0
