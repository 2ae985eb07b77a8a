"""The maintainers' command line: train a model and check it on the held-out data."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from kakekomi_bot import paths


def rasa_env() -> dict:
    """Environment for Rasa commands: no telemetry, quiet TensorFlow."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}


def train(config: Path, out_dir: Path, force: bool = False) -> Path:
    """Trains a model unless one for this exact data and config exists; returns its path."""
    config, out_dir = config.resolve(), out_dir.resolve()
    target = paths.model_path(config, out_dir)
    if target.exists() and not force:
        print(f"model up to date: {target}", file=sys.stderr)
        return target
    print(
        f"training {target.name} with {config.name} (this takes a few minutes)...", file=sys.stderr
    )
    rasa = Path(sys.executable).with_name("rasa")
    command = [
        str(rasa),
        "train",
        "--config",
        str(config),
        "--domain",
        str(paths.DOMAIN),
        "--data",
        *map(str, paths.TRAINING_DATA),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        target.name[: -len(".tar.gz")],
    ]
    subprocess.run(command, check=True, env=rasa_env(), cwd=paths.ROOT)  # noqa: S603 - fixed argv
    if not target.exists():
        raise SystemExit(f"rasa train finished but {target} is missing")
    return target


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m kakekomi_bot.cli COMMAND`."""
    parser = argparse.ArgumentParser(prog="kakekomi-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train_cmd = commands.add_parser("train", help="train a model (skipped if up to date)")
    train_cmd.add_argument("--config", type=Path, default=paths.CONFIG)
    train_cmd.add_argument("--out", type=Path, default=paths.MODELS)
    train_cmd.add_argument("--force", action="store_true")

    path_cmd = commands.add_parser("model-path", help="print the model file for the current data")
    path_cmd.add_argument("--config", type=Path, default=paths.CONFIG)
    path_cmd.add_argument("--out", type=Path, default=paths.MODELS)

    eval_cmd = commands.add_parser("evaluate", help="score a model on the held-out data")
    eval_cmd.add_argument("--model", type=Path, required=True)
    eval_cmd.add_argument("--report-dir", type=Path, default=paths.ROOT / "reports")
    eval_cmd.add_argument("--gate", action="store_true", help="exit 1 below the quality gate")

    args = parser.parse_args(argv)
    if args.command == "train":
        print(train(args.config, args.out, args.force))
    elif args.command == "model-path":
        print(paths.model_path(args.config, args.out))
    elif args.command == "evaluate":
        from kakekomi_bot import evaluate  # imports rasa and TensorFlow: only when needed

        report = evaluate.evaluate(args.model)
        evaluate.write_report(report, args.report_dir)
        print(evaluate.render_table(report))
        failures = evaluate.gate_failures(report)
        for failure in failures:
            print(f"GATE FAILED: {failure}", file=sys.stderr)
        if args.gate and failures:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
