"""The meldsim dashboard: a Dash app over result directories and the experiment library (sim.experiments.api)."""
