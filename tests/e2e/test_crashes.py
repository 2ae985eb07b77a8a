"""A crashed process under the real supervisor: restarted by itself, the page up meanwhile.

The real parts: `python -m kakekomi_stack` on the CI model, its conversation store, action
server, Rasa and gateway. Each test SIGKILLs one of its processes, as the kernel's
out-of-memory killer would. The tests share one stack and run in this order: the last one
crashes the store until the supervisor gives up, which ends that stack.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from api.fallback import HEADERS
from tests.e2e.conftest import NgoReceiver, RunningStack, start_stack, trained_model
from tests.e2e.test_conversations import answers

pytestmark = pytest.mark.e2e

# How each process shows in its command line.
ROLES: dict[str, Callable[[list[str]], bool]] = {
    "rasa": lambda argv: "rasa" in argv and "run" in argv,
    "actions": lambda argv: "rasa_sdk" in argv,
    "conversation store": lambda argv: "kakekomi_bot.conversation_store" in argv,
    "gateway": lambda argv: "uvicorn" in argv,
}
SAID = "kailangan ko ng tulong, gusto ko na makaalis dito sa trabaho"


@pytest.fixture(scope="module")
def crashing(tmp_path_factory: pytest.TempPathFactory, ngo: NgoReceiver) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("crashes"), trained_model(), ngo)
    yield running
    if running.process.poll() is None:
        running.stop()


def child(stack: RunningStack, role: str) -> int | None:
    """The pid of the stack's process in `role`, if one runs (Linux: read from /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            argv = (stat.parent / "cmdline").read_bytes().decode().split("\0")
        except (OSError, ValueError, IndexError):
            continue
        if int(fields[1]) == stack.process.pid and fields[0] != "Z" and ROLES[role](argv):
            return int(stat.parent.name)
    return None


def wait_until(check: Callable[[], bool], stack: RunningStack, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        log = stack.log.read_text(errors="replace")[-3000:]
        assert stack.process.poll() is None, "the stack stopped:\n" + log
        assert time.monotonic() < deadline, log
        time.sleep(0.5)


def crash(stack: RunningStack, role: str) -> None:
    """SIGKILLs the process in `role`; returns once the supervisor has started a new one."""
    pid = child(stack, role)
    assert pid is not None, f"no {role} process"
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: child(stack, role) not in (None, pid), stack, seconds=60)


def answers_again(stack: RunningStack) -> bool:
    try:
        return httpx.get(f"{stack.url}readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_rasa_comes_back_by_itself_and_her_conversation_continues(crashing: RunningStack) -> None:
    first = crashing.chat(SAID, language="tl")
    assert first.json()["messages"][-1]["text"] == answers()["utter_ask_consent"]["tl"]
    session = first.json()["session"]

    pid = child(crashing, "rasa")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    restarting = "rasa stopped unexpectedly (killed by SIGKILL); restarting it in 1 s"
    wait_until(lambda: restarting in crashing.log.read_text(errors="replace"), crashing, 30)

    # While Rasa loads its model again: the page, and the emergency numbers in her language.
    page = httpx.get(crashing.url, timeout=10)
    assert page.status_code == 200 and "110" in page.text
    meanwhile = crashing.chat("tasukete kudasai", language="ja")
    assert meanwhile.status_code == 503
    texts = [m["text"] for m in meanwhile.json()["messages"]]
    assert texts[0] == HEADERS["ja"] and any("110" in text for text in texts)
    # Readiness says so too (its probe is cached for 2 s), until Rasa is back by itself.
    wait_until(lambda: not answers_again(crashing), crashing, 30)
    wait_until(lambda: answers_again(crashing), crashing)
    # The conversation store kept her place: her yes answers the consent question.
    yes = crashing.chat("/affirm", session=session).json()
    assert [m["text"] for m in yes["messages"]] == [answers()["utter_ask_contact"]["tl"]]
    log = crashing.log.read_text(errors="replace")
    assert "rasa started again" in log
    assert session not in log and SAID not in log and "tasukete" not in log


def consent_asked(stack: RunningStack) -> bool:
    """A new conversation goes through every process, action server included."""
    try:
        reply = stack.chat(SAID, language="tl")
    except httpx.HTTPError:
        return False
    expected = answers()["utter_ask_consent"]["tl"]
    return reply.status_code == 200 and reply.json()["messages"][-1]["text"] == expected


@pytest.mark.parametrize("role", ["actions", "gateway", "conversation store"])
def test_each_process_comes_back_by_itself(crashing: RunningStack, role: str) -> None:
    crash(crashing, role)
    wait_until(lambda: consent_asked(crashing), crashing, 120)
    assert f"{role} stopped unexpectedly (killed by SIGKILL)" in crashing.log.read_text()


def test_repeated_crashes_stop_the_whole_stack_loudly(crashing: RunningStack) -> None:
    for _ in range(5):  # five within two minutes, counting the earlier tests' crashes
        pid = child(crashing, "conversation store")
        if pid is None:  # the stack has stopped
            break
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while crashing.process.poll() is None and child(crashing, "conversation store") in (
            None,
            pid,
        ):
            assert time.monotonic() < deadline, crashing.log.read_text()[-3000:]
            time.sleep(0.2)
    assert crashing.process.wait(timeout=60) == 1
    log = crashing.log.read_text(errors="replace")
    assert "too many to restart; STOPPING THE WHOLE STACK" in log
    with pytest.raises(httpx.ConnectError):  # stopped means stopped: nothing half-alive
        httpx.get(crashing.url, timeout=5)
