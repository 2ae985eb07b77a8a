"""Where the bot's data, configs and models live, and the hash that names a model."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
DOMAIN = BOT / "domain"
ENDPOINTS = BOT / "endpoints.yml"
CREDENTIALS = BOT / "credentials.yml"
CONFIG = BOT / "config.yml"
CI_CONFIG = BOT / "config-ci.yml"
NLU_DATA = ROOT / "nlu_data"
# What the model learns from. nlu_data/tests/ is held out: it is never trained on.
TRAINING_DATA = [NLU_DATA / "nlu", NLU_DATA / "rules"]
HELD_OUT = NLU_DATA / "tests"
MODELS = ROOT / "models"
# Code whose change changes what a trained model does.
COMPONENT_CODE = [BOT / "kakekomi_bot" / "tokenizer.py", BOT / "kakekomi_bot" / "danger_guard.py"]


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
    for path in _files([config, DOMAIN, *(data or TRAINING_DATA), *COMPONENT_CODE]):
        digest.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(config: Path, out_dir: Path = MODELS, data: list[Path] | None = None) -> Path:
    """The file a model trained from this config and data is stored in."""
    return out_dir / f"kakekomi-{config.stem}-{data_hash(config, data)}.tar.gz"
