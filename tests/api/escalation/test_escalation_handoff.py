"""What a handoff holds, and which settings are accepted."""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.escalation.handoff import build_handoff
from api.escalation.settings import (
    DEFAULT_RETRY_SCHEDULE,
    EscalationSettings,
    signing_key_path,
)


def test_a_handoff_holds_exactly_the_agreed_fields() -> None:
    handoff = build_handoff(
        language="tl",
        urgency="emergency",
        topics=["emergency", "ask_shelter", "emergency"],
        words=["one", "two", "three", "four", "five", "six", "seven"],
        contact={"method": "phone", "value": "+81 90 0000 0000"},
        now=datetime(2025, 3, 4, 5, 6, 59, 999, tzinfo=UTC),
    )
    assert set(handoff) == {
        "id", "kind", "created_at", "language", "urgency", "topics", "words", "contact", "reply"
    }  # fmt: skip
    assert handoff["kind"] == "request" and handoff["reply"] is None
    assert uuid.UUID(handoff["id"]).version == 4
    assert handoff["created_at"] == "2025-03-04T05:06:00Z"
    assert handoff["topics"] == ["emergency", "ask_shelter"]
    assert handoff["words"] == ["three", "four", "five", "six", "seven"]
    assert handoff["contact"] == {"method": "phone", "value": "+81 90 0000 0000"}


def test_each_handoff_gets_a_new_id_and_the_current_minute() -> None:
    first = build_handoff(language="en", urgency="normal", topics=[], words=[])
    second = build_handoff(language="en", urgency="normal", topics=[], words=[])
    assert first["id"] != second["id"]
    assert first["contact"] is None and first["words"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", first["created_at"])


def test_unknown_urgency_is_refused() -> None:
    with pytest.raises(ValueError, match="urgency"):
        build_handoff(language="en", urgency="urgent", topics=[], words=[])  # type: ignore[arg-type]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("KAKEKOMI_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_need_no_ngo(clean_env: pytest.MonkeyPatch) -> None:
    settings = EscalationSettings()
    assert settings.ngo_url is None and settings.retry_schedule == DEFAULT_RETRY_SCHEDULE
    assert 2.5 * 86400 < sum(DEFAULT_RETRY_SCHEDULE) < 3.5 * 86400
    assert signing_key_path(settings) == Path("var") / "signing-key.pem"


def test_settings_come_from_kakekomi_variables(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("KAKEKOMI_NGO_URL", "https://ngo.example/hook")
    clean_env.setenv("KAKEKOMI_NGO_PUBLIC_KEY", "/etc/kakekomi/ngo.pem")
    clean_env.setenv("KAKEKOMI_RETRY_SCHEDULE", "1, 10,100")
    clean_env.setenv("KAKEKOMI_DATA_DIR", "/srv/kakekomi")
    settings = EscalationSettings()
    assert settings.retry_schedule == (1.0, 10.0, 100.0)
    assert signing_key_path(settings) == Path("/srv/kakekomi/signing-key.pem")


@pytest.mark.parametrize(
    "url",
    [
        "https://ngo.example/hook",
        "http://127.0.0.1:8787/",
        "http://127.5.0.1/",
        "http://[::1]:8787/",
        "http://localhost:8787/",
    ],
)
def test_https_or_loopback_http_is_accepted(url: str) -> None:
    assert EscalationSettings(ngo_url=url, ngo_public_key=Path("k.pem")).ngo_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://ngo.example/hook",
        "http://192.168.1.10/",
        "ftp://ngo.example/",
        "ngo.example",
        "https://user:pw@ngo.example/",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        EscalationSettings(ngo_url=url, ngo_public_key=Path("k.pem"))


@pytest.mark.parametrize(
    "fields",
    [
        {"ngo_url": "https://ngo.example/"},
        {"ngo_public_key": Path("k.pem")},
        {"retry_schedule": "1,-1"},
        {"retry_schedule": "1,soon"},
        {"admin_token": "short"},
    ],
)
def test_incomplete_or_bad_settings_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EscalationSettings(**fields)  # type: ignore[arg-type]
