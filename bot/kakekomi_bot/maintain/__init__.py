"""The maintainers' loop, run by hand or by make: never loaded by Rasa.

    python -m kakekomi_bot.maintain validate | train | model-path | evaluate | compare | promote

- `cli`: the command line over the modules below.
- `paths`: where data, configs and models live; the hash that names a model.
- `rasa_env`: the environment Rasa's own commands run in.
- `train`, `validate`, `evaluate`, `compare`, `promote`: one step of the loop each.
"""
