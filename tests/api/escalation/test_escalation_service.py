"""EscalationService as the gateway uses it, and the operators' outbox route."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI

from api.escalation.handoff import build_handoff
from api.escalation.service import EscalationService, EscalationUnavailable
from api.escalation.settings import EscalationSettings
from api.routes import admin
from kakekomi_ngo import protocol
from kakekomi_ngo.keys import KeyFileError, load_signing_public_key

if TYPE_CHECKING:
    from tests.api.escalation.conftest import Ngo, StartReceiver, Waiter

pytestmark = pytest.mark.anyio

CANARY = "CANARY-d41f7 パスポート取られた"
TOKEN = "operator-token-0123456789"


def configured(tmp_path: Path, ngo: Ngo, url: str, **extra: object) -> EscalationSettings:
    return EscalationSettings(
        ngo_url=url,
        ngo_public_key=ngo.public_path,
        data_dir=tmp_path / "data",
        retry_schedule=(0.3,) * 30,
        delivery_timeout=2.0,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
async def unconfigured(tmp_path: Path) -> AsyncIterator[EscalationService]:
    service = EscalationService(EscalationSettings(data_dir=tmp_path / "data"))
    await service.start()
    yield service
    await service.stop()


async def test_without_an_ngo_it_says_so_and_refuses_to_queue(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    service = EscalationService(EscalationSettings(data_dir=tmp_path / "data"))
    assert not service.configured
    await service.start()
    try:
        assert "escalations cannot be delivered" in caplog.text
        assert any(r.levelno == logging.WARNING for r in caplog.records)
        handoff = build_handoff(language="en", urgency="normal", topics=[], words=["hi"])
        with pytest.raises(EscalationUnavailable):
            await service.submit(handoff)
        stats = await service.stats()
        assert stats["configured"] is False and stats["queued"] == 0
    finally:
        await service.stop()


async def test_submit_encrypts_to_the_ngo_and_signs_with_our_key(
    tmp_path: Path, ngo: Ngo, wait_until: Waiter
) -> None:
    received: list[httpx.Request] = []

    def ngo_endpoint(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    settings = configured(tmp_path, ngo, "https://ngo.example/kakekomi")
    service = EscalationService(settings, transport=httpx.MockTransport(ngo_endpoint))
    await service.start()
    try:
        handoff = build_handoff(
            language="ja", urgency="emergency", topics=["emergency"], words=["たすけて"]
        )
        assert await service.submit(handoff) == handoff["id"]

        async def sent() -> bool:
            return (await service.stats())["delivered"] == 1

        await wait_until(sent)
    finally:
        await service.stop()
    (request,) = received
    sender = load_signing_public_key(ngo.signing_public_path)
    assert protocol.verify_headers(request.headers, request.content, [sender]) == handoff["id"]
    assert protocol.decrypt_body(request.content, [ngo.key]) == handoff


async def test_a_missing_ngo_key_file_stops_startup_loudly(tmp_path: Path, ngo: Ngo) -> None:
    settings = EscalationSettings(
        ngo_url="https://ngo.example/",
        ngo_public_key=tmp_path / "typo.pem",
        data_dir=tmp_path / "data",
    )
    service = EscalationService(settings)
    with pytest.raises(KeyFileError, match=r"typo\.pem"):
        await service.start()
    with pytest.raises(EscalationUnavailable):
        await service.stats()


async def test_a_new_signing_key_is_made_beside_the_data(tmp_path: Path, ngo: Ngo) -> None:
    settings = configured(
        tmp_path, ngo, "https://ngo.example/", signing_key=tmp_path / "keys" / "ours.pem"
    )
    service = EscalationService(
        settings, transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    await service.start()
    await service.stop()
    assert (tmp_path / "keys" / "ours.pem").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys" / "ours.pem.pub").exists()


async def test_a_canary_reaches_the_ngo_and_nowhere_else(
    tmp_path: Path,
    ngo: Ngo,
    start_receiver: StartReceiver,
    unused_port: int,
    wait_until: Waiter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = configured(tmp_path, ngo, f"http://127.0.0.1:{unused_port}/")
    data_dir = settings.data_dir
    service = EscalationService(settings)
    await service.start()
    try:
        handoff = build_handoff(
            language="ja",
            urgency="normal",
            topics=["request_help"],
            words=["hello", CANARY],
            contact={"method": "line", "value": CANARY},
        )
        await service.submit(handoff)
        # The NGO is down: the escalation waits in the outbox, encrypted.
        stats = await service.stats()
        assert stats["queued"] + stats["retrying"] == 1
        assert_nowhere_under(data_dir)

        receiver = start_receiver(ngo, port=unused_port)

        async def delivered() -> bool:
            return (await service.stats())["delivered"] == 1

        await wait_until(delivered)
    finally:
        await service.stop()
    (stored,) = receiver.handoff_files()
    assert CANARY in json.loads(stored.read_text("utf-8"))["words"]
    assert_nowhere_under(data_dir)
    for text in (caplog.text, receiver.stop()):
        assert "CANARY" not in text and "パスポート" not in text


def assert_nowhere_under(folder: Path) -> None:
    forms = [
        CANARY.encode("utf-8"),
        b"CANARY",
        "パスポート".encode(),
        json.dumps("パスポート").encode(),
        "パスポート".encode("utf-16-le"),
    ]
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name == "outbox.sqlite3" for p in files)
    for path in files:
        content = path.read_bytes()
        for form in forms:
            assert form not in content, f"{form!r} found in {path}"


@pytest.fixture
def admin_app(unconfigured: EscalationService) -> FastAPI:
    app = FastAPI()
    app.include_router(admin.router)
    app.state.escalation = unconfigured
    return app


async def get_outbox(
    app: FastAPI, client: tuple[str, int], headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        return await http.get("/api/admin/outbox", headers=headers)


async def test_operators_on_this_machine_see_counts_only(admin_app: FastAPI) -> None:
    response = await get_outbox(admin_app, ("127.0.0.1", 50000))
    assert response.status_code == 200
    assert response.json() == {
        "configured": False,
        "queued": 0,
        "retrying": 0,
        "delivered": 0,
        "dead": 0,
        "oldest_undelivered_age_seconds": None,
    }


async def test_the_route_says_503_before_the_service_starts(tmp_path: Path) -> None:
    app = FastAPI()
    app.include_router(admin.router)
    app.state.escalation = EscalationService(EscalationSettings(data_dir=tmp_path))
    assert (await get_outbox(app, ("127.0.0.1", 50000))).status_code == 503


async def test_remote_callers_are_refused_even_through_a_local_proxy(admin_app: FastAPI) -> None:
    assert (await get_outbox(admin_app, ("203.0.113.9", 50000))).status_code == 403
    relayed = {"X-Forwarded-For": "203.0.113.9"}
    assert (await get_outbox(admin_app, ("127.0.0.1", 50000), relayed)).status_code == 403


async def test_a_remote_operator_needs_the_token(tmp_path: Path) -> None:
    service = EscalationService(EscalationSettings(data_dir=tmp_path / "d", admin_token=TOKEN))
    await service.start()
    app = FastAPI()
    app.include_router(admin.router)
    app.state.escalation = service
    remote = ("203.0.113.9", 50000)
    try:
        ok = await get_outbox(app, remote, {"Authorization": f"Bearer {TOKEN}"})
        wrong = await get_outbox(app, remote, {"Authorization": f"Bearer {TOKEN}x"})
        basic = await get_outbox(app, remote, {"Authorization": f"Basic {TOKEN}"})
    finally:
        await service.stop()
    assert ok.status_code == 200 and ok.json()["dead"] == 0
    assert wrong.status_code == 403 and basic.status_code == 403
