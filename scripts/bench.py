"""Benchmarks the stack on this machine and prints the figures as a table and as JSON.

    python scripts/bench.py --model models/kakekomi-config-....tar.gz [--out reports/bench.json]

Starts the whole stack (python -m kakekomi_stack) on free 127.0.0.1 ports with a fresh data
directory, times the cold start (command to the first correct answer), then measures:
the latency of /api/chat and of Rasa's REST channel directly, in the same run and with the
same messages (their ratio is the gateway's overhead); sustained messages per second with
1, 10 and 50 conversations at once in mixed languages; p99 latency at a fixed 20 messages/s;
and the peak memory (VmHWM) of every process. Traffic goes to 127.0.0.1 only and every
phase is bounded in count and time. The messages are the held-out test examples.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from kakekomi_common.languages import CODES as LANGUAGES
from kakekomi_stack.processes import ROOT, free_port
from kakekomi_stack.redis_server import running_redis

# Messages per conversation in the latency phase (a person asks a few questions, not 200).
CONVERSATION_LENGTH = 10
# The targets of issue 6, on this 2-core machine.
TARGETS = {
    "gateway_overhead_pct": 5.0,
    "p99_ms_at_20_per_s": 300.0,
    "errors_at_50": 0,
    "cold_start_s": 30.0,
    "gateway_peak_mb": 120.0,
}


def held_out_messages() -> dict[str, list[str]]:
    """The held-out examples per language (nlu_data/tests/<language>.yml)."""
    messages: dict[str, list[str]] = {}
    for language in LANGUAGES:
        data = yaml.safe_load((ROOT / "nlu_data" / "tests" / f"{language}.yml").read_text())
        texts = []
        for block in data["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    texts.append(line.strip()[2:])
        messages[language] = texts
    return messages


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    millis = [s * 1000 for s in seconds]
    return {
        "count": len(millis),
        "p50_ms": round(percentile(millis, 50), 2),
        "p95_ms": round(percentile(millis, 95), 2),
        "p99_ms": round(percentile(millis, 99), 2),
    }


@dataclass
class Target:
    """Where the bench sends messages: the gateway's chat API or Rasa's REST channel."""

    gateway: str
    rasa: str

    async def chat(
        self, client: httpx.AsyncClient, text: str, session: str | None, language: str
    ) -> tuple[bool, str | None]:
        body = {"session": session, "text": text, "language": language}
        response = await client.post(f"{self.gateway}/api/chat", json=body)
        if response.status_code != 200:
            return False, session
        answer = response.json()
        return bool(answer["messages"]), answer["session"]

    async def rasa_direct(
        self, client: httpx.AsyncClient, text: str, sender: str, language: str
    ) -> bool:
        # The metadata the gateway sends (the bench's stack has no NGO configured).
        metadata = {"language": language, "escalation": "unavailable"}
        body = {"sender": sender, "message": text, "metadata": metadata}
        response = await client.post(f"{self.rasa}/webhooks/rest/webhook", json=body)
        return response.status_code == 200 and isinstance(response.json(), list)


@dataclass
class Load:
    """What one load phase saw."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    async def send(
        self, call: Awaitable[tuple[bool, str | None]], session: str | None
    ) -> str | None:
        """Times one chat message, counts it as answered or failed; returns the session."""
        try:
            took, (ok, session) = await timed(call)
        except httpx.HTTPError:
            self.errors += 1
            return session
        if ok:
            self.latencies.append(took)
        else:
            self.errors += 1
        return session


async def timed(call: Awaitable[Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call
    return time.perf_counter() - started, result


async def latency(target: Target, messages: dict[str, list[str]], count: int) -> dict[str, Any]:
    """Sequential messages, alternately to the gateway and to Rasa directly, same texts.

    Conversations of CONVERSATION_LENGTH messages, as a person's are: Rasa's cost per
    message grows with the conversation's length, and both paths see the same lengths.
    """
    gateway, rasa = [], []
    session: str | None = None
    texts = [(lang, text) for lang in LANGUAGES for text in messages[lang]]
    random.Random(1).shuffle(texts)  # noqa: S311 - a fixed order of test messages
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        sender = f"bench-warm-{os.getpid()}"
        for language, text in texts[:5]:  # warm both paths up
            await target.chat(client, text, None, language)
            await target.rasa_direct(client, text, sender, language)
        for index, (language, text) in enumerate(texts[:count]):
            if index % CONVERSATION_LENGTH == 0:  # a new conversation on both paths
                session, sender = None, f"bench-{os.getpid()}-{index}"
            took, (ok, session) = await timed(target.chat(client, text, session, language))
            if ok:
                gateway.append(took)
            took, ok = await timed(target.rasa_direct(client, text, sender, language))
            if ok:
                rasa.append(took)
    result: dict[str, Any] = {"gateway": summary_ms(gateway), "rasa": summary_ms(rasa)}
    overhead = result["gateway"]["p50_ms"] / result["rasa"]["p50_ms"] - 1
    result["gateway_overhead_pct"] = round(overhead * 100, 1)
    return result


async def conversations(
    target: Target, messages: dict[str, list[str]], users: int, per_user: int, limit_s: float
) -> Load:
    """`users` conversations at once, each sending `per_user` messages one after another."""
    load = Load()
    deadline = time.monotonic() + limit_s

    async def user(index: int, client: httpx.AsyncClient) -> None:
        language = LANGUAGES[index % len(LANGUAGES)]
        texts = messages[language]
        session = None
        for turn in range(per_user):
            if time.monotonic() > deadline:
                return
            text = texts[(index * 7 + turn) % len(texts)]
            session = await load.send(target.chat(client, text, session, language), session)

    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=30, limits=limits, trust_env=False) as client:
        started = time.perf_counter()
        await asyncio.gather(*(user(i, client) for i in range(users)))
        load.seconds = time.perf_counter() - started
    return load


async def fixed_rate(
    target: Target, messages: dict[str, list[str]], rate: float, seconds: float
) -> Load:
    """Open loop: a new message every 1/rate seconds, whatever the previous ones are doing."""
    load = Load()
    texts = [(lang, text) for lang in LANGUAGES for text in messages[lang]]

    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        tasks = []
        started = time.perf_counter()
        for index in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            language, text = texts[index % len(texts)]
            call = target.chat(client, text, None, language)
            tasks.append(asyncio.create_task(load.send(call, None)))
        await asyncio.gather(*tasks)
        load.seconds = time.perf_counter() - started
    return load


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def peak_kilobytes(pid: int) -> int:
    """VmHWM (peak resident memory) of `pid` and of every process under it (Rasa's workers)."""
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return 0
    own = next((int(line.split()[1]) for line in status.splitlines() if "VmHWM" in line), 0)
    return own + sum(peak_kilobytes(child) for child in children(pid))


def peak_memory_mb(stack_pid: int) -> dict[str, float]:
    """Peak resident memory of each process the stack started (with its own children)."""
    roles = {
        "uvicorn": "gateway",
        "rasa_sdk": "action server",
        "conversation_store": "conversation store",
        " run ": "rasa",
    }
    peaks: dict[str, float] = {}
    for pid in children(stack_pid):
        try:
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        role = next((r for key, r in roles.items() if key in command.decode()), "other")
        peaks[role] = max(peaks.get(role, 0.0), round(peak_kilobytes(pid) / 1024, 1))
    return peaks


def start_stack(
    model: Path, data_dir: Path, log: Path, scale_out: dict[str, str]
) -> tuple[subprocess.Popen[bytes], Target]:
    port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        **scale_out,
        "KAKEKOMI_HOST": "127.0.0.1",
        "KAKEKOMI_PORT": str(port),
        "KAKEKOMI_RASA_PORT": str(rasa_port),
        "KAKEKOMI_ACTIONS_PORT": str(free_port()),
        "KAKEKOMI_DATA_DIR": str(data_dir),
        "KAKEKOMI_RATE_LIMIT": "1000000",  # every bench client is 127.0.0.1
    }
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own fixed command
            [sys.executable, "-m", "kakekomi_stack", "--model", str(model)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, Target(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{rasa_port}")


def cold_start(target: Target, process: subprocess.Popen[bytes], limit_s: float) -> float:
    """Seconds from the command until a greeting gets a real answer through the gateway."""
    started = time.monotonic()
    body = {"session": None, "text": "hello", "language": "en"}
    while time.monotonic() - started < limit_s:
        if process.poll() is not None:
            raise RuntimeError("the stack exited while starting")
        try:
            response = httpx.post(f"{target.gateway}/api/chat", json=body, timeout=5)
            if response.status_code == 200 and response.json()["messages"]:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"no answer within {limit_s:.0f} s")


def training_seconds(model: Path) -> float | None:
    """How long `kakekomi_bot.maintain train` took for this model, if it recorded it."""
    record = model.with_name(model.name.replace(".tar.gz", ".json"))
    if record.is_file():
        return float(json.loads(record.read_text()).get("train_seconds", 0)) or None
    return None


def table(results: dict[str, Any]) -> str:
    lat = results["latency"]
    rows = [
        ("configuration", results["configuration"]),
        (
            "/api/chat p50 / p95 / p99 (ms)",
            "{p50_ms} / {p95_ms} / {p99_ms}".format(**lat["gateway"]),
        ),
        ("Rasa REST p50 / p95 / p99 (ms)", "{p50_ms} / {p95_ms} / {p99_ms}".format(**lat["rasa"])),
        ("gateway overhead at p50", f"{lat['gateway_overhead_pct']} %  (target <= 5 %)"),
    ]
    for users, load in results["conversations"].items():
        rows.append(
            (
                f"{users} conversation(s) at once",
                f"{load['per_second']} msg/s, p99 {load['p99_ms']} ms, {load['errors']} errors",
            )
        )
    rate = results["fixed_rate"]
    rows.append(
        (
            f"p99 at {rate['rate']} msg/s",
            f"{rate['p99_ms']} ms, {rate['errors']} errors  (target <= 300 ms)",
        )
    )
    rows.append(("cold start to first answer", f"{results['cold_start_s']} s  (target <= 30 s)"))
    train = results["training_s"]
    rows.append(("model training", f"{train} s" if train else "not recorded for this model"))
    for role, mb in sorted(results["peak_memory_mb"].items()):
        target = "  (target <= 120 MB)" if role == "gateway" else ""
        rows.append((f"peak memory: {role}", f"{mb} MB{target}"))
    width = max(len(name) for name, _ in rows)
    lines = [f"| {'measure'.ljust(width)} | value |", f"| {'-' * width} | --- |"]
    lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
    return "\n".join(lines)


def load_figures(load: Load) -> dict[str, Any]:
    return {
        "messages": len(load.latencies),
        "errors": load.errors,
        "seconds": round(load.seconds, 1),
        "per_second": round(load.per_second, 1),
        "p50_ms": round(percentile(load.latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(load.latencies, 99) * 1000, 1),
    }


async def measure(target: Target, quick: bool) -> dict[str, Any]:
    messages = held_out_messages()
    scale = 0.25 if quick else 1.0
    results: dict[str, Any] = {"latency": await latency(target, messages, count=int(200 * scale))}
    results["conversations"] = {}
    for users, per_user in ((1, 100), (10, 20), (50, 8)):
        load = await conversations(target, messages, users, int(per_user * scale) or 1, 120)
        results["conversations"][str(users)] = load_figures(load)
    rate_load = await fixed_rate(target, messages, rate=20, seconds=15 * scale)
    results["fixed_rate"] = {"rate": 20, **load_figures(rate_load)}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a trained Rasa model")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench.json")
    parser.add_argument("--quick", action="store_true", help="a quarter of the messages")
    parser.add_argument(
        "--redis",
        action="store_true",
        help="the scale-out configuration: conversations in a private redis-server (memory only)",
    )
    parser.add_argument(
        "--rasa-workers", type=int, default=1, help="Rasa processes (SANIC_WORKERS; needs --redis)"
    )
    args = parser.parse_args(argv)
    if not args.model.is_file():
        parser.error(f"no model at {args.model}")

    if args.rasa_workers > 1 and not args.redis:
        parser.error("several Rasa workers share conversations through Redis: add --redis")

    with (
        tempfile.TemporaryDirectory(prefix="kakekomi-bench-") as work,
        contextlib.ExitStack() as up,
    ):
        log = Path(work) / "stack.log"
        scale_out: dict[str, str] = {}
        if args.redis:
            scale_out["KAKEKOMI_REDIS_URL"] = up.enter_context(running_redis()).url
            scale_out["SANIC_WORKERS"] = str(args.rasa_workers)
        launched = time.monotonic()
        process, target = start_stack(args.model.resolve(), Path(work) / "var", log, scale_out)
        try:
            cold = cold_start(target, process, limit_s=300)
            print(f"cold start: {cold:.1f} s; measuring...", file=sys.stderr)
            results = asyncio.run(measure(target, args.quick))
            results["cold_start_s"] = round(cold, 1)
            results["peak_memory_mb"] = peak_memory_mb(process.pid)
        except (RuntimeError, TimeoutError) as error:
            print(f"bench failed: {error}\n{log.read_text(errors='replace')[-2000:]}")
            return 1
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        results["model"] = args.model.name
        results["configuration"] = (
            f"Redis, {args.rasa_workers} Rasa worker(s)" if args.redis else "embedded (make run)"
        )
        results["training_s"] = training_seconds(args.model)
        results["machine"] = {"cpus": os.cpu_count(), "seconds": round(time.monotonic() - launched)}
        results["targets"] = TARGETS
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
