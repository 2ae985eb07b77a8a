"""`python -m kakekomi_stack --model ...`: what `make run` runs."""

from __future__ import annotations

import sys

from kakekomi_stack.supervisor import main

sys.exit(main())
