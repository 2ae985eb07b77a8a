"""A gateway on a dual-stack socket sees a local IPv4 proxy as ``::ffff:127.0.0.1``.

Issue 15, "also look at": uvicorn trusts ``X-Forwarded-For`` only from the addresses in
``FORWARDED_ALLOW_IPS`` as written (``127.0.0.1``), so without ``api.middleware.mapped_client``
every visitor behind that proxy would share one rate-limit bucket. The gateway here is a
real uvicorn process serving an IPv6 socket that also takes IPv4 (``IPV6_V6ONLY`` off),
bound to the IPv4-mapped loopback address only; the test connects over IPv4 as a proxy would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import FakeRasa as ApiFakeRasa
from tests.live_servers import DIRECTORY_YAML, ROOT, FakeRasa, free_port

LIMIT = 2
SERVE_DUAL_STACK = """
import socket, sys, uvicorn
sock = socket.socket(socket.AF_INET6)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("::ffff:127.0.0.1", int(sys.argv[1])))
config = uvicorn.Config("api.main:create_app", factory=True, access_log=False)
uvicorn.Server(config).run(sockets=[sock])
"""


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway_url(rasa: FakeRasa, tmp_path: Path) -> Iterator[str]:
    directory = tmp_path / "directory.yml"
    directory.write_text(DIRECTORY_YAML, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAKEKOMI_")}
    env.pop("FORWARDED_ALLOW_IPS", None)  # uvicorn's default: 127.0.0.1,::1
    env |= {
        "KAKEKOMI_DIRECTORY_PATH": str(directory),
        "KAKEKOMI_DATA_DIR": str(tmp_path / "var"),
        "KAKEKOMI_RASA_PORT": str(rasa.port),
        "KAKEKOMI_ACTIONS_PORT": str(rasa.port),
        "KAKEKOMI_RATE_LIMIT": str(LIMIT),
    }
    port = free_port()
    with (tmp_path / "gateway.log").open("wb") as sink:
        command = [sys.executable, "-c", SERVE_DUAL_STACK, str(port)]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "gateway.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_visitors_behind_a_local_proxy_on_a_dual_stack_socket_are_counted_apart(
    gateway_url: str,
) -> None:
    def through_proxy(visitor: str) -> int:
        return httpx.post(
            f"{gateway_url}/api/chat",
            json={"text": "hi"},
            headers={"x-forwarded-for": visitor},
            trust_env=False,
            timeout=10,
        ).status_code

    assert [through_proxy("198.51.100.1") for _ in range(LIMIT + 1)] == [200] * LIMIT + [429]
    # Another visitor, through the same proxy, has an allowance of her own.
    assert [through_proxy(f"198.51.100.{n}") for n in range(2, 6)] == [200] * 4


@pytest.mark.anyio
async def test_a_mapped_address_that_is_no_trusted_proxy_cannot_choose_its_address(
    settings: Settings,
) -> None:
    rasa_fake = ApiFakeRasa()
    app = create_app(
        settings.model_copy(update={"rate_limit": LIMIT}),
        rasa_transport=httpx.MockTransport(rasa_fake),
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("::ffff:203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://g.test") as http:
            codes = [
                (
                    await http.post(
                        "/api/chat", json={"text": "hi"}, headers={"x-forwarded-for": f"10.0.0.{n}"}
                    )
                ).status_code
                for n in range(LIMIT + 1)
            ]
    assert codes == [200] * LIMIT + [429]  # one client, whatever it claims
