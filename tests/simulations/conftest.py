"""Fixtures for the simulation tests.

One small computer (20 home files, collaborators with private files) is generated once per
session by the real pipeline and the offline engine; each test gets its own clone of it —
fresh rows and a fresh copy of its folder — so tests stay independent and fast.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from simulations.config import simulations_root
from studio.llm.offline import agents
from studio.llm.offline.registry import AGENTS
from studio.models import Computer, ComputerFile, Persona, PersonaPool

PERSONA = (
    b'{"persona": "A procurement manager at a regional hospital network who negotiates '
    b'supplier contracts and tracks spend against budget."}\n'
)
_COMPUTER_FIELDS = (
    "seed",
    "target_files",
    "state",
    "stage",
    "files_done",
    "files_total",
    "llm_backend",
    "display_name",
    "job_title",
    "employer",
    "industry",
    "profile",
    "policy",
    "stats",
)
_FILE_FIELDS = (
    "key",
    "scope",
    "owner",
    "path",
    "folder",
    "name",
    "kind",
    "title",
    "project",
    "size",
    "sha256",
    "mtime",
    "summary",
    "facts",
    "planted_error",
    "text",
    "depth",
)


@pytest.fixture(autouse=True)
def _offline_worker_policy():
    # Another test module may register its own stand-in "worker"; these tests need ours.
    previous = AGENTS.get("worker")
    AGENTS["worker"] = agents.worker_policy
    yield
    if previous is not None:
        AGENTS["worker"] = previous


@pytest.fixture(scope="session")
def computer_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """Generate one computer with the real pipeline; keep its rows as data and its folder."""
    from django.contrib.auth import get_user_model

    from studio.generation.pipeline import computer_generate
    from studio.services.computers import computer_create
    from studio.services.personas import persona_pool_import

    with django_db_blocker.unblock():
        owner, _ = get_user_model().objects.get_or_create(username="snapshot-owner")
        report = persona_pool_import(
            pool_name="simulation-snapshot", source=PERSONA, filename="p.jsonl", owner=owner
        )
        persona = report.pool.personas.first()
        computer = computer_create(persona=persona, target_files=20, seed=7, enqueue=False)
        computer_generate(computer=computer)
        assert computer.state == Computer.State.READY, computer.error
        template = tmp_path_factory.mktemp("computer-template")
        shutil.copytree(computer.root, template / "root")
        snapshot = {
            "persona": {
                "text": persona.text,
                "name": persona.name,
                "role": persona.role,
                "digest": persona.digest,
            },
            "computer": {f: getattr(computer, f) for f in _COMPUTER_FIELDS},
            "files": [{f: getattr(row, f) for f in _FILE_FIELDS} for row in computer.files.all()],
            "root": template / "root",
        }
    return snapshot


def clone_computer(snapshot, *, owner=None) -> Computer:
    pool = PersonaPool.objects.create(
        name=f"pool-{PersonaPool.objects.count() + 1}-{id(snapshot)}", owner=owner
    )
    persona = Persona.objects.create(pool=pool, **snapshot["persona"])
    computer = Computer.objects.create(
        persona=persona, pool=pool, created_by=owner, **snapshot["computer"]
    )
    ComputerFile.objects.bulk_create(
        ComputerFile(computer=computer, **row) for row in snapshot["files"]
    )
    shutil.rmtree(computer.root, ignore_errors=True)  # ids come back after a rolled-back test
    shutil.copytree(snapshot["root"], computer.root)
    return computer


@pytest.fixture
def computer(computer_snapshot, user):
    computer = clone_computer(computer_snapshot, owner=user)
    yield computer
    shutil.rmtree(computer.root, ignore_errors=True)


@pytest.fixture
def fast_engine(monkeypatch):
    """Engine knobs for tests: short backoff, generous slices."""
    monkeypatch.setenv("SIM_ERROR_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("SIM_SLICE_TURNS", "200")
    monkeypatch.setenv("SIM_SLICE_SECONDS", "30")


def workspace_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(autouse=True)
def _clean_simulations_root():
    yield
    root = simulations_root()
    if root.exists() and str(root).startswith(str(settings.VAR_DIR)):
        shutil.rmtree(root, ignore_errors=True)
