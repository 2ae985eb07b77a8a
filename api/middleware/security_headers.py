"""Headers on every response: nothing cached, no referrer, no framing, no foreign code."""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Only this origin's own script, style and icon; no inline code (the page has none), no
# framing, no form posting anywhere, no way to build HTML from strings (Trusted Types).
CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
)

SECURITY_HEADERS: Final[dict[str, str]] = {
    # Nothing of the page or the conversation in the browser's cache or back/forward cache.
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Pop-ups this page opens (the assistant's links) stay reachable so the quick exit can
    # close them; their opener is cut (app.js), and no page that opens this one reaches it.
    "cross-origin-opener-policy": "same-origin-allow-popups",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

# FastAPI's interactive docs (development only) load their assets from a CDN.
_DOCS_PATHS: Final = frozenset({"/docs", "/docs/oauth2-redirect"})


class SecurityHeaders:
    """Add the privacy and security headers to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp, *, docs_enabled: bool = False) -> None:
        self.app = app
        self.docs_enabled = docs_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; stamp the headers on the response as it starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = not (self.docs_enabled and scope["path"] in _DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if with_csp:
                    headers["content-security-policy"] = CONTENT_SECURITY_POLICY
                del headers["set-cookie"]  # this service never sets one
            await send(message)

        await self.app(scope, receive, send_with_headers)
