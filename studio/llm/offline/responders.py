"""Importing this module registers every offline responder."""

from studio.llm.offline import (
    agents,  # noqa: F401
    generation,  # noqa: F401
    probe,  # noqa: F401
    skills,  # noqa: F401
)
