"""The language guess on every registered language's held-out file meets its target."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from kakekomi_common.languages import CODES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "detection_accuracy", ROOT / "scripts/detection_accuracy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_registered_language_meets_the_target(tool: ModuleType) -> None:
    results = tool.accuracy(ROOT, CODES)
    assert set(results) == set(CODES)
    assert all(total >= 50 for total, *_ in results.values())
    assert tool.failures(results) == []


def test_a_language_below_the_target_fails(tool: ModuleType) -> None:
    assert tool.failures({"en": (100, 97, 100, [])}) == ["en: named 97/100, below 0.98"]
    assert tool.failures({"en": (100, 100, 97, [])}) == ["en: kept 97/100, below 0.98"]
    assert tool.failures({"en": (0, 0, 0, [])})  # no messages is no measurement


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("my boss took it", 4),
        ("ok", 1),
        ("123 !!", 0),
        ("パスポートを取られた", 5),  # 10 kana and kanji, 2 a word
        ("นายจ้างยึดพาสปอร์ต", 4),  # 17 Thai letters, 4 a word
        ("ကျွန်မ အိပ်စရာနေရာ", 3),  # 6 syllables, 2 a word
        ("मेरो राहदानी मालिकले", 3),
    ],
)
def test_words_are_counted_per_script(tool: ModuleType, text: str, count: int) -> None:
    assert int(tool.words(text)) == count
