"""A promote while people are chatting: no request fails and every conversation keeps its place.

The promote is played as `promote` does it: write <data dir>/live-model, then SIGHUP the
pid in <data dir>/stack.pid. The second model is a copy of the CI model under another name.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import NgoReceiver, RunningStack, start_stack, trained_model
from tests.e2e.test_conversations import answers

pytestmark = pytest.mark.e2e

# Asking for a person: with an NGO configured, the bot then asks for her consent, and her
# /deny is understood as "no" only if the conversation remembers that question.
HELP = {
    "en": "i need help",
    "ja": "助けがほしい",
    "th": "ขอความช่วยเหลือครับ",
    "tl": "kailangan ko ng tulong",
    "es": "necesito ayuda",
}


@pytest.fixture(scope="module")
def swap_stack(
    tmp_path_factory: pytest.TempPathFactory, ngo: NgoReceiver
) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("swap"), trained_model(), ngo)
    yield running
    running.stop()
    assert not (running.data_dir / "stack.pid").exists()


def promote(stack: RunningStack, model: Path) -> None:
    """What `promote` does once a model passed its gates."""
    pointer = stack.data_dir / "live-model"
    partial = pointer.with_name(".live-model.test")
    partial.write_text(f"{model}\n")
    os.replace(partial, pointer)
    pid = int((stack.data_dir / "stack.pid").read_text())
    assert pid == stack.process.pid
    os.kill(pid, signal.SIGHUP)


def wait_for_log(stack: RunningStack, text: str, within: float) -> float:
    deadline = time.monotonic() + within
    while text not in stack.log.read_text(errors="replace"):
        assert stack.process.poll() is None, stack.log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, stack.log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    return time.monotonic()


def ask_consent(stack: RunningStack, language: str) -> str:
    """Asks for help and returns the session, left waiting at the consent question."""
    body = stack.chat(HELP[language], language=language).json()
    assert body["messages"][-1]["text"] == answers()["utter_ask_consent"][language]
    return body["session"]


def answer_no(stack: RunningStack, session: str, language: str) -> None:
    no = stack.chat("/deny", session=session).json()
    assert no["session"] == session
    assert no["messages"][0]["text"] == answers()["utter_not_sent"][language]


def rasa_models(stack: RunningStack) -> list[str]:
    """The model of each Rasa process the stack runs (Linux: read from /proc)."""
    models = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            argv = (stat.parent / "cmdline").read_bytes().decode().split("\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == stack.process.pid and "run" in argv and "--model" in argv:
            models.append(argv[argv.index("--model") + 1])
    return models


@dataclass
class Load:
    """People chatting: each worker asks for help then says no, again and again."""

    stack: RunningStack
    workers: int = 6
    stop: threading.Event = field(default_factory=threading.Event)
    done: list[tuple[float, float, str]] = field(default_factory=list)  # start, end, problem
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        languages = list(HELP)
        for n in range(self.workers):
            thread = threading.Thread(target=self._chat, args=(languages[n % len(languages)],))
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _send(self, http: httpx.Client, body: dict, expected: str) -> dict | None:
        started = time.monotonic()
        problem = ""
        reply = None
        try:
            answer = http.post(f"{self.stack.url}api/chat", json=body)
            if answer.status_code != 200:
                problem = f"status {answer.status_code}"
            else:
                reply = answer.json()
                texts = [m["text"] for m in reply["messages"]]
                if expected not in texts:
                    problem = f"lost its place: {body['text']!r} got {texts[:1]}"
        except httpx.HTTPError as error:
            problem = type(error).__name__
        self.done.append((started, time.monotonic(), problem))
        return reply

    def _chat(self, language: str) -> None:
        with httpx.Client(timeout=30) as http:
            while not self.stop.is_set():
                body = {"text": HELP[language], "language": language, "session": None}
                asked = self._send(http, body, answers()["utter_ask_consent"][language])
                if asked is None:
                    continue
                body = {"text": "/deny", "session": asked["session"]}
                self._send(http, body, answers()["utter_not_sent"][language])


def test_a_model_that_does_not_start_leaves_the_old_one_serving(
    swap_stack: RunningStack, tmp_path: Path
) -> None:
    live = (swap_stack.data_dir / "live-model").read_text().strip()
    assert Path(live).is_file()
    waiting = ask_consent(swap_stack, "es")
    broken = tmp_path / "kakekomi-broken.tar.gz"
    broken.write_bytes(b"not a model")
    promote(swap_stack, broken)
    wait_for_log(swap_stack, "could not swap in kakekomi-broken.tar.gz", within=240)
    # The pointer names the model that is really live again.
    assert (swap_stack.data_dir / "live-model").read_text().strip() == live
    assert httpx.get(f"{swap_stack.url}readyz").status_code == 200
    answer_no(swap_stack, waiting, "es")


def test_a_promote_under_load_fails_no_request_and_keeps_every_conversation(
    swap_stack: RunningStack, tmp_path: Path
) -> None:
    copy = tmp_path / "kakekomi-promoted-copy.tar.gz"
    shutil.copyfile(trained_model(), copy)
    # People waiting at the consent question when the swap begins.
    waiting = {language: ask_consent(swap_stack, language) for language in HELP}
    ready_before = httpx.get(f"{swap_stack.url}readyz").status_code

    load = Load(swap_stack)
    load.start()
    try:
        time.sleep(3)
        promoted = time.monotonic()
        promote(swap_stack, copy)
        switched = wait_for_log(swap_stack, f"now serving {copy.name}", within=300)
        time.sleep(3)
    finally:
        load.finish()

    failures = [problem for _, _, problem in load.done if problem]
    during = [d for d in load.done if d[0] >= promoted and d[1] <= switched]
    slowest = max(end - start for start, end, _ in load.done)
    print(
        f"\nswap: {switched - promoted:.1f} s from SIGHUP to the old Rasa stopped; "
        f"{len(load.done)} requests, {len(during)} during the swap, {len(failures)} failed; "
        f"slowest {slowest:.2f} s"
    )
    assert failures == []
    assert len(during) >= 20  # the load really ran through the swap

    # Those who were waiting continue where they were, in their language.
    for language, session in waiting.items():
        answer_no(swap_stack, session, language)

    assert ready_before == 200
    assert httpx.get(f"{swap_stack.url}readyz").status_code == 200
    assert (swap_stack.data_dir / "live-model").read_text().strip() == str(copy)
    assert rasa_models(swap_stack) == [str(copy)]  # the old Rasa was stopped
    log = swap_stack.log.read_text(errors="replace")
    assert "rasa.switched" in log
    for language, session in waiting.items():
        assert session not in log and HELP[language] not in log
