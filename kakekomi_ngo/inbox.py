"""``kakekomi-ngo inbox``: the NGO folder as a web page on this computer only.

Who can reach it: it binds a loopback address only; every path starts with a secret token
kept in the folder (``.inbox-token``), so another user of the machine cannot read it; a
Host header that is not a loopback name is refused, so a web page whose DNS name points at
127.0.0.1 (DNS rebinding) cannot read it either; every POST carries a per-process CSRF token
and, when the browser sends one, an Origin of this page. Nothing is logged.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo.folder import NgoFolder
from kakekomi_ngo.inbox_page import CSP, Notice, render
from kakekomi_ngo.keys import load_signing_private_key
from kakekomi_ngo.protocol import is_valid_id
from kakekomi_ngo.replies import minute_now
from kakekomi_ngo.send import OUTCOMES, replies_url, send_reply

DEFAULT_INBOX_PORT: Final = 8788
MAX_FORM_BYTES: Final = 64 * 1024
REQUEST_SECONDS: Final = 15.0
LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer the browser sends "Origin: null".
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class NotLoopback(ValueError):
    """The inbox was asked to listen where other computers could reach it."""


def is_loopback(host: str) -> bool:
    """Whether an address or name is this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without the port (``[::1]:8788`` gives ``::1``)."""
    return (urlsplit(f"//{header}").hostname or "") if header.isascii() else ""


@dataclass
class Inbox:
    """What the page needs: the folder, the secrets, and how to send a reply (if it may)."""

    folder: NgoFolder
    token: str
    gateway: str | None = None
    signing_key: ed25519.Ed25519PrivateKey | None = None
    csrf: str = ""

    def __post_init__(self) -> None:
        self.csrf = self.csrf or secrets.token_urlsafe(32)
        # One action at a time: two clicks must not interleave their writes to the folder.
        self.lock = threading.Lock()

    @property
    def can_send(self) -> bool:
        """Whether the reply box is shown."""
        return self.gateway is not None and self.signing_key is not None

    def page(self, notice: Notice | None = None, draft: str = "") -> str:
        """The page as it is now."""
        cases = self.folder.cases()
        return render(
            cases,
            csrf=self.csrf,
            can_send=self.can_send,
            notice=notice,
            draft=draft,
            unreadable=self.folder.unreadable(),
        )

    def reply(self, case_key: str, text: str) -> tuple[Notice, str]:
        """Send a reply to a case; the notice, and the text to keep in the box if it failed."""
        case = self.folder.case(case_key)
        if case is None or case.reply_target() is None or not self.can_send:
            return Notice("refused", case_key), text
        assert self.gateway is not None and self.signing_key is not None
        try:
            result, _ = send_reply(
                self.folder, case, text, gateway=self.gateway, signing_key=self.signing_key
            )
        except ValueError:  # empty or too long: the browser's maxlength makes this rare
            return Notice("too-long" if text.strip() else "refused", case_key), text
        return Notice(result.code, case_key), "" if result.delivered else text

    def mark_handled(self, case_key: str) -> Notice | None:
        """Mark a case handled."""
        case = self.folder.case(case_key)
        if case is None:
            return None
        self.folder.mark_handled(case, minute_now())
        return Notice("handled", case_key)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = REQUEST_SECONDS
    server_version = "kakekomi-ngo-inbox"
    sys_version = ""

    def _inbox_path(self) -> str | None:
        """The path after the token, or None when the Host or the token is wrong (answered)."""
        if host_name(self.headers.get("host", "")) not in LOOPBACK_NAMES:
            self._plain(421, "This inbox answers only at 127.0.0.1 or localhost.")
            return None
        prefix = f"/{self.server.inbox.token}/"
        path = urlsplit(self.path).path
        given = path[: len(prefix)]
        if not hmac.compare_digest(given.encode(), prefix.encode()):
            self._plain(404, "Not found. Open the address kakekomi-ngo inbox printed.")
            return None
        return path[len(prefix) :]

    def do_GET(self) -> None:
        path = self._inbox_path()
        if path is None:
            return
        if path != "":
            self._plain(404, "Not found.")
            return
        code = parse_qs(urlsplit(self.path).query).get("notice", [""])[0]
        case = parse_qs(urlsplit(self.path).query).get("case", [""])[0]
        known = code in OUTCOMES or code == "handled"
        self._html(200, self.server.inbox.page(Notice(code, case) if known else None))

    def do_POST(self) -> None:
        path = self._inbox_path()
        if path is None:
            return
        form = self._form()
        if form is None:
            return
        inbox = self.server.inbox
        case = form.get("case", "")
        with inbox.lock:
            if path == "handled":
                self._see_page(inbox.mark_handled(case))
            elif path == "reply":
                notice, draft = inbox.reply(case, form.get("text", ""))
                if draft:  # failed: show the page again with her text still in the box
                    self._html(200, inbox.page(notice, draft))
                else:
                    self._see_page(notice)
            else:
                self._plain(404, "Not found.")

    def _form(self) -> dict[str, str] | None:
        """The POSTed form once it passes the size, type, origin and CSRF checks."""
        origin = self.headers.get("origin")
        if origin is not None and origin != f"http://{self.headers.get('host', '')}":
            self._plain(403, "Refused: this form was not sent from the inbox page.")
            return None
        raw_length = self.headers.get("content-length", "")
        if not (raw_length.isascii() and raw_length.isdigit()) or len(raw_length) > 6:
            self._plain(411, "A form needs a content-length.")
            return None
        if int(raw_length) > MAX_FORM_BYTES:
            self._plain(413, "Too long.")
            return None
        kind = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            self._plain(415, "Only the inbox's own forms are accepted.")
            return None
        body = self.rfile.read(int(raw_length))
        try:
            fields = parse_qs(body.decode("utf-8"), strict_parsing=True, max_num_fields=8)
        except (UnicodeDecodeError, ValueError):
            self._plain(400, "Malformed form.")
            return None
        form = {name: values[0] for name, values in fields.items()}
        csrf = form.get("csrf", "").encode()
        if not hmac.compare_digest(csrf, self.server.inbox.csrf.encode()):
            self._plain(403, "Refused: the page was out of date. Reload it and try again.")
            return None
        return form

    def _see_page(self, notice: Notice | None) -> None:
        """303 to the page (POST, redirect, GET: a reload does not send the form again)."""
        where = f"/{self.server.inbox.token}/"
        if notice is not None and is_valid_id(notice.case):
            where += f"?notice={notice.code}&case={notice.case}#case-{notice.case}"
        self.send_response(303)
        self._headers()
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _headers(self) -> None:
        for name, value in HEADERS.items():
            self.send_header(name, value)

    def _html(self, status: int, page: str) -> None:
        self._send(status, "text/html; charset=utf-8", page.encode("utf-8"))

    def _plain(self, status: int, text: str) -> None:
        self._send(status, "text/plain; charset=utf-8", f"{text}\n".encode())

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self._headers()
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the path holds the token, a form her words: nothing is logged


class _Server(ThreadingHTTPServer):
    """The inbox's server: a thread per request, for one caseworker's browser."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], inbox: Inbox) -> None:
        self.inbox = inbox
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The type only: a message could quote what was sent.
        print(f"inbox: request failed ({type(sys.exc_info()[1]).__name__})", file=sys.stderr)


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_inbox_server(host: str, port: int, inbox: Inbox) -> ThreadingHTTPServer:
    """A server for the inbox on a loopback address, bound but not yet serving."""
    if not is_loopback(host):
        raise NotLoopback(
            f"the inbox shows her words: it listens on this computer only (127.0.0.1), not {host}"
        )
    server_class = _Server6 if ":" in host else _Server
    return server_class((host.strip("[]"), port), inbox)


def url_of(server: ThreadingHTTPServer, inbox: Inbox) -> str:
    """The address to open in a browser on this computer."""
    host, port = server.server_address[:2]
    shown = f"[{host!s}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/{inbox.token}/"


def serve_inbox(host: str, port: int, inbox: Inbox) -> None:
    """Serve until SIGTERM or Ctrl-C; prints the address to open first."""
    server = make_inbox_server(host, port, inbox)
    print(f"kakekomi-ngo inbox: open {url_of(server, inbox)}", flush=True)

    def _stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def load_inbox(folder: Path, gateway: str | None, signing_key: Path | None) -> Inbox:
    """An Inbox over a folder; replies only with both a gateway and a signing key."""
    ngo_folder = NgoFolder(folder)
    if gateway is not None:
        replies_url(gateway)
    key = None if signing_key is None else load_signing_private_key(signing_key)
    return Inbox(ngo_folder, ngo_folder.inbox_token(), gateway, key)
