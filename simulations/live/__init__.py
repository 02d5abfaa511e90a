"""Watching a simulation as it runs: the live page, its JSON, and the socket."""
