"""What the offline engine knows how to answer.

A responder is a plain function registered under the name of the structured-output
contract it answers (the ``json_schema.name`` of the request) or, for tool-calling
agents, under the agent role. It receives an :class:`OfflineRequest` and returns the
JSON-able payload: a dict matching the contract, or for agents an ``AgentAction``.
Responders must be deterministic for a given request: all randomness comes from
``request.rng`` and ``request.faker``, both seeded from the request itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from faker import Faker


@dataclass
class OfflineRequest:
    context: dict[str, Any]
    messages: list[dict[str, Any]]
    schema_name: str | None
    tools: list[dict[str, Any]]
    seed: int
    rng: random.Random = field(repr=False)
    faker: Faker = field(repr=False)


@dataclass
class AgentAction:
    """What a scripted agent does next: text, or one tool call."""

    content: str = ""
    tool_name: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)


Responder = Callable[[OfflineRequest], Any]

STRUCTURED: dict[str, Responder] = {}
AGENTS: dict[str, Responder] = {}


def structured(name: str) -> Callable[[Responder], Responder]:
    def register(fn: Responder) -> Responder:
        STRUCTURED[name] = fn
        return fn

    return register


def agent(role: str) -> Callable[[Responder], Responder]:
    def register(fn: Responder) -> Responder:
        AGENTS[role] = fn
        return fn

    return register


@lru_cache(maxsize=4)
def _faker(locale: str) -> Faker:
    return Faker(locale)


def make_request(
    *, context: dict, messages: list, schema_name: str | None, tools: list, seed: int
) -> OfflineRequest:
    faker = _faker("en_US")
    faker.seed_instance(seed)
    return OfflineRequest(
        context=context,
        messages=messages,
        schema_name=schema_name,
        tools=tools,
        seed=seed,
        rng=random.Random(seed),
        faker=faker,
    )
