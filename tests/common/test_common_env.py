"""The shared settings' names and defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from kakekomi_common import env


def test_data_dir_defaults_to_var_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert env.data_dir({}) == tmp_path.resolve() / "var"
    assert env.data_dir({env.DATA_DIR: "state"}) == tmp_path.resolve() / "state"
    monkeypatch.setenv(env.DATA_DIR, "/srv/kakekomi")
    assert env.data_dir() == Path("/srv/kakekomi")


def test_every_name_carries_the_prefix() -> None:
    names = [value for key, value in vars(env).items() if key.isupper() and key != "PREFIX"]
    names = [name for name in names if isinstance(name, str) and name.startswith("KAKEKOMI")]
    assert len(names) >= 10
    assert all(name.startswith(env.PREFIX) for name in names)


def test_derived_places_and_times() -> None:
    assert env.session_idle_seconds(env.DEFAULT_SESSION_IDLE_MINUTES) == 1800
    assert env.session_idle_seconds(0.5) == 30
    assert env.conversation_socket(Path("/d")) == Path("/d/run/conversations.sock")
    assert env.pid_file(Path("/d")) == Path("/d/stack.pid")
