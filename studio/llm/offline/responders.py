"""Importing this module registers every offline responder."""

from studio.llm.offline import generation  # noqa: F401
