"""Starting the stack on a model Rasa cannot load: the supervisor says so and stops.

Rasa opens its port even when its model did not load, and then answers every message with
nothing. `/readyz` only asks whether Rasa answers at all, so the supervisor used to print
"Kakekomi is ready" over a bot that could not say a word. It now sends one real message
first, as the model swap does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_servers import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_a_model_that_does_not_load_is_never_called_ready(tmp_path: Path) -> None:
    broken = tmp_path / "kakekomi-broken.tar.gz"
    broken.write_bytes(b"not a model")
    env = {
        **os.environ,
        "KAKEKOMI_HOST": "127.0.0.1",
        "KAKEKOMI_PORT": str(free_port()),
        "KAKEKOMI_RASA_PORT": str(free_port()),
        "KAKEKOMI_ACTIONS_PORT": str(free_port()),
        "KAKEKOMI_DATA_DIR": str(tmp_path / "var"),
    }
    log = tmp_path / "stack.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kakekomi_stack", "--model", str(broken)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        code = process.wait(timeout=240)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail("the stack neither got ready nor stopped:\n" + log.read_text()[-3000:])
    said = log.read_text(errors="replace")
    assert "Kakekomi is ready" not in said, said[-3000:]
    assert code == 1, said[-3000:]
    assert "does not answer" in said, said[-3000:]
