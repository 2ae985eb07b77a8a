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

import yaml

from kakekomi_bot.maintain import paths
from kakekomi_common.languages import CODES as LANGUAGES

HELP_INTENTS = frozenset({"request_help", "emergency"})
EMERGENCY = "emergency"
OUT_OF_SCOPE = "out_of_scope"
# The truth of a DangerGuard negative: not danger, not a help request, topic unknown.
NOT_DANGER = "not_danger"
# Predictions that do not answer an out_of_scope message as if it were in scope.
NOT_ACCEPTED = frozenset({OUT_OF_SCOPE, "nlu_fallback"})
WORST_SHOWN = 15
# The quality gate (issues 2 and 12), in every language at the same time. CI evaluates the
# production model itself, so it misses no must-catch line either (promote's rule).
MIN_MACRO_F1 = 0.90
MIN_HELP_RECALL = 0.97
# Everyday requests answered as one of our topics, and anything not an emergency answered
# as one (sending someone who asked about music to a police box).
MAX_FALSE_ACCEPT = 0.10
MAX_FALSE_EMERGENCY = 0.01
# The gated rates, lower is better: (name, keys to it in a language's figures, limit).
RATES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("out-of-scope false accepts", ("benchmark", "false_accept"), MAX_FALSE_ACCEPT),
    ("false emergencies (benchmark)", ("benchmark", "false_emergency"), MAX_FALSE_EMERGENCY),
    (
        "false emergencies (danger negatives)",
        ("benchmark", "negatives_false_emergency"),
        MAX_FALSE_EMERGENCY,
    ),
    ("false emergencies (held-out)", ("false_emergency",), MAX_FALSE_EMERGENCY),
)
# Targets the model does not meet yet, each held just above where it was measured (model
# kakekomi-config-8ada54e5176e4b35, `make model` then `make test-nlu`, 2026-12-07) so that
# it cannot get worse unnoticed. The report and `make test` print every one as missed;
# delete a line once it is met, and never raise one to let a worse model through (a
# benchmark that grows is measured anew).
# DangerGuard negatives are sentences that contain a danger word and are not about danger
# ("死ぬほど眠い"), about 300 per language since 2026-12-07 (60-78 before, where one line
# moved a rate by 0.015): 1.3-12% are still answered as emergencies. History per language
# in docs/maintaining.md.
KNOWN_GAPS: dict[tuple[str, str], float] = {
    ("en", "false emergencies (danger negatives)"): 0.02,  # 0.013, 4 of 321
    ("ja", "false emergencies (danger negatives)"): 0.06,  # 0.052, 17 of 326
    ("th", "false emergencies (danger negatives)"): 0.03,  # 0.025, 8 of 315
    ("tl", "false emergencies (danger negatives)"): 0.02,  # 0.016, 5 of 307
    ("es", "false emergencies (danger negatives)"): 0.06,  # 0.051, 16 of 313
    ("zh", "false emergencies (danger negatives)"): 0.09,  # 0.081, 25 of 307
    ("vi", "false emergencies (danger negatives)"): 0.04,  # 0.033, 10 of 304
    ("my", "false emergencies (danger negatives)"): 0.03,  # 0.030, 9 of 302
    ("ne", "false emergencies (danger negatives)"): 0.12,  # 0.117, 35 of 300
    ("id", "false emergencies (danger negatives)"): 0.05,  # 0.043, 13 of 304
}


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


def _share(count: int, support: int) -> dict[str, Any]:
    """A rate with what it counts: `count` of `support` lines (0 of none is 0)."""
    return {
        "rate": round(count / support, 4) if support else 0.0,
        "count": count,
        "support": support,
    }


def false_accepts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Share of out_of_scope examples answered as some in-scope intent."""
    wanted = [p for t, p in pairs if t == OUT_OF_SCOPE]
    return _share(sum(p not in NOT_ACCEPTED for p in wanted), len(wanted))


def load_benchmark(
    directory: Path = paths.OUT_OF_SCOPE_BENCHMARK, languages: tuple[str, ...] = LANGUAGES
) -> dict[str, list[tuple[str, str]]]:
    """Out-of-scope requests of every domain and the near misses, per language."""
    examples: dict[str, list[tuple[str, str]]] = {}
    for language in languages:
        data = yaml.safe_load((directory / f"{language}.yml").read_text(encoding="utf-8"))
        lines = [line for domain in data["out_of_scope"].values() for line in domain]
        lines += data.get("near_misses") or []
        examples[language] = [(str(line), OUT_OF_SCOPE) for line in lines]
    return examples


def load_negatives(
    directory: Path = paths.DANGER_NEGATIVES, languages: tuple[str, ...] = LANGUAGES
) -> dict[str, list[tuple[str, str]]]:
    """Lines with a danger word or help cue that ask for neither, per language."""
    examples: dict[str, list[tuple[str, str]]] = {}
    for language in languages:
        data = yaml.safe_load((directory / f"{language}.yml").read_text(encoding="utf-8"))
        examples[language] = [(str(line), NOT_DANGER) for line in data["examples"]]
    return examples


def false_emergencies(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Share of messages that are not emergencies answered as one."""
    wanted = [p for t, p in pairs if t != EMERGENCY]
    return _share(sum(p == EMERGENCY for p in wanted), len(wanted))


def benchmark_scores(
    benchmark: list[tuple[str, str]], negatives: list[tuple[str, str]]
) -> dict[str, Any]:
    """One language's figures on the benchmark: false accepts, false emergencies."""
    return {
        "false_accept": false_accepts(benchmark),
        "false_emergency": false_emergencies(benchmark),
        "negatives_false_emergency": false_emergencies(negatives),
        "negatives_help": _share(sum(p in HELP_INTENTS for _, p in negatives), len(negatives)),
    }


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
    benchmarks: tuple[Path, Path] = (paths.OUT_OF_SCOPE_BENCHMARK, paths.DANGER_NEGATIVES),
) -> dict[str, Any]:
    """Runs held-out, must-catch and benchmark data through the model; builds the report."""
    if not model.is_file():
        # Rasa would silently load the newest model in that folder instead.
        raise SystemExit(f"no model at {model}")
    examples = load_examples(held_out, languages)
    catch = load_examples(must_catch, languages)
    sets = {
        "held_out": examples,
        "must_catch": catch,
        "benchmark": load_benchmark(benchmarks[0], languages),
        "negatives": load_negatives(benchmarks[1], languages),
    }
    run = asyncio.run(_predict(model, sets))
    pairs_of = {
        name: {
            language: [(p["truth"], p["predicted"]) for p in predictions]
            for language, predictions in run["predictions"][name].items()
        }
        for name in ("benchmark", "negatives")
    }
    report: dict[str, Any] = {"model": model.name, "languages": {}, "errors": []}
    every: list[tuple[str, str]] = []
    for language, predictions in run["predictions"]["held_out"].items():
        pairs = [(p["truth"], p["predicted"]) for p in predictions]
        every += pairs
        report["languages"][language] = {
            **scores(pairs),
            "help_recall": help_recall(pairs),
            "out_of_scope_false_accept": false_accepts(pairs),
            "false_emergency": false_emergencies(pairs),
            "benchmark": benchmark_scores(
                pairs_of["benchmark"][language], pairs_of["negatives"][language]
            ),
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
        "false_emergency": false_emergencies(every),
        "benchmark": benchmark_scores(
            [pair for pairs in pairs_of["benchmark"].values() for pair in pairs],
            [pair for pairs in pairs_of["negatives"].values() for pair in pairs],
        ),
    }
    # What the benchmarks got wrong, for maintainers (never user text: these are ours).
    report["benchmark_errors"] = [
        {"language": language, "set": name, **p}
        for name in ("benchmark", "negatives")
        for language, predictions in run["predictions"][name].items()
        for p in predictions
        if p["predicted"] == EMERGENCY
        or (name == "benchmark" and p["predicted"] not in NOT_ACCEPTED)
    ]
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


def _checks(values: dict[str, Any]) -> list[tuple[str, float, str, float]]:
    """(name, value, sign, target) of every gated figure of one language."""
    rates = []
    for name, keys, limit in RATES:
        figure = values
        for key in keys:
            figure = figure[key]
        rates.append((name, figure["rate"], "<=", limit))
    return [
        ("macro-F1", values["macro_f1"], ">=", MIN_MACRO_F1),
        ("help-request recall", values["help_recall"]["recall"], ">=", MIN_HELP_RECALL),
        *rates,
    ]


def _misses(value: float, sign: str, limit: float) -> bool:
    return value < limit if sign == ">=" else value > limit


def known_gaps(report: dict[str, Any]) -> list[str]:
    """The targets missed within a known gap (KNOWN_GAPS), to be printed, not hidden."""
    return [
        f"{language}: {name} {value:.3f} {'<' if sign == '>=' else '>'} target {target} "
        f"(known gap, held at "
        f"{KNOWN_GAPS[(language, name)]})"
        for language, values in report["languages"].items()
        for name, value, sign, target in _checks(values)
        if _misses(value, sign, target) and (language, name) in KNOWN_GAPS
    ]


def gate_failures(report: dict[str, Any]) -> list[str]:
    """What misses the quality gate in any language (empty when the model passes)."""
    failures = []
    for language, values in report["languages"].items():
        for name, value, sign, target in _checks(values):
            limit = KNOWN_GAPS.get((language, name), target)
            if _misses(value, sign, limit):
                failures.append(
                    f"{language}: {name} {value:.3f} {'<' if sign == '>=' else '>'} {limit}"
                )
    catch = report["must_catch"]
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
        "Held-out files, then the out-of-scope benchmark (OOS) and the DangerGuard negatives:",
        "",
        "| language | examples | macro-F1 | help-request recall | out_of_scope false accepts "
        "| false emergencies | OOS false accepts | OOS false emergencies "
        "| negatives: false emergencies | negatives: help answers |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [*report["languages"].items(), ("all", report["overall"])]
    for language, values in rows:
        support = sum(i["support"] for i in values["intents"].values())
        accepts = values["out_of_scope_false_accept"]
        bench = values["benchmark"]
        lines.append(
            f"| {language} | {support} | {values['macro_f1']:.3f} | "
            f"{values['help_recall']['recall']:.3f} ({values['help_recall']['support']}) | "
            f"{accepts['rate']:.3f} ({accepts['support']}) | "
            f"{values['false_emergency']['rate']:.3f} | "
            f"{bench['false_accept']['rate']:.3f} ({bench['false_accept']['support']}) | "
            f"{bench['false_emergency']['rate']:.3f} | "
            f"{bench['negatives_false_emergency']['rate']:.3f} "
            f"({bench['negatives_false_emergency']['count']} of "
            f"{bench['negatives_false_emergency']['support']}) | "
            f"{bench['negatives_help']['rate']:.3f} |"
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
    lines += [
        "",
        f"Gate: macro-F1 >= {MIN_MACRO_F1}, help-request recall >= {MIN_HELP_RECALL}, "
        f"OOS false accepts <= {MAX_FALSE_ACCEPT}, false emergencies <= {MAX_FALSE_EMERGENCY} "
        "(held-out, OOS, negatives), every must-catch line caught; in every language.",
    ]
    if gaps := known_gaps(report):
        lines += ["", "Targets missed, held where they are until fixed:", ""]
        lines += [f"- {gap}" for gap in gaps]
    lines += ["", f"## Worst {WORST_SHOWN} mistakes (missed help requests first)", ""]
    lines += [
        f"- [{e['language']}] {e['truth']} -> {e['predicted']} ({e['confidence']:.2f}): {e['text']}"
        for e in report["errors"][:WORST_SHOWN]
    ]
    lines += ["", "## Benchmark lines answered as a topic or as an emergency", ""]
    lines += [
        f"- [{e['language']}] {e['set']} -> {e['predicted']} ({e['confidence']:.2f}): {e['text']}"
        for e in report.get("benchmark_errors", [])
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

    from kakekomi_bot.maintain.rasa_env import rasa_env

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
