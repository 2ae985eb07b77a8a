"""The directory's `audience`: who an entry is listed to, and what the checks refuse."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions import directory

LANGUAGES = directory.LANGUAGES


def entry(entry_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "kind": "labour",
        "name": dict.fromkeys(LANGUAGES, entry_id),
        "topics": ["ask_rights"],
        "source": "https://example.org",
        "verified": datetime.date(2026, 12, 1),
        "partner_confirmed": False,
        **fields,
    }


def write(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    kinds = {kind: dict.fromkeys(LANGUAGES, kind) for kind in ("labour", "emergency")}
    path = tmp_path / "directory.yml"
    path.write_text(yaml.safe_dump({"kinds": kinds, "entries": list(entries)}), encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        entry("general"),
        entry("otit_vi", languages=["vi"], audience=["vi"]),
        entry("otit_zh", languages=["zh"], audience=["zh"]),
        entry("for_two", audience=["th", "tl"]),
    )


def listed(path: Path, language: str) -> list[str]:
    return [item["id"] for item in directory.entries_for("ask_rights", language, path)]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ["general", "otit_vi"]),
        ("zh", ["general", "otit_zh"]),
        ("th", ["general", "for_two"]),
        ("tl", ["general", "for_two"]),
        ("my", ["general"]),
        ("en", ["general", "otit_vi", "otit_zh", "for_two"]),
        ("ja", ["general", "otit_vi", "otit_zh", "for_two"]),
    ],
)
def test_an_entry_is_listed_to_its_audience_and_in_english_and_japanese(
    small: Path, language: str, expected: list[str]
) -> None:
    assert listed(small, language) == expected


def test_a_topic_is_still_only_the_topics_entries(small: Path) -> None:
    assert directory.entries_for("ask_embassy", "en", small) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"audience": ["vn"]}, "audience must be a non-empty list"),
        ({"audience": "vi"}, "audience must be a non-empty list"),
        ({"audience": []}, "audience must be a non-empty list"),
        ({"audience": None}, "audience must be a non-empty list"),
        ({"languages": ["vi"], "audience": ["zh"]}, "answers in vi, which its audience leaves"),
        (
            {
                "audience": ["vi"],
                "open": [{"days": "all", "from": "12:00", "to": "22:00", "languages": ["th"]}],
            },
            "answers in th",
        ),
        ({"kind": "emergency", "audience": ["vi"]}, "an emergency entry is for everyone"),
    ],
)
def test_a_bad_audience_fails_loudly(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    path = write(tmp_path, entry("general"), entry("x", **fields))
    with pytest.raises(ValueError, match=message):
        directory.load(path)
    assert any(message in problem for problem in directory.file_problems(path))


def test_answering_in_english_or_japanese_needs_no_audience_entry_for_them(tmp_path: Path) -> None:
    path = write(tmp_path, entry("general"), entry("x", languages=["ja", "vi"], audience=["vi"]))
    assert listed(path, "vi") == ["general", "x"]


def test_a_topic_whose_every_entry_has_an_audience_leaves_the_others_without_a_contact(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        entry("general"),
        entry("embassy_vi", topics=["ask_embassy"], audience=["vi"]),
        entry("embassy_th", topics=["ask_embassy"], audience=["th", "my"]),
    )
    assert directory.file_problems(path) == [
        "directory: after ask_embassy no contact is listed to tl, es, zh, ne, id"
        " (give one entry of that topic no audience, or one with that language)"
    ]
    # The action server still loads it (better some contacts than none); validate refuses it.
    assert [e["id"] for e in directory.entries_for("ask_embassy", "vi", path)] == ["embassy_vi"]


def test_the_real_directory_passes_every_check() -> None:
    assert directory.file_problems(directory.DEFAULT_PATH) == []


def test_a_key_given_twice_is_refused_not_silently_resolved(tmp_path: Path) -> None:
    # The labour hotline once had `languages: [ne]` and, further down, `languages: [en, ...]`:
    # YAML kept the second and Nepali vanished from the card without a word.
    path = write(tmp_path, entry("general", languages=["ne"]))
    text = path.read_text(encoding="utf-8")
    assert text.count("  languages:\n  - ne\n") == 1
    twice = "  languages:\n  - ne\n  languages:\n  - en\n"
    path.write_text(text.replace("  languages:\n  - ne\n", twice), encoding="utf-8")
    with pytest.raises(yaml.YAMLError, match="'languages' is given twice"):
        directory.load(path)
    [problem] = directory.file_problems(path)
    assert "'languages' is given twice" in problem


# A country she names (the file's `countries`) chooses her embassy.


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("where is the philippine embassy", {"tl"}),
        ("Philippine Embassy number pls", {"tl"}),
        ("embahada ng pilipinas sa tokyo", {"tl"}),
        ("フィリピン大使館の電話番号は？", {"tl"}),
        ("I'm Thai, where is my embassy", {"th"}),
        ("ထိုင်းသံရုံး ဘယ်မှာလဲ", {"th"}),
        ("Đại sứ quán Việt Nam ở đâu", {"vi"}),
        ("dai su quan viet nam o dau", {"vi"}),
        ("中国大使馆电话", {"zh"}),
        ("kedutaan indonesia di tokyo", {"id"}),
        ("nepal embassy kaha cha", {"ne"}),
        ("नेपाली दूतावास कहाँ छ", {"ne"}),
        ("embajada de colombia en tokio", {"es"}),
        ("myanmar or thai embassy, which helps me", {"my", "th"}),
        # No country: a word that only contains a name is not one.
        ("where is my embassy", set()),
        ("ネクタイを買いたい", set()),  # タイ inside ネクタイ
        ("i like thaiboxing", set()),
        ("", set()),
    ],
)
def test_a_country_is_named_in_any_language_as_people_write_it(text: str, named: set[str]) -> None:
    assert directory.named_audiences(text) == named


@pytest.fixture
def embassies(tmp_path: Path) -> Path:
    kinds = {kind: dict.fromkeys(LANGUAGES, kind) for kind in ("labour", "embassy")}
    entries = [
        entry("iom", kind="embassy", topics=["ask_embassy"]),
        entry("embassy_ph", kind="embassy", topics=["ask_embassy"], audience=["tl"]),
        entry("embassy_th", kind="embassy", topics=["ask_embassy"], audience=["th"]),
        entry("embassy_mm", kind="embassy", topics=["ask_embassy"], audience=["my"]),
    ]
    countries = [
        {"id": "philippines", "audience": "tl", "names": ["philippines", "philippine"]},
        {"id": "thailand", "audience": "th", "names": ["thailand", "ไทย", "ထိုင်း"]},
    ]
    path = tmp_path / "directory.yml"
    data = {"kinds": kinds, "countries": countries, "entries": entries}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def embassy_ids(path: Path, language: str, text: str) -> list[str]:
    named = directory.named_audiences(text, path)
    return [e["id"] for e in directory.entries_for("ask_embassy", language, path, named)]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_in_english_or_japanese_a_named_country_narrows_the_list_to_it(
    embassies: Path, language: str
) -> None:
    assert embassy_ids(embassies, language, "philippine embassy?") == ["iom", "embassy_ph"]
    assert embassy_ids(embassies, language, "my embassy?") == [
        "iom",
        "embassy_ph",
        "embassy_th",
        "embassy_mm",
    ]


def test_in_her_own_language_a_named_country_adds_to_her_own(embassies: Path) -> None:
    # A Burmese woman who worked in Thailand asks for the Thai embassy: both are listed.
    assert embassy_ids(embassies, "my", "ထိုင်း သံရုံး") == ["iom", "embassy_th", "embassy_mm"]
    assert embassy_ids(embassies, "my", "သံရုံး") == ["iom", "embassy_mm"]


@pytest.mark.parametrize(
    ("countries", "message"),
    [
        ([{"id": "x", "audience": "vn", "names": ["vietnam"]}], "audience must be one of"),
        ([{"id": "x", "audience": "vi", "names": []}], "names must be a non-empty list"),
        ([{"id": "x", "audience": "vi", "names": [" "]}], "names must be a non-empty list"),
        ([{"id": "x", "audience": "vi"}], "names must be a non-empty list"),
        ({"vietnam": "vi"}, "countries must be a list"),
    ],
)
def test_a_bad_country_fails_loudly(tmp_path: Path, countries: Any, message: str) -> None:
    path = write(tmp_path, entry("general"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**data, "countries": countries}), encoding="utf-8")
    assert any(message in problem for problem in directory.file_problems(path))
    with pytest.raises(ValueError, match=message):
        directory.load(path)
