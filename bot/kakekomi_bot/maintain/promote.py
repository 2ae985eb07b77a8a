"""Makes a model the live one, unless it misses a cry for help or is worse than the live one."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from kakekomi_bot.maintain import paths
from kakekomi_common import env, live_model

DEFAULT_MARGIN = 0.02


def refusals(
    candidate: dict[str, Any], live: dict[str, Any] | None, margin: float = DEFAULT_MARGIN
) -> list[str]:
    """Why the candidate may not go live: missed must-catch examples, figures that fell."""
    found = [
        f"misses must-catch [{e['language']}] {e['text']!r} (read as {e['predicted']})"
        for e in candidate["must_catch"]["missed"]
    ]
    if live is None:
        return found
    for language, values in live["languages"].items():
        new = candidate["languages"].get(language, {}).get("macro_f1", 0.0)
        if new < values["macro_f1"] - margin:
            found.append(
                f"{language} macro-F1 fell from {values['macro_f1']:.3f} to {new:.3f} "
                f"(more than the margin {margin})"
            )
    old = live["overall"]["help_recall"]["recall"]
    new = candidate["overall"]["help_recall"]["recall"]
    if new < old - margin:
        found.append(
            f"help-request recall fell from {old:.3f} to {new:.3f} (more than the margin {margin})"
        )
    return found


def write_pointer(model: Path, data_dir: Path) -> Path:
    """Atomically points <data_dir>/live-model at the model (temp file, fsync, os.replace)."""
    return live_model.write(data_dir, model.resolve())


def signal_stack(data_dir: Path) -> int | None:
    """Sends SIGHUP to the running stack (<data_dir>/stack.pid), if any; returns its pid."""
    try:
        pid = int(env.pid_file(data_dir).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def check_and_promote(
    model: Path,
    data_dir: Path,
    margin: float = DEFAULT_MARGIN,
    force: bool = False,
    reports: Path = paths.ROOT / "reports",
    **evaluate_options: Any,
) -> int:
    """Evaluates the model (and the live one), refuses or makes it live; the exit code."""
    from kakekomi_bot.maintain import compare

    if not model.is_file():
        print(f"no model at {model}", file=sys.stderr)
        return 1
    candidate = compare.load_or_evaluate(model, reports, **evaluate_options)
    live_model = paths.read_live_model(data_dir)
    live = None
    if live_model is not None and live_model.resolve() != model.resolve():
        live = compare.load_or_evaluate(live_model, reports, **evaluate_options)
        print(compare.render(compare.compare(live, candidate)))
    found = refusals(candidate, live, margin)
    for refusal in found:
        print(f"REFUSED: {refusal}", file=sys.stderr)
    # --force is for rolling back to an older model; it never lets a must-catch miss through.
    if found and (candidate["must_catch"]["missed"] or not force):
        print(f"not promoted: {model.name}", file=sys.stderr)
        return 1
    pointer = write_pointer(model, data_dir)
    print(f"live model: {model.resolve()} (written to {pointer})", file=sys.stderr)
    pid = signal_stack(data_dir)
    if pid is None:
        print(f"no running stack to signal (no live {env.pid_file(data_dir)})", file=sys.stderr)
    else:
        print(f"asked the running stack (pid {pid}) to swap to it", file=sys.stderr)
    return 0
