"""The supervisor behind `make run`: starts Kakekomi's processes, watches them, swaps models.

    python -m kakekomi_stack --model models/kakekomi-config-....tar.gz

Modules, each with a public surface that tests and scripts/bench.py use:

- ``settings``: where each process listens, read through the gateway's ``Settings``.
- ``processes``: the commands and environments of the conversation store, the action
  server, Rasa and the gateway; starting and stopping them.
- ``stack``: the running stack: readiness, the model swap, stopping in order.
- ``restarts``: a crashed process is started again after a delay; too many crashes stop all.
- ``supervisor``: the command line and the watch loop (``main``).
- ``demo_ngo``: with no NGO configured, in development only, a local NGO (receiver and inbox).
- ``redis_server``: a private, memory-only redis-server (stdlib only, both environments).

Nothing is imported here, so ``redis_server`` stays importable from Rasa's environment.
"""
