"""The maintainers' command line: validate, train, evaluate, compare, promote."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kakekomi_bot.maintain import paths, promote
from kakekomi_bot.maintain.train import train


def run_validate(config: Path) -> int:
    """Our checks, then Rasa's own with warnings as errors; prints every problem."""
    from kakekomi_bot.maintain import validate

    problems = validate.own_checks()
    print("rasa data validate --fail-on-warnings ...", file=sys.stderr)
    problems += validate.run_rasa_validate(config)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"{len(problems)} problem(s)" if problems else "data valid", file=sys.stderr)
    return 1 if problems else 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Held-out scores and must-catch; k-fold cross-validation when --folds is given."""
    from kakekomi_bot.maintain import evaluate  # imports rasa and TensorFlow: only when needed

    if args.folds:
        print(evaluate.cross_validate(args.config, args.folds, args.report_dir))
        return 0
    if args.model is None:
        raise SystemExit("evaluate needs --model (or --folds K)")
    report = evaluate.evaluate(args.model)
    evaluate.write_report(report, args.report_dir)
    print(evaluate.render_table(report))
    print(f"report: {args.report_dir / 'report.md'}", file=sys.stderr)
    for missed in report["must_catch"]["missed"]:
        print(
            f"MUST-CATCH MISSED (promote refuses this model): [{missed['language']}]"
            f" {missed['text']!r} -> {missed['predicted']}",
            file=sys.stderr,
        )
    for gap in evaluate.known_gaps(report):
        print(f"TARGET MISSED: {gap}", file=sys.stderr)
    failures = evaluate.gate_failures(report)
    for failure in failures:
        print(f"GATE FAILED: {failure}", file=sys.stderr)
    return 1 if args.gate and failures else 0


def run_compare(before: Path, after: Path, out: Path) -> int:
    """Prints and writes the side-by-side comparison of two models or reports."""
    from kakekomi_bot.maintain import compare

    reports = paths.ROOT / "reports"
    text = compare.render(
        compare.compare(
            compare.load_or_evaluate(before, reports), compare.load_or_evaluate(after, reports)
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"written to {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m kakekomi_bot.maintain COMMAND`."""
    parser = argparse.ArgumentParser(prog="kakekomi-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    validate_cmd = commands.add_parser("validate", help="check data, answers and directory")
    validate_cmd.add_argument("--config", type=Path, default=paths.CONFIG)

    train_cmd = commands.add_parser("train", help="train a model (skipped if up to date)")
    train_cmd.add_argument("--config", type=Path, default=paths.CONFIG)
    train_cmd.add_argument("--out", type=Path, default=paths.MODELS)
    train_cmd.add_argument("--force", action="store_true")

    path_cmd = commands.add_parser("model-path", help="print the model file for the current data")
    path_cmd.add_argument("--config", type=Path, default=paths.CONFIG)
    path_cmd.add_argument("--out", type=Path, default=paths.MODELS)

    eval_cmd = commands.add_parser("evaluate", help="score a model on the held-out data")
    eval_cmd.add_argument("--model", type=Path)
    eval_cmd.add_argument("--report-dir", type=Path, default=paths.ROOT / "reports")
    eval_cmd.add_argument("--gate", action="store_true", help="exit 1 below the quality gate")
    eval_cmd.add_argument(
        "--folds", type=int, help="k-fold cross-validation on the training data instead"
    )
    eval_cmd.add_argument("--config", type=Path, default=paths.CONFIG, help="for --folds")

    compare_cmd = commands.add_parser("compare", help="two models or report.json files")
    compare_cmd.add_argument("before", type=Path)
    compare_cmd.add_argument("after", type=Path)
    compare_cmd.add_argument("--out", type=Path, default=paths.ROOT / "reports" / "compare.md")

    promote_cmd = commands.add_parser("promote", help="make a model the live one")
    promote_cmd.add_argument("model", type=Path)
    promote_cmd.add_argument(
        "--margin",
        type=float,
        default=promote.DEFAULT_MARGIN,
        help="how far a figure may fall below the live one",
    )
    promote_cmd.add_argument(
        "--force",
        action="store_true",
        help="promote even if figures fell (never a must-catch miss)",
    )
    promote_cmd.add_argument("--data-dir", type=Path, default=None)

    args = parser.parse_args(argv)
    if args.command == "validate":
        return run_validate(args.config)
    if args.command == "train":
        print(train(args.config, args.out, args.force))
    elif args.command == "model-path":
        print(paths.model_path(args.config, args.out))
    elif args.command == "evaluate":
        return run_evaluate(args)
    elif args.command == "compare":
        return run_compare(args.before, args.after, args.out)
    elif args.command == "promote":
        data_dir = args.data_dir or paths.data_dir()
        return promote.check_and_promote(args.model, data_dir, args.margin, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
