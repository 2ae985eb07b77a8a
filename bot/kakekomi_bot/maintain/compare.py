"""Two models (or two evaluation reports) side by side: what got better and what got worse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_or_evaluate(source: Path, reports: Path, **options: Any) -> dict[str, Any]:
    """A report.json as it is, or a model evaluated now (its report kept in reports/<model>/)."""
    if source.suffix == ".json":
        saved: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
        return saved
    from kakekomi_bot.maintain import evaluate  # imports rasa and TensorFlow: only when needed

    report = evaluate.evaluate(source, **options)
    evaluate.write_report(report, reports / source.name.removesuffix(".tar.gz"))
    return report


def _delta(before: float, after: float) -> dict[str, float]:
    return {"before": before, "after": after, "delta": round(after - before, 4)}


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per language: macro-F1, help recall and every intent's F1, before and after."""
    languages = {}
    changes = []
    for language in sorted(set(before["languages"]) & set(after["languages"])):
        old, new = before["languages"][language], after["languages"][language]
        intents = {}
        for intent in sorted(set(old["intents"]) | set(new["intents"])):
            f1 = _delta(
                old["intents"].get(intent, {}).get("f1", 0.0),
                new["intents"].get(intent, {}).get("f1", 0.0),
            )
            intents[intent] = f1
            if f1["delta"]:
                changes.append({"language": language, "intent": intent, **f1})
        languages[language] = {
            "macro_f1": _delta(old["macro_f1"], new["macro_f1"]),
            "help_recall": _delta(old["help_recall"]["recall"], new["help_recall"]["recall"]),
            "intents": intents,
        }
    changes.sort(key=lambda c: c["delta"])
    return {
        "before": before["model"],
        "after": after["model"],
        "overall": {
            "macro_f1": _delta(before["overall"]["macro_f1"], after["overall"]["macro_f1"]),
            "help_recall": _delta(
                before["overall"]["help_recall"]["recall"],
                after["overall"]["help_recall"]["recall"],
            ),
            "must_catch_missed": _delta(
                len(before["must_catch"]["missed"]), len(after["must_catch"]["missed"])
            ),
        },
        "languages": languages,
        "better": [c for c in reversed(changes) if c["delta"] > 0],
        "worse": [c for c in changes if c["delta"] < 0],
    }


def _row(name: str, figure: dict[str, float]) -> str:
    return f"| {name} | {figure['before']:.3f} | {figure['after']:.3f} | {figure['delta']:+.3f} |"


def render(comparison: dict[str, Any]) -> str:
    """The comparison in Markdown."""
    overall = comparison["overall"]
    missed = overall["must_catch_missed"]
    lines = [
        f"# {comparison['before']} → {comparison['after']}",
        "",
        "| figure | before | after | change |",
        "| --- | ---: | ---: | ---: |",
        _row("macro-F1, all languages", overall["macro_f1"]),
        _row("help-request recall", overall["help_recall"]),
        f"| must-catch missed | {missed['before']:.0f} | {missed['after']:.0f} "
        f"| {missed['delta']:+.0f} |",
    ]
    for language, values in comparison["languages"].items():
        lines.append(_row(f"{language} macro-F1", values["macro_f1"]))
        lines.append(_row(f"{language} help-request recall", values["help_recall"]))
    for title, changes in (("Better", comparison["better"]), ("Worse", comparison["worse"])):
        lines += ["", f"## {title} (F1 per language and intent)", ""]
        lines += [
            f"- {c['language']} {c['intent']}: {c['before']:.3f} → {c['after']:.3f} "
            f"({c['delta']:+.3f})"
            for c in changes
        ] or ["- nothing"]
    for language, values in comparison["languages"].items():
        lines += ["", f"## {language}", "", "| intent F1 | before | after | change |"]
        lines.append("| --- | ---: | ---: | ---: |")
        lines += [_row(intent, figure) for intent, figure in values["intents"].items()]
    return "\n".join(lines)
