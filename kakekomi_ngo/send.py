"""Sending a reply: seal it to her key, sign it, POST it to the gateway, keep what was sent.

``kakekomi-ngo reply`` and the inbox's reply box both call ``send_reply``. Every answer the
gateway can give has a sentence a caseworker can act on (``Outcome.message``).
"""

from __future__ import annotations

import ipaddress
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo.folder import Case, NgoFolder
from kakekomi_ngo.protocol import sign_headers
from kakekomi_ngo.replies import (
    ReplyTarget,
    SealedReply,
    make_reply,
    minute_now,
    new_message_id,
)

# Characters one reply may have: three bytes each (Thai), sealed and in base64, it stays
# well under the 64 KiB the gateway takes.
MAX_REPLY_CHARS: Final = 4000

REPLIES_PATH: Final = "/api/ngo/replies"
TIMEOUT_SECONDS: Final = 15.0
# A network error or a 5xx is tried again with the same body (the gateway keeps one copy
# per id), after these pauses.
RETRY_PAUSES: Final = (1.0, 3.0)


class GatewayUrlError(ValueError):
    """The gateway URL is not https (or http to this machine)."""


def check_text(text: str) -> str:
    """The reply text, stripped; ValueError if it is empty or too long."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("the reply is empty")
    if len(stripped) > MAX_REPLY_CHARS:
        raise ValueError(
            f"the reply has {len(stripped)} characters; at most {MAX_REPLY_CHARS} fit, shorten it"
        )
    return stripped


def seal_reply(target: ReplyTarget, text: str) -> SealedReply:
    """Seal one reply to her key (wire format v2, kakekomi_ngo.replies)."""
    words, sent_at = check_text(text), minute_now()
    reply_id, body = make_reply(target, words, new_message_id(), sent_at)
    return SealedReply(reply_id, target["mailbox"], words, sent_at, body)


@dataclass(frozen=True)
class Outcome:
    """What happened to one reply: a short code, whether it reached her mailbox, a sentence."""

    code: str
    delivered: bool
    message: str


# code -> (delivered, English, Japanese); the inbox shows both, the CLI the English one.
OUTCOMES: Final[dict[str, tuple[bool, str, str]]] = {
    "sent": (
        True,
        "Sent. She reads it when she opens her mailbox with her code.",
        "送信しました。本人がコードでメールボックスを開くと読めます。",
    ),
    "no-mailbox": (
        False,
        "Not delivered: her mailbox no longer exists (deleted 30 days after the last message,"
        " or she deleted it). There is no other way to reach her through Kakekomi.",
        "届きませんでした。メールボックスはもうありません（最後のメッセージから30日で削除、"
        "または本人が削除）。Kakekomi から連絡する方法はほかにありません。",
    ),
    "signature": (
        False,
        "Not delivered: Kakekomi did not accept the signature or the time. Check that this"
        " computer's clock is right, and that Kakekomi's operator has your"
        " ngo-signing-public-key.pem (compare its fingerprint by phone).",
        "届きませんでした。署名または時刻が受け付けられませんでした。このパソコンの時計が"
        "正しいか、Kakekomi の運用者が ngo-signing-public-key.pem を登録しているか"
        "確認してください。",
    ),
    "not-configured": (
        False,
        "Not delivered: Kakekomi does not take replies yet (its operator has not set up your"
        " signing key). Send them ngo-signing-public-key.pem.",
        "届きませんでした。Kakekomi はまだ返信を受け付けていません（署名鍵が未設定）。"
        "運用者に ngo-signing-public-key.pem を送ってください。",
    ),
    "too-long": (
        False,
        "Not delivered: the reply is too long. Shorten it and send it again.",
        "届きませんでした。返信が長すぎます。短くしてもう一度送ってください。",
    ),
    "refused": (
        False,
        "Not delivered: Kakekomi refused the reply as malformed. Tell Kakekomi's operator;"
        " this toolkit may be older than the gateway.",
        "届きませんでした。形式が正しくないとして拒否されました。Kakekomi の運用者に"
        "知らせてください（ツールが古い可能性があります）。",
    ),
    "unavailable": (
        False,
        "Not delivered: Kakekomi is not reachable or busy right now. Nothing was lost; send"
        " it again later.",
        "届きませんでした。Kakekomi に接続できないか混み合っています。"
        "あとでもう一度送ってください。",
    ),
}


def outcome(code: str) -> Outcome:
    """The Outcome for a code of OUTCOMES."""
    delivered, english, _ = OUTCOMES[code]
    return Outcome(code, delivered, english)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def replies_url(gateway: str) -> str:
    """``<gateway>/api/ngo/replies``; https, or http only to this machine."""
    parts = urlsplit(gateway.strip())
    if not parts.hostname or parts.username or parts.password:
        raise GatewayUrlError("--gateway must be a URL like https://kakekomi.example")
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
        raise GatewayUrlError("--gateway must be https (http only to 127.0.0.1, for testing)")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{REPLIES_PATH}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer like any other, never followed with the body


_OPENER = urllib.request.build_opener(_NoRedirects)


def _status_of_one_post(url: str, reply: SealedReply, key: ed25519.Ed25519PrivateKey) -> int:
    headers = sign_headers(reply.id, reply.body, key)
    headers["content-type"] = "application/json"
    headers["user-agent"] = "kakekomi-ngo/2"
    # replies_url() allowed only https, or http to loopback.
    request = urllib.request.Request(url, data=reply.body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):
        return 0  # no answer at all


_CODES: Final = {
    400: "refused",
    401: "signature",
    404: "no-mailbox",
    410: "no-mailbox",
    413: "too-long",
    422: "refused",
    503: "not-configured",
}


def _code_for(status: int) -> str:
    if 200 <= status < 300:
        return "sent"
    return _CODES.get(status, "unavailable")


def post_reply(
    gateway: str, reply: SealedReply, key: ed25519.Ed25519PrivateKey, pauses: tuple[float, ...]
) -> Outcome:
    """POST one sealed reply, again after each pause while there is no answer or a 5xx."""
    url = replies_url(gateway)
    for pause in (*pauses, None):
        status = _status_of_one_post(url, reply, key)
        # 503 from a gateway without the NGO's key stays 503: no point in asking again.
        if status == 503 or not (status == 0 or status == 429 or status >= 500) or pause is None:
            return outcome(_code_for(status))
        time.sleep(pause)
    raise AssertionError("unreachable")


def send_reply(
    folder: NgoFolder,
    case: Case,
    text: str,
    *,
    gateway: str,
    signing_key: ed25519.Ed25519PrivateKey,
    pauses: tuple[float, ...] = RETRY_PAUSES,
) -> tuple[Outcome, Path | None]:
    """Seal, sign and POST a reply for a case; record it in the folder once it is stored."""
    target = case.reply_target()
    if target is None:
        raise ValueError("she chose no reply code for this case: there is no mailbox to answer")
    replies_url(gateway)  # refuse a bad URL before anything is sealed
    reply = seal_reply(target, text)
    result = post_reply(gateway, reply, signing_key, pauses)
    recorded = folder.record_sent(case, reply) if result.delivered else None
    return result, recorded
