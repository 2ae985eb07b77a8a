"""compare's false-emergency figures and its line-by-line shift, on reports built by hand.

The real models' side of compare (a removed intent shows as worse) is in test_model_loop.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from kakekomi_bot.maintain.compare import alarms, compare, render, sign_test


def language(negatives: float = 0.0, held_out: float = 0.0) -> dict[str, Any]:
    return {
        "macro_f1": 0.95,
        "help_recall": {"recall": 1.0},
        "intents": {"emergency": {"f1": 0.9}},
        "false_emergency": {"rate": held_out, "support": 200},
        "benchmark": {
            "false_accept": {"rate": 0.05, "support": 150},
            "false_emergency": {"rate": 0.0, "support": 150},
            "negatives_false_emergency": {"rate": negatives, "support": 60},
        },
    }


def report(
    name: str,
    alarmed: list[str],
    held_out: list[dict[str, str]] | None = None,
    missed: list[str] | None = None,
) -> dict[str, Any]:
    """One English report whose negatives `alarmed` were answered as emergencies."""
    return {
        "model": name,
        "languages": {"en": language(negatives=len(alarmed) / 60)},
        "overall": {**language(), "help_recall": {"recall": 1.0}},
        "benchmark_errors": [
            {"language": "en", "set": "negatives", "text": t, "predicted": "emergency"}
            for t in alarmed
        ]
        # Answered as a topic, not an emergency: never an alarm.
        + [{"language": "en", "set": "benchmark", "text": "weather", "predicted": "ask_visa"}],
        "errors": [{"language": "en", **e} for e in held_out or []],
        "must_catch": {"total": 3, "missed": [{"language": "en", "text": t} for t in missed or []]},
    }


@pytest.mark.parametrize(
    ("better", "worse", "p"),
    [(0, 0, 1.0), (1, 0, 1.0), (3, 1, 0.625), (1, 3, 0.625), (12, 0, 2 / 2**12), (8, 6, 0.7905)],
)
def test_the_sign_test_tells_a_lopsided_shift_from_noise(better: int, worse: int, p: float) -> None:
    assert sign_test(better, worse) == pytest.approx(p, abs=1e-4)


def test_alarms_are_the_lines_wrongly_answered_as_emergencies() -> None:
    held_out = [
        {"text": "play music", "truth": "out_of_scope", "predicted": "emergency"},
        {"text": "he has a knife", "truth": "emergency", "predicted": "request_help"},
        {"text": "visa question", "truth": "ask_visa", "predicted": "ask_debt"},
    ]
    assert alarms(report("a", ["ohtani is back"], held_out)) == {
        ("negatives", "en", "ohtani is back"),
        ("held_out", "en", "play music"),
    }


def test_compare_lists_the_lines_that_moved_and_the_rates() -> None:
    before = report("a", ["hide and seek", "kill the lights", "film"], missed=["help me"])
    after = report("b", ["film", "dog chases me"], missed=["they are coming"])
    comparison = compare(before, after)
    assert comparison["alarms"]["fixed"] == [
        ("negatives", "en", "hide and seek"),
        ("negatives", "en", "kill the lights"),
    ]
    assert comparison["alarms"]["new"] == [("negatives", "en", "dog chases me")]
    assert comparison["alarms"]["p"] == 1.0
    rates = comparison["languages"]["en"]["rates"]
    assert rates["false emergencies (danger negatives)"]["delta"] == pytest.approx(
        -1 / 60, abs=1e-4
    )
    assert rates["out-of-scope false accepts"]["delta"] == 0.0
    assert comparison["must_catch"] == {
        "newly_missed": [("en", "they are coming")],
        "newly_caught": [("en", "help me")],
    }
    text = render(comparison)
    assert "| en false emergencies (danger negatives) | 0.050 | 0.033 | -0.017 |" in text
    assert "2 lines no longer answered as an emergency, 1 newly answered as one" in text
    assert "could be the noise of one fit" in text
    assert "- [en] negatives: dog chases me" in text.split("Newly answered")[1]
    assert "- [en] they are coming" in text.split("## Must-catch lines newly missed")[1]


def test_a_shift_of_many_lines_one_way_is_called_more_than_noise() -> None:
    before = report("a", [f"line {i}" for i in range(12)])
    text = render(compare(before, report("b", [])))
    assert "12 lines no longer answered as an emergency, 0 newly answered as one" in text
    assert "p = 0.00049: unlikely to be noise" in text


def test_reports_of_older_versions_without_the_rates_still_compare() -> None:
    old = report("a", [])
    del old["languages"]["en"]["benchmark"], old["benchmark_errors"]
    comparison = compare(old, report("b", ["film"]))
    assert comparison["languages"]["en"]["rates"]["false emergencies (benchmark)"]["before"] == 0
    assert comparison["alarms"]["new"] == [("negatives", "en", "film")]
