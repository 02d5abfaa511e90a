"""Importing this module registers every offline responder."""

from studio.llm.offline import generation  # noqa: F401
from studio.llm.offline import agents  # noqa: F401
from studio.llm.offline import skills  # noqa: F401
