"""``kakekomi-ngo``: the partner NGO's key, receiver and decryption tool."""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo.folder import NgoFolder
from kakekomi_ngo.inbox import DEFAULT_INBOX_PORT, NotLoopback, load_inbox, serve_inbox
from kakekomi_ngo.keys import (
    KeyFileError,
    fingerprint,
    generate_ngo_key,
    key_kind,
    load_ngo_private_key,
    load_public_key_any,
    load_signing_private_key,
    load_signing_public_key,
    ngo_public_key_of,
    write_ngo_keys,
    write_ngo_signing_key_pair,
)
from kakekomi_ngo.protocol import MalformedRequest, ProtocolError, decrypt_body
from kakekomi_ngo.receiver import MAX_CONNECTIONS, REQUEST_SECONDS, HandoffReceiver, serve
from kakekomi_ngo.replies import reply_target
from kakekomi_ngo.send import GatewayUrlError, send_reply

DEFAULT_PORT = 8787


def _warn_if_exposed(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        print(
            f"kakekomi-ngo: warning: serving plain HTTP on {host}; "
            "put a TLS reverse proxy in front and bind 127.0.0.1",
            file=sys.stderr,
        )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _print_signing_key(private_path: Path, public_path: Path) -> None:
    public = load_public_key_any(public_path)
    print(f"signing key (Ed25519, signs your replies, keep secret, mode 0600): {private_path}")
    print(f"signing public key (send this file to Kakekomi too): {public_path}")
    print(f"signing fingerprint: {fingerprint(public)}")


def _keygen(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if args.signing_only:
        _print_signing_key(*write_ngo_signing_key_pair(out, ed25519.Ed25519PrivateKey.generate()))
        return 0
    key = generate_ngo_key(post_quantum=args.post_quantum)
    private_path, public_path, signing_private, signing_public = write_ngo_keys(
        out, key, ed25519.Ed25519PrivateKey.generate()
    )
    public = ngo_public_key_of(key)
    print(f"private key ({key_kind(key)}, keep secret, mode 0600): {private_path}")
    print(f"public key (send this file to Kakekomi): {public_path}")
    print(f"fingerprint: {fingerprint(public)}")
    _print_signing_key(signing_private, signing_public)
    return 0


def _fingerprint(args: argparse.Namespace) -> int:
    key = load_public_key_any(Path(args.file))
    print(f"{key_kind(key)} {fingerprint(key)}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    receiver = HandoffReceiver(
        private_keys=[load_ngo_private_key(Path(p)) for p in args.key],
        sender_keys=[load_signing_public_key(Path(p)) for p in args.sender_key],
        out_dir=Path(args.out),
    )
    _warn_if_exposed(args.host)
    serve(
        args.host,
        args.port,
        receiver,
        max_connections=args.max_connections,
        request_seconds=args.request_seconds,
    )
    return 0


def _decrypt(args: argparse.Namespace) -> int:
    keys = [load_ngo_private_key(Path(p)) for p in args.key]
    body = sys.stdin.buffer.read() if args.body_file == "-" else Path(args.body_file).read_bytes()
    handoff = decrypt_body(body, keys)
    print(json.dumps(handoff, ensure_ascii=False, indent=2))
    return 0


def _reply(args: argparse.Namespace) -> int:
    handoff_path = Path(args.handoff)
    try:
        handoff = json.loads(handoff_path.read_text("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"{handoff_path}: not a handoff file (not JSON)") from exc
    if not isinstance(handoff, dict):
        raise ProtocolError(f"{handoff_path}: not a handoff file")
    try:
        target = reply_target(handoff)
    except MalformedRequest as exc:
        raise ProtocolError(f"{handoff_path}: its reply member is broken ({exc})") from exc
    if target is None:
        print(
            "kakekomi-ngo: this handoff has no reply code: she gave a contact (see 'contact')"
            " or none, so there is no mailbox to answer. Nothing was sent.",
            file=sys.stderr,
        )
        return 2
    folder = NgoFolder(Path(args.folder) if args.folder else handoff_path.parent)
    case = folder.case_of(str(handoff.get("id")))
    if case is None:
        raise ProtocolError(f"{handoff_path} is not in the folder {folder.path} (use --folder)")
    signing_key = load_signing_private_key(Path(args.signing_key))
    try:
        result, recorded = send_reply(
            folder, case, args.text, gateway=args.gateway, signing_key=signing_key
        )
    except ValueError as exc:  # an empty or too long text
        print(f"kakekomi-ngo: {exc}. Nothing was sent.", file=sys.stderr)
        return 2
    print(result.message, file=sys.stdout if result.delivered else sys.stderr)
    if recorded is not None:
        print(f"kept what was sent in {recorded}")
    return 0 if result.delivered else 1


def _inbox(args: argparse.Namespace) -> int:
    if (args.gateway is None) != (args.signing_key is None):
        print("kakekomi-ngo: give both --gateway and --signing-key, or neither", file=sys.stderr)
        return 2
    inbox = load_inbox(Path(args.folder), args.gateway, args.signing_key and Path(args.signing_key))
    serve_inbox(args.host, args.port, inbox)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="kakekomi-ngo", description="Receive encrypted Kakekomi handoffs."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser(
        "keygen", help="create the NGO's encryption key pair and its reply-signing key pair"
    )
    keygen.add_argument("--out", required=True, help="folder for the four key files")
    keygen.add_argument(
        "--post-quantum",
        action="store_true",
        help="hybrid ML-KEM-768 + X25519 key (safe against a future quantum computer)",
    )
    keygen.add_argument(
        "--signing-only",
        action="store_true",
        help="only add the reply-signing key pair beside keys made by an older version",
    )
    keygen.set_defaults(run=_keygen)

    fp = commands.add_parser("fingerprint", help="print the fingerprint of a key file")
    fp.add_argument("file", help="a public or private key file")
    fp.set_defaults(run=_fingerprint)

    srv = commands.add_parser("serve", help="run the reference receiver")
    srv.add_argument(
        "--key",
        action="append",
        required=True,
        help="NGO private key file (repeat to keep an old key during a rotation)",
    )
    srv.add_argument(
        "--sender-key",
        action="append",
        required=True,
        help="Kakekomi's Ed25519 public key file (repeat during a rotation)",
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    srv.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    srv.add_argument("--out", required=True, help="folder for received handoffs (made 0700)")
    srv.add_argument(
        "--max-connections",
        type=_positive_int,
        default=MAX_CONNECTIONS,
        help=f"connections served at once; more get 503 (default {MAX_CONNECTIONS})",
    )
    srv.add_argument(
        "--request-seconds",
        type=_positive_float,
        default=REQUEST_SECONDS,
        help=f"a request must arrive within this many seconds (default {REQUEST_SECONDS:g})",
    )
    srv.set_defaults(run=_serve)

    rep = commands.add_parser(
        "reply", help="answer her in her mailbox (only when she chose a reply code)"
    )
    rep.add_argument("--handoff", required=True, help="the handoff file to answer (serve wrote it)")
    rep.add_argument("--text", required=True, help="your answer, in her language")
    rep.add_argument("--gateway", required=True, help="Kakekomi's address, https://...")
    rep.add_argument(
        "--signing-key", required=True, help="your ngo-signing-private-key.pem (from keygen)"
    )
    rep.add_argument(
        "--folder", help="the folder serve writes to (default: the handoff file's folder)"
    )
    rep.set_defaults(run=_reply)

    box = commands.add_parser(
        "inbox", help="read and answer handoffs in a browser, on this computer"
    )
    box.add_argument("--folder", required=True, help="the folder serve writes to (its --out)")
    box.add_argument("--gateway", help="Kakekomi's address, https://... (to reply)")
    box.add_argument("--signing-key", help="your ngo-signing-private-key.pem (to reply)")
    box.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    box.add_argument(
        "--port", type=int, default=DEFAULT_INBOX_PORT, help=f"default {DEFAULT_INBOX_PORT}; 0: any"
    )
    box.set_defaults(run=_inbox)

    dec = commands.add_parser("decrypt", help="decrypt a saved request body")
    dec.add_argument("--key", action="append", required=True, help="NGO private key file")
    dec.add_argument("body_file", help="the saved POST body ('-' reads standard input)")
    dec.set_defaults(run=_decrypt)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except (KeyFileError, ProtocolError, GatewayUrlError, NotLoopback, OSError) as exc:
        print(f"kakekomi-ngo: error: {exc}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
