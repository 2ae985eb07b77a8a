"""`python -m kakekomi_bot.maintain COMMAND`: the maintainers' command line."""

from __future__ import annotations

import sys

from kakekomi_bot.maintain.cli import main

sys.exit(main())
