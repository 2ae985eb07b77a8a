"""Facts shared by the gateway (Python 3.11), Rasa's side (3.10), the stack and the CLI.

Standard library only, no I/O at import time:

- `languages`: the registered languages (code, names, script): add a language here.
- `env`: the ``KAKEKOMI_*`` variables more than one process reads, and their defaults.
- `live_model`: the ``<data dir>/live-model`` pointer (read; atomic, fsynced write).
- `conversation_protocol`: the conversation store's one-request-per-connection protocol.
- `redis_keys`: the Redis keys of Rasa's conversations and of the quick exit's marker.
"""
