"""A proxy reached over a dual-stack socket is seen as ``::ffff:127.0.0.1``: trust it as itself.

On a socket that takes IPv4 and IPv6 (``::`` with more than one uvicorn worker, or a socket
handed over by a supervisor), an IPv4 proxy's connections arrive from IPv4-mapped addresses.
uvicorn compares them with ``FORWARDED_ALLOW_IPS`` as written (``127.0.0.1``), finds no
match and ignores ``X-Forwarded-For``: every visitor would then share the proxy's rate-limit
bucket. This middleware unmaps such an address and applies uvicorn's own proxy-header
handling, with the same trusted list, to it.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# uvicorn's own default when FORWARDED_ALLOW_IPS is unset.
_UVICORN_DEFAULT = "127.0.0.1,::1"


class MappedClient:
    """Unmap an IPv4-mapped client address, then read its proxy headers as uvicorn would."""

    def __init__(self, app: ASGIApp, *, trusted_hosts: str | None = None) -> None:
        self.app = app
        trusted = trusted_hosts or os.environ.get("FORWARDED_ALLOW_IPS", _UVICORN_DEFAULT)
        # uvicorn types ASGI apps its own way; the protocol is the same.
        proxied = ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=trusted)
        self._proxied = cast(ASGIApp, proxied)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, its client unmapped if it came over IPv4 to an IPv6 socket."""
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client and client[0].startswith("::ffff:"):
            try:
                mapped = ipaddress.IPv6Address(client[0]).ipv4_mapped
            except ValueError:
                mapped = None
            if mapped is not None:
                scope = {**scope, "client": (str(mapped), client[1])}
                await self._proxied(scope, receive, send)
                return
        await self.app(scope, receive, send)
