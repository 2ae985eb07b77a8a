"""The emergency fallback shown when the assistant cannot answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api import fallback
from api.directory import load_emergency_contacts
from api.fallback import HEADERS, fallback_messages
from api.language import LANGUAGES, detect


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_its_own_header_and_the_directory_lines(
    language: str, directory_path: Path
) -> None:
    contacts = load_emergency_contacts(directory_path)
    messages = fallback_messages(language, contacts)  # type: ignore[arg-type]
    assert messages[0].text == HEADERS[language]  # type: ignore[index]
    assert [m.text.rsplit(": ", 1)[1] for m in messages[1:]] == ["110", "119", "118"]
    assert all(m.buttons == [] for m in messages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_header_is_written_in_its_language(language: str) -> None:
    assert detect(HEADERS[language]) == language  # type: ignore[index]


def test_no_phone_number_is_written_in_code() -> None:
    source = Path(fallback.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\d{3}", source)
