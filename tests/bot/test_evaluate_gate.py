"""The CI quality gate over an evaluation report (promote's own rule is tested apart)."""

from __future__ import annotations

from typing import Any

from kakekomi_bot.maintain.evaluate import (
    KNOWN_GAPS,
    LANGUAGES,
    benchmark_scores,
    false_emergencies,
    gate_failures,
    known_gaps,
)


def rate(value: float) -> dict[str, Any]:
    return {"rate": value, "support": 200}


def report(missed: int = 0) -> dict[str, Any]:
    miss = {"language": "en", "text": "they are coming", "predicted": "greet"}
    language = {
        "macro_f1": 0.95,
        "help_recall": {"recall": 1.0},
        "false_emergency": rate(0.0),
        "benchmark": {
            "false_accept": rate(0.05),
            "false_emergency": rate(0.0),
            "negatives_false_emergency": rate(0.0),
        },
    }
    return {
        "languages": {
            lang: {**language, "benchmark": dict(language["benchmark"])} for lang in LANGUAGES
        },
        "must_catch": {"total": 76, "missed": [miss] * missed},
    }


def test_a_good_model_passes() -> None:
    assert gate_failures(report()) == []


def test_macro_f1_below_the_gate_in_any_language_fails() -> None:
    failing = report()
    failing["languages"]["th"]["macro_f1"] = 0.89
    assert gate_failures(failing) == ["th: macro-F1 0.890 < 0.9"]


def test_help_recall_below_the_gate_in_one_language_fails() -> None:
    failing = report()
    failing["languages"]["es"]["help_recall"] = {"recall": 0.958}
    assert gate_failures(failing) == ["es: help-request recall 0.958 < 0.97"]


def test_too_many_out_of_scope_requests_taken_for_a_topic_fail() -> None:
    failing = report()
    failing["languages"]["en"]["benchmark"]["false_accept"] = rate(0.105)
    assert gate_failures(failing) == ["en: out-of-scope false accepts 0.105 > 0.1"]


def test_false_emergencies_fail_on_the_benchmark_the_negatives_and_held_out() -> None:
    failing = report()
    failing["languages"]["tl"]["benchmark"]["false_emergency"] = rate(0.015)
    failing["languages"]["es"]["false_emergency"] = rate(0.011)
    assert gate_failures(failing) == [
        "tl: false emergencies (benchmark) 0.015 > 0.01",
        "es: false emergencies (held-out) 0.011 > 0.01",
    ]


def test_a_known_gap_is_printed_as_missed_and_fails_once_it_gets_worse() -> None:
    gap = ("ja", "false emergencies (danger negatives)")
    limit = KNOWN_GAPS[gap]
    held = report()
    held["languages"]["ja"]["benchmark"]["negatives_false_emergency"] = rate(limit - 0.005)
    assert gate_failures(held) == []
    assert known_gaps(held) == [
        f"ja: false emergencies (danger negatives) {limit - 0.005:.3f} > target 0.01"
        f" (known gap, held at {limit})"
    ]
    worse = report()
    worse["languages"]["ja"]["benchmark"]["negatives_false_emergency"] = rate(limit + 0.01)
    assert gate_failures(worse) == [
        f"ja: false emergencies (danger negatives) {limit + 0.01:.3f} > {limit}"
    ]


def test_the_danger_negatives_are_gated_in_every_language() -> None:
    failing = report()
    for values in failing["languages"].values():
        values["benchmark"]["negatives_false_emergency"] = rate(0.99)
    assert len(gate_failures(failing)) == len(LANGUAGES)


def test_a_good_model_reports_no_gap() -> None:
    assert known_gaps(report()) == []


def test_one_must_catch_miss_fails_and_is_named() -> None:
    assert gate_failures(report(missed=1)) == ["must-catch missed [en] 'they are coming' -> greet"]


def test_false_emergencies_count_only_messages_that_are_not_emergencies() -> None:
    pairs = [("emergency", "emergency"), ("greet", "emergency"), ("greet", "greet")]
    pairs += [("out_of_scope", "out_of_scope")] * 2
    assert false_emergencies(pairs) == {"rate": 0.25, "count": 1, "support": 4}


def test_benchmark_scores_separate_false_accepts_from_false_emergencies() -> None:
    benchmark = [
        ("out_of_scope", p) for p in ("out_of_scope", "nlu_fallback", "ask_visa", "emergency")
    ]
    negatives = [("not_danger", p) for p in ("out_of_scope", "request_help")]
    scores = benchmark_scores(benchmark, negatives)
    assert scores["false_accept"] == {"rate": 0.5, "count": 2, "support": 4}
    assert scores["false_emergency"] == {"rate": 0.25, "count": 1, "support": 4}
    assert scores["negatives_false_emergency"] == {"rate": 0.0, "count": 0, "support": 2}
    assert scores["negatives_help"] == {"rate": 0.5, "count": 1, "support": 2}
