"""Gateway settings from ``KAKEKOMI_*`` variables."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pydantic
import pytest

from api.main import create_app
from api.settings import Settings, get_settings
from tests.live_servers import free_port, start_gateway

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "KAKEKOMI_HOST",
        "KAKEKOMI_PORT",
        "KAKEKOMI_RASA_PORT",
        "KAKEKOMI_ACTIONS_PORT",
        "KAKEKOMI_DATA_DIR",
        "KAKEKOMI_ENVIRONMENT",
        "KAKEKOMI_SECRETS_DIR",
        "KAKEKOMI_ADMIN_TOKEN",
        "KAKEKOMI_API_DOCS",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # no other test sees this one's settings


def test_secrets_come_from_files_in_the_secrets_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "kakekomi_admin_token").write_text("token-from-a-file-0123456789\n")
    (tmp_path / "kakekomi_outbox_url").write_text("postgresql://k:pw@db:5432/k\n")
    monkeypatch.setenv("KAKEKOMI_SECRETS_DIR", str(tmp_path))
    settings = get_settings()
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "token-from-a-file-0123456789"
    assert settings.outbox_url is not None
    assert settings.outbox_url.get_secret_value() == "postgresql://k:pw@db:5432/k"
    assert "pw" not in repr(settings)


def test_a_variable_wins_over_its_secret_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "kakekomi_admin_token").write_text("token-from-a-file-0123456789")
    monkeypatch.setenv("KAKEKOMI_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("KAKEKOMI_ADMIN_TOKEN", "token-from-the-environment-42")
    settings = get_settings()
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "token-from-the-environment-42"


def test_defaults() -> None:
    settings = Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert (settings.rasa_host, settings.rasa_port, settings.actions_port) == (
        "127.0.0.1",
        5005,
        5055,
    )
    assert settings.data_dir == Path("var")
    assert settings.session_idle_minutes == 30
    assert settings.rasa_timeout_seconds == 10.0
    assert settings.environment == "development"
    assert settings.directory_path == REPO / "bot" / "directory.yml"


def test_the_environment_overrides_with_the_kakekomi_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAKEKOMI_PORT", "9000")
    monkeypatch.setenv("KAKEKOMI_RASA_PORT", "6005")
    monkeypatch.setenv("KAKEKOMI_ACTIONS_PORT", "6055")
    monkeypatch.setenv("KAKEKOMI_DATA_DIR", "/tmp/kakekomi")
    monkeypatch.setenv("KAKEKOMI_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("KAKEKOMI_ENVIRONMENT", "production")
    monkeypatch.setenv("RASA_PORT", "1")  # no prefix: ignored
    settings = get_settings()
    assert (settings.port, settings.rasa_port, settings.actions_port) == (9000, 6005, 6055)
    assert settings.data_dir == Path("/tmp/kakekomi")
    assert settings.session_idle_minutes == 5
    assert settings.environment == "production"
    assert get_settings() is settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KAKEKOMI_PORT", "0"),
        ("KAKEKOMI_RASA_PORT", "http"),
        ("KAKEKOMI_ENVIRONMENT", "staging"),
        ("KAKEKOMI_SESSION_IDLE_MINUTES", "0"),
        ("KAKEKOMI_RASA_TIMEOUT_SECONDS", "-1"),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(pydantic.ValidationError):
        Settings()


def test_create_app_hands_its_settings_to_the_routes(settings: Settings) -> None:
    app = create_app(settings)
    assert app.state.settings is settings
    # Any override would make FastAPI rebuild every dependency on every request.
    assert app.dependency_overrides == {}


def test_the_docs_ui_is_off_unless_asked_but_the_schema_stays(settings: Settings) -> None:
    for environment in ("development", "production"):
        app = create_app(settings.model_copy(update={"environment": environment}))
        assert app.docs_url is None
        assert app.openapi_url == "/openapi.json"
    assert create_app(settings.model_copy(update={"api_docs": True})).docs_url == "/docs"


def test_the_docs_ui_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEKOMI_API_DOCS", "true")
    assert Settings().api_docs is True
    monkeypatch.setenv("KAKEKOMI_ENVIRONMENT", "production")
    with pytest.raises(pydantic.ValidationError, match="KAKEKOMI_API_DOCS"):
        Settings()


def test_the_real_gateway_serves_docs_only_when_asked(tmp_path: Path) -> None:
    for asked, status in [({}, 404), ({"api_docs": "true"}, 200)]:
        gateway = start_gateway(tmp_path / str(status), free_port(), **asked)
        try:
            docs = httpx.get(f"{gateway.url}/docs", timeout=5, trust_env=False)
            schema = httpx.get(f"{gateway.url}/openapi.json", timeout=5, trust_env=False)
        finally:
            gateway.stop()
        assert docs.status_code == status
        assert schema.status_code == 200
    production = run_with(
        [sys.executable, *GATEWAY],
        {"KAKEKOMI_API_DOCS": "true", "KAKEKOMI_ENVIRONMENT": "production"},
    )
    assert production.returncode != 0
    assert "KAKEKOMI_API_DOCS is for development" in production.stderr


CANARY = "CANARYpw7f3e"
# Each value is invalid and carries the canary where a password or token would be.
BAD_SECRETS = {
    "KAKEKOMI_REDIS_URL": f"http://:{CANARY}@localhost:6379/0",
    "KAKEKOMI_OUTBOX_URL": f"mysql://kakekomi:{CANARY}@db/kakekomi",
    "KAKEKOMI_ADMIN_TOKEN": CANARY,
    "KAKEKOMI_NGO_URL": f"https://ngo:{CANARY}@ngo.example/hook",
    "KAKEKOMI_PORT": CANARY,
    "KAKEKOMI_ENVIRONMENT": CANARY,
}


def run_with(command: list[str], variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAKEKOMI_")}
    return subprocess.run(
        command, cwd=REPO, env=env | variables, capture_output=True, text=True, timeout=60
    )


GATEWAY = [
    "-m",
    "uvicorn",
    "api.main:create_app",
    "--factory",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
]


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        (GATEWAY, ["redis_url", "outbox_url", "admin_token", "ngo_url", "port", "environment"]),
        (["-m", "api.escalation.delivery"], ["outbox_url", "admin_token", "ngo_url"]),
    ],
    ids=["gateway", "delivery-worker"],
)
def test_an_invalid_setting_stops_start_up_without_printing_its_value(
    command: list[str], refused: list[str]
) -> None:
    result = run_with([sys.executable, *command], BAD_SECRETS)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # Each refused setting is named (pydantic prints the field name on a line of its own).
    assert all(f"\n{name}\n" in output for name in refused), output
    assert CANARY not in output


@pytest.mark.parametrize(
    "url",
    [
        # libpq quotes the whole URI, or the token around the password, in these errors.
        f"postgresql://kakekomi:{CANARY}@[::1/kakekomi",
        f"postgresql://kakekomi:{CANARY}%zz@db/kakekomi",
        f"postgresql://kakekomi:{CANARY}@db/kakekomi?bogus=1",
        f"postgresql://kakekomi:{CANARY}@d b/kakekomi",
    ],
)
def test_an_unreadable_outbox_url_is_refused_without_its_value(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("KAKEKOMI_OUTBOX_URL", url)
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings()
    assert "\noutbox_url\n" in str(caught.value)
    assert CANARY not in str(caught.value)
