"""What the NGO's receiver holds under a slowloris: threads, memory, and whether handoffs land.

Starts a real ``kakekomi-ngo serve`` on 127.0.0.1, opens ``--attackers`` connections that
each send half a request and then nothing (reopened, at most once a second each, when the
receiver cuts them off or turns them away), and meanwhile posts a signed handoff every
``--every`` seconds as Kakekomi would. Prints the receiver's peak threads and memory and how
the handoffs were answered. Run: ``.venv/bin/python scripts/bench_ngo_receiver.py``.
"""

from __future__ import annotations

import argparse
import collections
import selectors
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kakekomi_ngo import protocol  # noqa: E402
from kakekomi_ngo.keys import (  # noqa: E402
    generate_ngo_key,
    load_or_create_signing_key,
    signing_public_key_path,
    write_ngo_key_pair,
)
from tests.live_servers import start_ngo_receiver  # noqa: E402

HALF_REQUEST = b"POST / HTTP/1.1\r\nHost: ngo\r\nContent-Type: application/json\r\n"


def proc_status(pid: int) -> tuple[int, int]:
    """(threads, resident KiB) of a process, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0])


def attack(address: tuple[str, int], count: int, stop: threading.Event) -> collections.Counter[str]:
    """Hold ``count`` half-sent requests open until stop; counts what happened to them."""
    seen: collections.Counter[str] = collections.Counter()
    selector = selectors.DefaultSelector()
    retry_at = [0.0] * count
    while not stop.is_set():
        now = time.monotonic()
        open_slots = {key.data for key in selector.get_map().values()}
        for slot in range(count):
            if stop.is_set():
                break
            if slot not in open_slots and retry_at[slot] <= now:
                retry_at[slot] = now + 1.0
                try:
                    sock = socket.create_connection(address, timeout=0.5)
                    sock.sendall(HALF_REQUEST)
                except OSError:
                    seen["connect-failed"] += 1
                    continue
                sock.setblocking(False)
                selector.register(sock, selectors.EVENT_READ, slot)
                seen["opened"] += 1
        for key, _ in selector.select(timeout=0.1):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            seen["busy-503" if b" 503 " in data[:20] else "cut-off"] += 1
            selector.unregister(sock)
            sock.close()
    for key in list(selector.get_map().values()):
        selector.unregister(key.fileobj)
        key.fileobj.close()  # type: ignore[union-attr]
    return seen


def main() -> None:
    """Run the attack and the honest sender side by side; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attackers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between handoffs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        ngo_key = generate_ngo_key()
        private, _ = write_ngo_key_pair(tmp / "ngo", ngo_key)
        ngo_public = ngo_key.public_key()
        signing = load_or_create_signing_key(tmp / "gateway" / "signing-key.pem")
        receiver = start_ngo_receiver(
            private, signing_public_key_path(tmp / "gateway" / "signing-key.pem"), tmp / "inbox"
        )
        # Read its log as it comes: a full pipe would stall the receiver, not the attack.
        log_lines: list[str] = []
        stderr = receiver.process.stderr
        assert stderr is not None
        reader = threading.Thread(target=lambda: log_lines.extend(stderr), daemon=True)
        reader.start()
        parts = urlsplit(receiver.url)
        address = (parts.hostname or "127.0.0.1", parts.port or 0)
        baseline = proc_status(receiver.process.pid)
        stop = threading.Event()
        result: list[collections.Counter[str]] = []
        attacker = threading.Thread(
            target=lambda: result.append(attack(address, args.attackers, stop)), daemon=False
        )
        if args.attackers:
            attacker.start()
        answers: collections.Counter[str] = collections.Counter()
        slowest = 0.0
        peak = baseline
        deadline = time.monotonic() + args.seconds
        number = 0
        while time.monotonic() < deadline:
            number += 1
            handoff = {"id": f"b-{number}", "language": "en", "words": ["bench"]}
            body = protocol.encrypt_handoff(handoff, ngo_public)
            headers = protocol.sign_headers(handoff["id"], body, signing)
            headers["content-type"] = "application/json"
            started = time.monotonic()
            try:
                status = httpx.post(receiver.url, content=body, headers=headers, timeout=15)
                answers[str(status.status_code)] += 1
            except httpx.TransportError as exc:
                answers[type(exc).__name__] += 1
            slowest = max(slowest, time.monotonic() - started)
            threads, rss = proc_status(receiver.process.pid)
            peak = (max(peak[0], threads), max(peak[1], rss))
            time.sleep(args.every)
        stop.set()
        if args.attackers:
            attacker.join()
        receiver.stop()
        reader.join(timeout=10)
        log = "".join(log_lines)
        stored = len(list((tmp / "inbox").glob("*.json")))

    print(f"attackers: {args.attackers} half-sent requests held open for {args.seconds:.0f} s")
    print(f"receiver threads: {baseline[0]} idle, {peak[0]} at peak")
    print(f"receiver memory: {baseline[1] / 1024:.1f} MiB idle, {peak[1] / 1024:.1f} MiB at peak")
    print(f"handoffs sent: {number}, answers: {dict(answers)}, stored: {stored}")
    print(f"slowest answer to a handoff: {slowest:.2f} s")
    if result:
        print(f"attack connections: {dict(result[0])}")
    print(f"tracebacks in the receiver's log: {log.count('Traceback')}")


if __name__ == "__main__":
    main()
