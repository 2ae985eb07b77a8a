"""Trains a model for the current data unless one with the same hash exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from kakekomi_bot.maintain import paths
from kakekomi_bot.maintain.rasa_env import rasa_env


def train(config: Path, out_dir: Path, force: bool = False) -> Path:
    """Trains a model unless one for this exact data and config exists; returns its path."""
    config, out_dir = config.resolve(), out_dir.resolve()
    target = paths.model_path(config, out_dir)
    if target.exists() and not force:
        print(f"model up to date: {target}", file=sys.stderr)
        return target
    print(f"training {target.name} with {config.name} (about a minute)...", file=sys.stderr)
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
        # Rasa's checks of the data took a tenth of the training time and only warn here;
        # `make validate` (in `make test`) runs them with warnings as errors.
        "--skip-validation",
    ]
    started = time.monotonic()
    subprocess.run(command, check=True, env=rasa_env(), cwd=paths.ROOT)  # noqa: S603 - fixed argv
    if not target.exists():
        raise SystemExit(f"rasa train finished but {target} is missing")
    seconds = round(time.monotonic() - started, 1)
    # Beside the model: how long it took (read by `make bench`), and on what.
    record = {"train_seconds": seconds, "config": config.name, "cpus": os.cpu_count()}
    target.with_name(target.name.replace(".tar.gz", ".json")).write_text(json.dumps(record))
    print(f"trained in {seconds:.0f} s", file=sys.stderr)
    return target
