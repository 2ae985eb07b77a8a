"""The code that decides what a trained model does, and its hash.

Rasa's training cache keys a component's output on the source of its class alone, so a
change to a module-level pattern, or to the shared code a component calls (Chinese or
Japanese in kakekomi_common.han), would reuse outputs computed by the old code. Our
components add this hash to their key, and the model's name includes these files too.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Final

# Our components (config.yml names them) and the shared modules they call.
MODULES: Final = (
    "kakekomi_bot.tokenizer",
    "kakekomi_bot.sentence_counts",
    "kakekomi_bot.linear_classifier",
    "kakekomi_bot.danger_guard",
    "kakekomi_common.han",
    "kakekomi_common.burmese",
)


def code_files() -> list[Path]:
    """The source files of MODULES, found without importing them."""
    files = []
    for name in MODULES:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{name} is not installed")
        files.append(Path(spec.origin))
    return files


@cache
def code_fingerprint() -> str:
    """A SHA-256 over the source of MODULES."""
    digest = hashlib.sha256()
    for path in code_files():
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
