"""Where the bot's data, configs and models live, and the hash that names a model."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from kakekomi_bot.code_fingerprint import code_files
from kakekomi_common import env, live_model

ROOT = Path(__file__).resolve().parents[3]
BOT = ROOT / "bot"
DOMAIN = BOT / "domain"
ENDPOINTS = BOT / "endpoints.yml"
CREDENTIALS = BOT / "credentials.yml"
CONFIG = BOT / "config.yml"
NLU_DATA = ROOT / "nlu_data"
# What the model learns from. nlu_data/tests/ is held out: it is never trained on.
TRAINING_DATA = [NLU_DATA / "nlu", NLU_DATA / "rules"]
HELD_OUT = NLU_DATA / "tests"
# Help requests the live model must always catch (also never trained on).
MUST_CATCH = NLU_DATA / "must_catch"
# Never trained on either: everyday requests and near misses the bot must not take for one
# of its topics, and lines with a danger word that are not about danger.
BENCHMARKS = NLU_DATA / "benchmarks"
OUT_OF_SCOPE_BENCHMARK = BENCHMARKS / "out_of_scope"
DANGER_NEGATIVES = BENCHMARKS / "danger_negatives"
MODELS = ROOT / "models"
# Code whose change changes what a trained model does: the components config.yml names,
# in bot/kakekomi_bot/, and the shared code they call (never the maintainers' tools in
# bot/kakekomi_bot/maintain/).
COMPONENTS = BOT / "kakekomi_bot"
COMPONENT_CODE = code_files()


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml"}
            )
        elif path.is_file():
            found.append(path)
    return sorted(found)


def data_hash(config: Path, data: list[Path] | None = None) -> str:
    """A short SHA-256 over the config, domain, training data and component code."""
    digest = hashlib.sha256()
    # Resolved, so that `bot/config.yml` and its absolute path hash (and sort) the same.
    inputs = [config, DOMAIN, *(data or TRAINING_DATA), *COMPONENT_CODE]
    for path in _files(p.resolve() for p in inputs):
        digest.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(config: Path, out_dir: Path = MODELS, data: list[Path] | None = None) -> Path:
    """The file a model trained from this config and data is stored in."""
    return out_dir / f"kakekomi-{config.stem}-{data_hash(config, data)}.tar.gz"


def data_dir() -> Path:
    """Where runtime state lives: KAKEKOMI_DATA_DIR, else ./var."""
    return env.data_dir()


def live_model_pointer(data_dir: Path) -> Path:
    """The live-model file: one line, the model's absolute path (promote writes it)."""
    return live_model.pointer(data_dir)


def read_live_model(data_dir: Path) -> Path | None:
    """The live model's path, or None when no model was promoted (or it is gone)."""
    return live_model.read(data_dir)
