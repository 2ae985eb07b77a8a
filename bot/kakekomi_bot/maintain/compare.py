"""Two models (or two evaluation reports) side by side: what got better and what got worse."""

from __future__ import annotations

import json
from math import comb
from pathlib import Path
from typing import Any

from kakekomi_bot.maintain import evaluate

# Below this, a shift of lines in one direction is unlikely to be the noise of one fit.
SIGNIFICANT = 0.05


def load_or_evaluate(source: Path, reports: Path, **options: Any) -> dict[str, Any]:
    """A report.json as it is, or a model evaluated now (its report kept in reports/<model>/)."""
    if source.suffix == ".json":
        saved: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
        return saved
    report = evaluate.evaluate(source, **options)
    evaluate.write_report(report, reports / source.name.removesuffix(".tar.gz"))
    return report


def _delta(before: float, after: float) -> dict[str, float]:
    return {"before": before, "after": after, "delta": round(after - before, 4)}


def _rate(values: dict[str, Any], keys: tuple[str, ...]) -> float:
    """A gated rate of a language's report; 0 when the report predates it."""
    for key in keys:
        values = values.get(key, {})
    rate: float = values.get("rate", 0.0)
    return rate


def alarms(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(set, language, text) of every line wrongly answered as an emergency."""
    found = {
        (e["set"], e["language"], e["text"])
        for e in report.get("benchmark_errors", [])
        if e["predicted"] == "emergency"
    }
    found |= {
        ("held_out", e["language"], e["text"])
        for e in report.get("errors", [])
        if e["predicted"] == "emergency" and e["truth"] != "emergency"
    }
    return found


def sign_test(better: int, worse: int) -> float:
    """Two-sided exact sign test: how likely so lopsided a split of the moved lines is by chance.

    Every line moved one way or the other; with no real change each way is as likely, so
    "three fixed, one broken" (p = 0.625) is noise, "twelve fixed, none broken" is not.
    """
    moved = better + worse
    if not moved:
        return 1.0
    tail = sum(comb(moved, k) for k in range(min(better, worse) + 1)) / (1 << moved)
    return min(1.0, 2 * tail)


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per language: macro-F1, help recall, every intent's F1 and the rates of false accepts and
    false emergencies, before and after; and the very lines newly (or no longer) answered as
    an emergency, with a sign test of whether that shift is more than noise."""
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
            "rates": {
                name: _delta(_rate(old, keys), _rate(new, keys)) for name, keys, _ in evaluate.RATES
            },
            "intents": intents,
        }
    changes.sort(key=lambda c: c["delta"])
    old_alarms, new_alarms = alarms(before), alarms(after)
    fixed, broken = sorted(old_alarms - new_alarms), sorted(new_alarms - old_alarms)
    old_missed = {(e["language"], e["text"]) for e in before["must_catch"]["missed"]}
    new_missed = {(e["language"], e["text"]) for e in after["must_catch"]["missed"]}
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
        "alarms": {
            "fixed": fixed,
            "new": broken,
            "p": sign_test(len(fixed), len(broken)),
        },
        "must_catch": {
            "newly_missed": sorted(new_missed - old_missed),
            "newly_caught": sorted(old_missed - new_missed),
        },
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
        lines += [_row(f"{language} {title}", f) for title, f in values.get("rates", {}).items()]
    caught = comparison["must_catch"]
    for title, found in (
        ("Must-catch lines newly missed", caught["newly_missed"]),
        ("Must-catch lines newly caught", caught["newly_caught"]),
    ):
        if found:
            lines += ["", f"## {title}", ""]
            lines += [f"- [{language}] {text}" for language, text in found]
    alarm = comparison["alarms"]
    verdict = (
        "unlikely to be noise"
        if alarm["p"] < SIGNIFICANT
        else "could be the noise of one fit: measure with other seeds or more lines"
    )
    lines += [
        "",
        "## False emergencies, line by line",
        "",
        f"{len(alarm['fixed'])} lines no longer answered as an emergency, {len(alarm['new'])} "
        f"newly answered as one (held-out, benchmark, danger negatives); exact sign test "
        f"p = {alarm['p']:.2g}: {verdict}.",
    ]
    for title, found in (("No longer", alarm["fixed"]), ("Newly", alarm["new"])):
        lines += ["", f"{title} answered as an emergency:", ""]
        lines += [f"- [{language}] {name}: {text}" for name, language, text in found] or ["- none"]
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
