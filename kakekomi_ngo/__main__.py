"""``python -m kakekomi_ngo``."""

from __future__ import annotations

import sys

from kakekomi_ngo.cli import main

sys.exit(main())
