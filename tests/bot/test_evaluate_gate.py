"""The CI quality gate over an evaluation report (promote's stricter rule is tested apart)."""

from __future__ import annotations

from typing import Any

from kakekomi_bot.evaluate import gate_failures


def report(macro_f1: float = 0.95, help_recall: float = 1.0, missed: int = 0) -> dict[str, Any]:
    miss = {"language": "en", "text": "they are coming", "predicted": "greet"}
    return {
        "languages": {lang: {"macro_f1": macro_f1} for lang in ("en", "ja", "th", "tl", "es")},
        "overall": {"help_recall": {"recall": help_recall}},
        "must_catch": {"total": 76, "missed": [miss] * missed},
    }


def test_a_good_model_passes() -> None:
    assert gate_failures(report()) == []


def test_macro_f1_below_the_gate_in_any_language_fails() -> None:
    failing = report()
    failing["languages"]["th"]["macro_f1"] = 0.89
    assert gate_failures(failing) == ["th: macro-F1 0.890 < 0.9"]


def test_help_recall_below_the_gate_fails() -> None:
    assert gate_failures(report(help_recall=0.96)) == ["help-request recall 0.960 < 0.97"]


def test_the_ci_model_may_miss_two_must_catch_lines_in_76_but_not_three() -> None:
    assert gate_failures(report(missed=2)) == []
    failures = gate_failures(report(missed=3))
    assert failures[0] == "must-catch 0.961 < 0.97"
    assert "'they are coming' -> greet" in failures[1]
