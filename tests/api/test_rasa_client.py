"""The Rasa client, against Rasa faked at the HTTP transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

from api.rasa_client import RasaClient, RasaUnavailable
from api.settings import Settings

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, **settings: Any) -> RasaClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return RasaClient.from_settings(http, Settings(**settings))


async def test_send_posts_sender_message_and_metadata_to_the_rest_webhook() -> None:
    seen: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[{"recipient_id": "s", "text": "hi"}, 3, "x"])

    client = client_for(rasa, rasa_port=6005)
    replies = await client.send("s", "hello", {"language": "tl"})
    assert replies == [{"recipient_id": "s", "text": "hi"}]
    (request,) = seen
    assert (request.method, str(request.url)) == (
        "POST",
        "http://127.0.0.1:6005/webhooks/rest/webhook",
    )
    assert json.loads(request.content) == {
        "sender": "s",
        "message": "hello",
        "metadata": {"language": "tl"},
    }


def _raises(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (_raises(httpx.ConnectError("refused")), "connect"),
        (_raises(httpx.ReadTimeout("slow")), "timeout"),
        (_raises(httpx.PoolTimeout("busy")), "timeout"),
        (_raises(httpx.ReadError("reset")), "transport"),
        (lambda r: httpx.Response(500), "status 500"),
        (lambda r: httpx.Response(301, headers={"location": "/x"}), "status 301"),
        (lambda r: httpx.Response(200, text="not json"), "invalid json"),
        (lambda r: httpx.Response(200, json={"a": 1}), "not a list"),
        (lambda r: httpx.Response(200, content=b"null"), "not a list"),
    ],
)
async def test_send_raises_rasa_unavailable_with_a_content_free_reason(
    handler: Handler, reason: str
) -> None:
    with pytest.raises(RasaUnavailable) as caught:
        await client_for(handler).send("secret-session", "secret text", {})
    assert caught.value.reason == reason
    assert "secret" not in str(caught.value)
    # No chained httpx or JSON error travels with it into a traceback.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


async def test_ready_probes_rasa_its_rest_channel_and_the_action_server() -> None:
    seen: list[str] = []

    def healthy(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    assert await client_for(healthy, rasa_port=6005, actions_port=6055).ready() is True
    assert seen == [
        "http://127.0.0.1:6005/",
        "http://127.0.0.1:6005/webhooks/rest/",
        "http://127.0.0.1:6055/health",
    ]


async def test_ipv6_loopback_is_bracketed() -> None:
    seen: list[str] = []

    def healthy(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    await client_for(healthy, rasa_host="::1").ready()
    assert seen[0] == "http://[::1]:5005/"


@pytest.mark.parametrize(
    "handler",
    [
        lambda r: httpx.Response(404),
        lambda r: httpx.Response(204),
        _raises(httpx.ConnectError("x")),
    ],
)
async def test_ready_is_false_unless_everything_answers_200(handler: Handler) -> None:
    assert await client_for(handler).ready() is False


async def test_a_hung_rasa_holds_only_its_slots_and_others_are_told_busy_at_once() -> None:
    release = anyio.Event()
    calls = 0

    async def hang(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await release.wait()
        return httpx.Response(200, json=[{"text": "late"}])

    http = httpx.AsyncClient(transport=httpx.MockTransport(hang))
    client = RasaClient.from_settings(
        http, Settings(rasa_max_concurrency=2, rasa_queue_seconds=0.1, rasa_timeout_seconds=5)
    )
    results: list[object] = []

    async def send(sender: str) -> None:
        try:
            results.append(await client.send(sender, "hello", {}))
        except RasaUnavailable as exc:
            results.append(exc.reason)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(send, "a")
        tasks.start_soon(send, "b")
        await anyio.wait_all_tasks_blocked()
        with anyio.fail_after(1):
            await send("c")  # both slots held: a short wait, then "busy"
        assert results == ["busy"]
        assert calls == 2  # the third never reached Rasa
        release.set()
    assert results == ["busy", [{"text": "late"}], [{"text": "late"}]]
    # The slots were given back: the next message goes through at once.
    with anyio.fail_after(1):
        assert await client.send("s", "again", {}) == [{"text": "late"}]


async def test_a_poisoned_pool_is_replaced_by_a_fresh_client() -> None:
    def stuck(request: httpx.Request) -> httpx.Response:
        raise httpx.PoolTimeout("no connection came free")

    def rasa(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"text": "hi"}])

    fresh: list[httpx.AsyncClient] = []

    def renew() -> httpx.AsyncClient:
        fresh.append(httpx.AsyncClient(transport=httpx.MockTransport(rasa)))
        return fresh[-1]

    poisoned = httpx.AsyncClient(transport=httpx.MockTransport(stuck))
    client = RasaClient.from_settings(poisoned, Settings(), renew=renew)
    with pytest.raises(RasaUnavailable) as caught:
        await client.send("s", "hello", {})
    assert caught.value.reason == "timeout"
    assert poisoned.is_closed and len(fresh) == 1
    assert await client.send("s", "again", {}) == [{"text": "hi"}]
