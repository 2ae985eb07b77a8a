"""Who may call the operator and control routes: a caller on this machine, a bearer token."""

from __future__ import annotations

import hmac

from fastapi import Request
from pydantic import SecretStr

from api.escalation.settings import is_loopback_host

# A request relayed by a proxy on this machine arrives from loopback: don't trust it as local.
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def is_local_request(request: Request) -> bool:
    """True for a caller on this machine whose request no local proxy relayed."""
    if request.client is None or not is_loopback_host(request.client.host):
        return False
    return not any(name in request.headers for name in _FORWARDING_HEADERS)


def has_bearer_token(request: Request, token: SecretStr | None) -> bool:
    """True if the request carries ``Authorization: Bearer <token>``; never with no token set."""
    if token is None:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return False  # an empty token set by mistake must not match an empty header
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


def is_operator(request: Request, admin_token: SecretStr | None) -> bool:
    """A caller on this machine (not relayed by a proxy), or one holding the admin token."""
    return is_local_request(request) or has_bearer_token(request, admin_token)
