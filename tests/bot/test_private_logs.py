"""kakekomi_bot.private_logs: Rasa's and rasa_sdk's logs never carry what a person wrote.

In-process tests drive Rasa's own logging setup and its REST channel's own error path, once
without the guards (the canary is in the log: the test can fail) and once with them. The
process tests run the real servers the way kakekomi_stack does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
from kakekomi_bot import private_logs

ROOT = Path(__file__).resolve().parents[2]
BOT_PYTHON = ROOT / "bot" / ".venv" / "bin" / "python"
GATEWAY_PYTHON = ROOT / ".venv" / "bin" / "python"
TEXT = "my boss took my passport CANARY-TEXT-7f3a"
SENDER = "CANARY-SENDER-91bc"


@pytest.fixture
def rasa_logging(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.LogCaptureFixture]:
    """Rasa's own structlog setup, as `rasa run` makes it; global state restored after."""
    from rasa.core.channels import rest
    from rasa.utils.log_utils import configure_structlog

    # A logger that earlier tests used keeps their configuration: give the channel a new one.
    monkeypatch.setattr(rest, "structlogger", structlog.get_logger())

    factory = logging.getLogRecordFactory()
    structlog_config = structlog.get_config()
    show_warning = warnings.showwarning
    root_handlers = list(logging.getLogger().handlers)
    configure_structlog(logging.WARNING)
    structlog.configure(cache_logger_on_first_use=False)
    caplog.set_level(logging.WARNING)
    yield caplog
    logging.setLogRecordFactory(factory)
    structlog.reset_defaults()
    structlog.configure(**structlog_config)
    warnings.showwarning = show_warning
    logging.getLogger().handlers[:] = root_handlers


def rest_channel_failure(text: Any, sender: str) -> None:
    """Rasa's REST channel receives a message and handling it fails (as when a store dies)."""
    from rasa.core.channels.rest import RestInput

    async def on_new_message(message: Any) -> None:
        raise RuntimeError("the tracker store is gone")

    blueprint = RestInput().blueprint(on_new_message)
    receive = next(r.handler for r in blueprint._future_routes if r.uri == "/webhook")

    request = SimpleNamespace(json={"sender": sender, "message": text}, args={})
    asyncio.run(receive(request))


@pytest.mark.parametrize("guarded", [False, True], ids=["rasa-alone", "guarded"])
def test_rest_channel_failure_logs_the_event_but_not_the_text_or_sender(
    rasa_logging: pytest.LogCaptureFixture, guarded: bool
) -> None:
    if guarded:
        private_logs.install()
    rest_channel_failure(TEXT, SENDER)
    logged = rasa_logging.text
    assert "rest.message.received.failure" in logged
    assert (TEXT in logged) is not guarded
    assert (SENDER in logged) is not guarded  # Rasa's JSON traceback lists frame locals
    if guarded:
        assert "RuntimeError" in logged  # what failed stays visible, its message does not
        assert "the tracker store is gone" not in logged


def test_structlog_fields_other_than_names_are_withheld(
    rasa_logging: pytest.LogCaptureFixture,
) -> None:
    private_logs.install()
    structlog.get_logger("rasa.shared.core.events").warning(
        "event.deserialization.failed", rasa_event={"text": TEXT}, sender_id=SENDER
    )
    assert "event.deserialization.failed" in rasa_logging.text
    assert TEXT not in rasa_logging.text
    assert SENDER not in rasa_logging.text


def test_standard_log_lines_of_conversation_code_are_withheld(
    rasa_logging: pytest.LogCaptureFixture,
) -> None:
    lines = [
        ("rasa.core.processor", f"Circuit breaker tripped for sender '{SENDER}'."),
        ("rasa.core.actions.action", f"Action server said: {TEXT}"),
        ("rasa_sdk.endpoint", "No registered action found for name '%s'.", TEXT),
    ]
    for guarded in (False, True):
        rasa_logging.clear()
        if guarded:
            private_logs.install()
        for name, message, *args in lines:
            logging.getLogger(name).error(message, *args)
        try:
            raise ValueError(TEXT)
        except ValueError:
            logging.getLogger("kakekomi_bot.tracker_store").exception("store.failed")
        assert len(rasa_logging.records) == 4
        assert (TEXT in rasa_logging.text) is not guarded
        assert (SENDER in rasa_logging.text) is not guarded
    assert [r.name for r in rasa_logging.records][:3] == [name for name, *_ in lines]
    assert "store.failed [ValueError at test_private_logs.py:" in rasa_logging.text


def test_warnings_show_category_and_place_only(
    rasa_logging: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    private_logs.install()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = private_logs.show_warning_outline
        warnings.warn(f"Invalid entity specification: {TEXT}", UserWarning, stacklevel=1)
    shown = capsys.readouterr().err
    assert "UserWarning (message withheld)" in shown
    assert TEXT not in shown


# --- the real servers, started as kakekomi_stack starts them -----------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ci_model() -> Path | None:
    """The model for the current data, else any trained model; never trains."""
    found = subprocess.run(
        [
            str(BOT_PYTHON),
            "-m",
            "kakekomi_bot.maintain",
            "model-path",
            "--config",
            "bot/config.yml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    named = Path(found.stdout.strip()) if found.returncode == 0 else None
    if named is not None and named.is_file():
        return named
    models = sorted(
        (ROOT / "models").glob("kakekomi-config-*.tar.gz"), key=lambda p: p.stat().st_mtime
    )
    return models[-1] if models else None


def start(
    command: list[str], env: dict[str, str], log: Path, ready_url: str
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(ready_url, timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    process.wait()
    pytest.fail("did not start:\n" + log.read_text(errors="replace")[-2000:])


def post(url: str, body: dict[str, Any]) -> int:
    """POSTs JSON; the HTTP status."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def stack_rasa_command(model: Path, port: int) -> list[str]:
    """The Rasa command of kakekomi_stack (which runs in the gateway's environment)."""
    script = (
        "import json, sys; from pathlib import Path; "
        "from kakekomi_stack.processes import rasa_service; "
        "from kakekomi_stack.settings import StackSettings; "
        "print(json.dumps(rasa_service(StackSettings(), Path(sys.argv[1]), "
        "int(sys.argv[2])).command))"
    )
    found = subprocess.run(
        [str(GATEWAY_PYTHON), "-c", script, str(model), str(port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(found.stdout))


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bot_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        "SANIC_HOST": "127.0.0.1",
        **extra,
    }


@pytest.mark.parametrize("guarded", [False, True], ids=["rasa_sdk-alone", "guarded"])
def test_action_server_log_never_carries_the_request(tmp_path: Path, guarded: bool) -> None:
    port = free_port()
    program = ["-m", "kakekomi_bot.private_logs", "rasa_sdk"] if guarded else ["-m", "rasa_sdk"]
    command = [str(BOT_PYTHON), *program, "--actions", "actions", "--port", str(port), "--quiet"]
    log = tmp_path / "actions.log"
    process = start(command, bot_env(), log, f"http://127.0.0.1:{port}/health")
    try:
        body = {
            "next_action": f"action_{TEXT}",
            "sender_id": SENDER,
            "tracker": {"sender_id": SENDER},
        }
        assert post(f"http://127.0.0.1:{port}/webhook", body) == 404
    finally:
        stop(process)
    printed = log.read_text(errors="replace")
    assert "rasa_sdk.endpoint" in printed  # the failure is logged, by the logger's name
    assert (TEXT in printed) is not guarded


def test_rasa_log_never_carries_text_or_sender_when_everything_fails(tmp_path: Path) -> None:
    """Action server down, conversation store gone, a message Rasa cannot handle."""
    model = ci_model()
    if model is None:
        pytest.skip("no model in models/ (make model); this test never trains")
    port = free_port()
    env = bot_env(
        KAKEKOMI_ACTIONS_PORT=str(free_port()),  # nobody listens there
        KAKEKOMI_SESSION_IDLE_SECONDS="1800",
        KAKEKOMI_CONVERSATION_SOCKET=str(tmp_path / "gone.sock"),
    )
    command = stack_rasa_command(model, port)
    assert command[:4] == [str(BOT_PYTHON), "-m", "kakekomi_bot.private_logs", "rasa"]
    log = tmp_path / "rasa.log"
    process = start(command, env, log, f"http://127.0.0.1:{port}/webhooks/rest/")
    try:
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        for message in (TEXT, "I am trapped and need help", {"text": TEXT}):
            assert post(url, {"sender": SENDER, "message": message}) == 200
    finally:
        stop(process)
    printed = log.read_text(errors="replace")
    # Each failure was logged: the store, the action server, the REST channel...
    assert "rasa.core.tracker_store" in printed
    assert "rasa.core.processor" in printed
    assert "rest.message.received.failure" in printed
    # ...and none of them says what was written or who wrote it.
    assert TEXT not in printed
    assert "CANARY" not in printed
