"""Fixtures for the learning loop: pools of small computers generated once per session by the
real pipeline and the offline engine, cloned per test."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings

from simulations.config import simulations_root
from studio.llm.offline import agents
from studio.llm.offline.registry import AGENTS
from studio.models import Computer, PersonaPool
from tests.computer_templates import clone_computer, make_template

PERSONA = (
    b'{"persona": "A payroll coordinator at a logistics company who reconciles timesheets '
    b'and prepares the monthly payroll report."}\n'
)


@pytest.fixture(autouse=True)
def _offline_worker_policy():
    previous = AGENTS.get("worker")
    AGENTS["worker"] = agents.worker_policy
    yield
    if previous is not None:
        AGENTS["worker"] = previous


@pytest.fixture(autouse=True)
def _clean_simulations_root():
    yield
    root = simulations_root()
    if root.exists() and str(root).startswith(str(settings.VAR_DIR)):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def computer_template(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        return make_template(
            persona=PERSONA, target_files=12, seed=23,
            folder=tmp_path_factory.mktemp("learning-computer") / "root",
        )  # fmt: skip


@pytest.fixture
def make_pool(computer_template, user):
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


@pytest.fixture
def fast_engine(settings):
    settings.SIM_ERROR_BACKOFF_SECONDS = 0.01
    settings.SIM_SLICE_TURNS = 500
    settings.SIM_SLICE_SECONDS = 60
