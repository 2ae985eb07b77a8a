"""A handler for the ``kakekomi.*`` events when nothing else configured logging."""

from __future__ import annotations

import logging
import sys
from typing import Final

_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging() -> None:
    """Send ``kakekomi.*`` events at INFO to stderr, unless logging is already set up."""
    root, ours = logging.getLogger(), logging.getLogger("kakekomi")
    if root.handlers or ours.handlers:
        return  # a --log-config, a test runner or an embedding app decides
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
