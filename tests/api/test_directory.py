"""Loading the emergency entries of the directory file."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.directory import DirectoryError, EmergencyContact, load_emergency_contacts


def test_only_emergency_entries_with_a_phone_are_loaded(directory_path: Path) -> None:
    contacts = load_emergency_contacts(directory_path)
    assert [(c.id, c.phone) for c in contacts] == [
        ("police", "110"),
        ("ambulance", "119"),
        ("coast_guard", "118"),
    ]
    assert contacts[0].names["th"] == "ตำรวจ"


def test_a_missing_name_falls_back_to_english_then_to_the_id() -> None:
    contact = EmergencyContact(id="coast_guard", phone="118", names={"en": "Coast Guard"})
    assert contact.name("tl") == "Coast Guard"
    assert EmergencyContact(id="x", phone="1", names={}).name("ja") == "x"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(None, id="missing-file"),
        pytest.param("", id="empty"),
        pytest.param("entries: [", id="bad-yaml"),
        pytest.param("- a\n- b\n", id="top-level-list"),
        pytest.param("entries: {}\n", id="entries-not-a-list"),
        pytest.param("entries:\n- {id: ngo, kind: ngo, phone: '1'}\n", id="no-emergency"),
        pytest.param("entries:\n- {id: police, kind: emergency, phone: null}\n", id="no-phone"),
    ],
)
def test_a_directory_without_emergency_numbers_is_refused(
    tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "directory.yml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DirectoryError):
        load_emergency_contacts(path)


def test_the_real_directory_has_police_and_ambulance_when_present() -> None:
    path = Path(__file__).resolve().parents[2] / "bot" / "directory.yml"
    if not path.exists():
        pytest.skip("bot/directory.yml is not written yet")
    phones = {c.id: c.phone for c in load_emergency_contacts(path)}
    assert phones["police"] == "110"
    assert phones["ambulance"] == "119"
