"""The steps of a simulation, one module per kind of turn: each builds a turn's draft (not
yet committed) from the world; ``engine/runner.py`` picks which comes next."""
