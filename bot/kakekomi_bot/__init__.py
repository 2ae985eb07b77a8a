"""Kakekomi's bot, split by who runs it.

What Rasa loads (named in bot/config.yml and bot/endpoints*.yml; a change here changes the
served model or how Rasa keeps conversations):

- `tokenizer`, `danger_guard`: NLU components; their code is part of the model's hash.
- `tracker_store`, `redis_stores`, `conversation_store`: where conversations live.
- `private_logs`, `schema_cache`: the launcher Rasa and the action server run under.

What maintainers run (`kakekomi_bot.maintain`, `python -m kakekomi_bot.maintain`): validate,
train, evaluate, compare and promote models. Rasa never imports it.
"""
