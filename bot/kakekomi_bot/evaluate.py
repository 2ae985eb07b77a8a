"""Scores a trained model on the held-out files, per language and intent, with the gate."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from kakekomi_bot import paths
from kakekomi_common.languages import CODES as LANGUAGES

HELP_INTENTS = frozenset({"request_help", "emergency"})
OUT_OF_SCOPE = "out_of_scope"
# Predictions that do not answer an out_of_scope message as if it were in scope.
NOT_ACCEPTED = frozenset({OUT_OF_SCOPE, "nlu_fallback"})
WORST_SHOWN = 15
# The quality gate (issue 2): every language, and help requests across all languages.
MIN_MACRO_F1 = 0.90
MIN_HELP_RECALL = 0.97
# The must-catch set: `promote` refuses a live model that misses a single line. The lighter
# CI model (fewer epochs) is a proxy whose borderline lines move from one retrain to the
# next, so CI fails below 97% here and lists each miss either way.
MIN_MUST_CATCH_CI = 0.97


def load_examples(
    directory: Path = paths.HELD_OUT, languages: tuple[str, ...] = LANGUAGES
) -> dict[str, list[tuple[str, str]]]:
    """(text, intent) pairs per language from <directory>/<language>.yml."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples: dict[str, list[tuple[str, str]]] = {}
    for language in languages:
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


def false_accepts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Share of out_of_scope examples answered as some in-scope intent."""
    wanted = [p for t, p in pairs if t == OUT_OF_SCOPE]
    accepted = sum(p not in NOT_ACCEPTED for p in wanted)
    return {"rate": round(accepted / len(wanted), 4) if wanted else 0.0, "support": len(wanted)}


async def _predict(
    model: Path, sets: dict[str, dict[str, list[tuple[str, str]]]]
) -> dict[str, Any]:
    """Parses every example of every set; predictions per set and language, and latencies."""
    import structlog
    from rasa.core.agent import Agent

    # Rasa logs every parsed text at debug level; the report is all we want to print.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))
    await agent.parse_message("hello")  # the first parse builds TensorFlow's graph: not timed
    results: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    latencies: list[float] = []
    for name, examples in sets.items():
        for language, pairs in examples.items():
            results[name][language] = []
            for text, truth in pairs:
                started = time.perf_counter()
                parsed = await agent.parse_message(text)
                latencies.append(time.perf_counter() - started)
                intent = parsed.get("intent") or {}
                results[name][language].append(
                    {
                        "text": text,
                        "truth": truth,
                        "predicted": intent.get("name"),
                        "confidence": round(float(intent.get("confidence") or 0.0), 4),
                    }
                )
    return {"predictions": results, "latencies": latencies}


def evaluate(
    model: Path,
    held_out: Path = paths.HELD_OUT,
    must_catch: Path = paths.MUST_CATCH,
    languages: tuple[str, ...] = LANGUAGES,
) -> dict[str, Any]:
    """Runs the held-out and must-catch data through the model and builds the report."""
    if not model.is_file():
        # Rasa would silently load the newest model in that folder instead.
        raise SystemExit(f"no model at {model}")
    examples = load_examples(held_out, languages)
    catch = load_examples(must_catch, languages)
    run = asyncio.run(_predict(model, {"held_out": examples, "must_catch": catch}))
    report: dict[str, Any] = {"model": model.name, "languages": {}, "errors": []}
    every: list[tuple[str, str]] = []
    for language, predictions in run["predictions"]["held_out"].items():
        pairs = [(p["truth"], p["predicted"]) for p in predictions]
        every += pairs
        report["languages"][language] = {
            **scores(pairs),
            "help_recall": help_recall(pairs),
            "out_of_scope_false_accept": false_accepts(pairs),
        }
        report["errors"] += [
            {"language": language, **p} for p in predictions if p["truth"] != p["predicted"]
        ]
    missed = [
        {"language": language, **p}
        for language, predictions in run["predictions"]["must_catch"].items()
        for p in predictions
        if p["predicted"] not in HELP_INTENTS
    ]
    report["overall"] = {
        **scores(every),
        "help_recall": help_recall(every),
        "out_of_scope_false_accept": false_accepts(every),
    }
    report["must_catch"] = {"total": sum(map(len, catch.values())), "missed": missed}
    report["confusion"] = confusion(every)
    latencies = sorted(run["latencies"])
    report["parse_latency_ms"] = {
        "p50": round(1000 * latencies[len(latencies) // 2], 2),
        "p95": round(1000 * latencies[int(len(latencies) * 0.95)], 2),
        "max": round(1000 * latencies[-1], 2),
    }
    # The worst errors first: missed help requests, then confident mistakes.
    report["errors"].sort(
        key=lambda e: (
            e["truth"] not in HELP_INTENTS or e["predicted"] in HELP_INTENTS,
            -e["confidence"],
        )
    )
    return report


def confusion(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Counts of (true intent, predicted intent); rows are the truth."""
    labels = sorted({t for t, _ in pairs} | {p for _, p in pairs})
    counts = Counter(pairs)
    return {"labels": labels, "matrix": [[counts[(t, p)] for p in labels] for t in labels]}


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
    catch = report["must_catch"]
    caught = 1 - len(catch["missed"]) / catch["total"] if catch["total"] else 1.0
    if caught < MIN_MUST_CATCH_CI:
        failures.append(f"must-catch {caught:.3f} < {MIN_MUST_CATCH_CI}")
        failures += [
            f"must-catch missed [{e['language']}] {e['text']!r} -> {e['predicted']}"
            for e in catch["missed"]
        ]
    return failures


def render_table(report: dict[str, Any]) -> str:
    """The report in Markdown, for people."""
    catch = report["must_catch"]
    lines = [
        f"# Model {report['model']}",
        "",
        "| language | examples | macro-F1 | help-request recall | out_of_scope false accepts |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    rows = [*report["languages"].items(), ("all", report["overall"])]
    for language, values in rows:
        support = sum(i["support"] for i in values["intents"].values())
        accepts = values["out_of_scope_false_accept"]
        lines.append(
            f"| {language} | {support} | {values['macro_f1']:.3f} | "
            f"{values['help_recall']['recall']:.3f} ({values['help_recall']['support']}) | "
            f"{accepts['rate']:.3f} ({accepts['support']}) |"
        )
    latency = report["parse_latency_ms"]
    lines += [
        "",
        f"Must-catch: {catch['total'] - len(catch['missed'])} of {catch['total']} caught.",
        f"Parse latency: p50 {latency['p50']} ms, p95 {latency['p95']} ms, "
        f"max {latency['max']} ms.",
    ]
    if catch["missed"]:
        lines += ["", "## Must-catch examples missed", ""]
        lines += [f"- [{e['language']}] -> {e['predicted']}: {e['text']}" for e in catch["missed"]]
    lines += ["", f"## Worst {WORST_SHOWN} mistakes (missed help requests first)", ""]
    lines += [
        f"- [{e['language']}] {e['truth']} -> {e['predicted']} ({e['confidence']:.2f}): {e['text']}"
        for e in report["errors"][:WORST_SHOWN]
    ]
    for language, values in report["languages"].items():
        lines += [
            "",
            f"## {language}: per intent",
            "",
            "| intent | precision | recall | F1 | support |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {intent} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} "
            f"| {v['support']} |"
            for intent, v in values["intents"].items()
        ]
    lines += ["", "Confusion matrix (all languages): confusion.png"]
    return "\n".join(lines)


def plot_confusion(report: dict[str, Any], path: Path) -> None:
    """The confusion matrix as a PNG: rows are the true intent, columns the prediction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, matrix = report["confusion"]["labels"], report["confusion"]["matrix"]
    figure, axes = plt.subplots(figsize=(1 + 0.6 * len(labels), 1 + 0.5 * len(labels)))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for row, values in enumerate(matrix):
        for column, count in enumerate(values):
            if count:
                axes.text(column, row, count, ha="center", va="center", fontsize=7)
    axes.set_title(report["model"])
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_report(report: dict[str, Any], directory: Path) -> None:
    """Writes report.json (for machines), report.md (for people) and confusion.png."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    (directory / "report.md").write_text(render_table(report) + "\n", encoding="utf-8")
    plot_confusion(report, directory / "confusion.png")


def cross_validate(
    config: Path, folds: int, directory: Path, data: Path = paths.NLU_DATA / "nlu"
) -> str:
    """k-fold cross-validation on the training data (rasa test nlu); returns a summary."""
    import subprocess
    import sys

    from kakekomi_bot.cli import rasa_env

    out = directory / "cross-validation"
    command = [
        str(Path(sys.executable).with_name("rasa")),
        *("test", "nlu", "--cross-validation", "--folds", str(folds), "--no-plot"),
        *("--config", str(config.resolve()), "--nlu", str(data.resolve())),
        *("--out", str(out.resolve())),
    ]
    subprocess.run(command, check=True, env=rasa_env(), cwd=paths.ROOT)  # noqa: S603 - fixed argv
    intents = json.loads((out / "intent_report.json").read_text())
    lines = [
        f"# Cross-validation, {folds} folds ({config.name})",
        "",
        f"Macro-F1 {intents['macro avg']['f1-score']:.3f}, "
        f"accuracy {intents.get('accuracy', 0):.3f}.",
        "",
        "| intent | precision | recall | F1 | support |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1-score']:.3f} "
        f"| {v['support']} |"
        for name, v in sorted(intents.items())
        if isinstance(v, dict) and "confused_with" in v
    ]
    summary = "\n".join(lines)
    (out / "summary.md").write_text(summary + "\n", encoding="utf-8")
    return summary
