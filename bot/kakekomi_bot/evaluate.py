"""Scores a trained model on the held-out files, per language and intent, with the gate."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from kakekomi_bot import paths

LANGUAGES = ("en", "ja", "th", "tl", "es")
HELP_INTENTS = frozenset({"request_help", "emergency"})
# The quality gate (issue 2): every language, and help requests across all languages.
MIN_MACRO_F1 = 0.90
MIN_HELP_RECALL = 0.97


def load_held_out(directory: Path = paths.HELD_OUT) -> dict[str, list[tuple[str, str]]]:
    """(text, intent) pairs per language from nlu_data/tests/<language>.yml."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: dict[str, list[tuple[str, str]]] = {}
    for language in LANGUAGES:
        data = load_data(str(directory / f"{language}.yml"))
        examples[language] = [(m.get("text"), m.get("intent")) for m in data.intent_examples]
    return examples


def scores(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Precision, recall, F1 and support per true intent, and their macro-F1."""
    true_counts = Counter(truth for truth, _ in pairs)
    predicted_counts = Counter(predicted for _, predicted in pairs)
    hits = Counter(truth for truth, predicted in pairs if truth == predicted)
    per_intent = {}
    for intent in sorted(true_counts):
        precision = hits[intent] / predicted_counts[intent] if predicted_counts[intent] else 0.0
        recall = hits[intent] / true_counts[intent]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": true_counts[intent],
        }
    macro = statistics.fmean(v["f1"] for v in per_intent.values()) if per_intent else 0.0
    return {"macro_f1": round(macro, 4), "intents": per_intent}


def help_recall(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Share of help requests caught as request_help or emergency (either counts)."""
    wanted = [(t, p) for t, p in pairs if t in HELP_INTENTS]
    caught = sum(p in HELP_INTENTS for _, p in wanted)
    return {"recall": round(caught / len(wanted), 4) if wanted else 1.0, "support": len(wanted)}


async def _predict(model: Path, examples: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    results: dict[str, Any] = defaultdict(list)
    latencies: list[float] = []
    for language, pairs in examples.items():
        for text, truth in pairs:
            started = time.perf_counter()
            parsed = await agent.parse_message(text)
            latencies.append(time.perf_counter() - started)
            intent = parsed.get("intent") or {}
            results[language].append(
                {
                    "text": text,
                    "truth": truth,
                    "predicted": intent.get("name"),
                    "confidence": round(float(intent.get("confidence") or 0.0), 4),
                }
            )
    return {"predictions": dict(results), "latencies": latencies}


def evaluate(model: Path) -> dict[str, Any]:
    """Runs the held-out data through the model and builds the report."""
    examples = load_held_out()
    run = asyncio.run(_predict(model, examples))
    report: dict[str, Any] = {"model": model.name, "languages": {}, "errors": []}
    every: list[tuple[str, str]] = []
    for language, predictions in run["predictions"].items():
        pairs = [(p["truth"], p["predicted"]) for p in predictions]
        every += pairs
        report["languages"][language] = {**scores(pairs), "help_recall": help_recall(pairs)}
        report["errors"] += [
            {"language": language, **p} for p in predictions if p["truth"] != p["predicted"]
        ]
    report["overall"] = {**scores(every), "help_recall": help_recall(every)}
    latencies = sorted(run["latencies"])
    report["parse_latency_ms"] = {
        "p50": round(1000 * latencies[len(latencies) // 2], 2),
        "p95": round(1000 * latencies[int(len(latencies) * 0.95)], 2),
    }
    # The worst errors first: confident mistakes, and missed help requests above all.
    report["errors"].sort(key=lambda e: (e["truth"] not in HELP_INTENTS, -e["confidence"]))
    return report


def gate_failures(report: dict[str, Any]) -> list[str]:
    """What falls below the quality gate (empty when the model passes)."""
    failures = [
        f"{language}: macro-F1 {scores_['macro_f1']:.3f} < {MIN_MACRO_F1}"
        for language, scores_ in report["languages"].items()
        if scores_["macro_f1"] < MIN_MACRO_F1
    ]
    recall = report["overall"]["help_recall"]["recall"]
    if recall < MIN_HELP_RECALL:
        failures.append(f"help-request recall {recall:.3f} < {MIN_HELP_RECALL}")
    return failures


def render_table(report: dict[str, Any]) -> str:
    """The report as a Markdown table, for people."""
    lines = [
        f"Model: {report['model']}",
        "",
        "| language | examples | macro-F1 | help-request recall |",
        "| --- | ---: | ---: | ---: |",
    ]
    rows = [*report["languages"].items(), ("all", report["overall"])]
    for language, values in rows:
        support = sum(i["support"] for i in values["intents"].values())
        lines.append(
            f"| {language} | {support} | {values['macro_f1']:.3f} | "
            f"{values['help_recall']['recall']:.3f} ({values['help_recall']['support']}) |"
        )
    latency = report["parse_latency_ms"]
    lines += ["", f"Parse latency: p50 {latency['p50']} ms, p95 {latency['p95']} ms"]
    missed = [e for e in report["errors"] if e["truth"] in HELP_INTENTS]
    missed = [e for e in missed if e["predicted"] not in HELP_INTENTS]
    if missed:
        lines += ["", "Missed help requests:"]
        lines += [
            f"- [{e['language']}] {e['truth']} -> {e['predicted']}: {e['text']}" for e in missed
        ]
    return "\n".join(lines)


def write_report(report: dict[str, Any], directory: Path) -> None:
    """Writes report.json (for machines) and report.md (for people)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    (directory / "report.md").write_text(render_table(report) + "\n", encoding="utf-8")
