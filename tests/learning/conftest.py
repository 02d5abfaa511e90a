"""Fixtures for the learning loop: pools of small computers, clones of one computer
generated once per session by the real pipeline and the offline engine."""

from __future__ import annotations

import shutil

import pytest

from studio.models import Computer, PersonaPool
from tests.computer_templates import clone_computer

# The review tests' small computer, offline worker and engine knobs serve here as they are.
from tests.review.conftest import (  # noqa: F401
    _clean_simulations_root,
    _offline_worker_policy,
    computer_template,
    fast_engine,
)


@pytest.fixture
def make_pool(computer_template, user):  # noqa: F811 - the fixture imported above
    """make_pool(name, n): a shared pool of n fresh clones of the template computer."""
    made: list[Computer] = []

    def make(name: str, n: int) -> PersonaPool:
        pool = PersonaPool.objects.create(name=name, owner=user, shared=True)
        for _ in range(n):
            computer = clone_computer(computer_template, owner=user)
            spare = computer.pool
            computer.persona.pool = pool
            computer.persona.digest = f"{computer.persona.digest[:50]}-{len(made)}"
            computer.persona.save(update_fields=["pool", "digest"])
            computer.pool = pool
            computer.save(update_fields=["pool"])
            spare.delete()
            made.append(computer)
        return pool

    yield make
    for computer in made:
        shutil.rmtree(computer.root, ignore_errors=True)
