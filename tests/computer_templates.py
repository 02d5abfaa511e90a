"""A real generated computer, made once per session and cloned per test.

Generating a computer takes seconds; cloning its rows and folder takes milliseconds. The
template is kept as data (field values and a copy of its folder) and its database rows are
deleted straight away, so tests that expect an empty database are not disturbed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from studio.models import Computer, ComputerFile, FileEdge, Folder, Persona, PersonaPool

_COMPUTER_FIELDS = (
    "seed", "target_files", "state", "stage", "files_done", "files_total", "llm_backend",
    "display_name", "job_title", "employer", "industry", "profile", "policy", "stats",
)  # fmt: skip
_FILE_FIELDS = (
    "key", "scope", "owner", "path", "folder", "name", "kind", "title", "project", "size",
    "sha256", "mtime", "summary", "facts", "planted_error", "text", "depth",
)  # fmt: skip


def make_template(*, persona: bytes, target_files: int, seed: int, folder: Path) -> dict:
    """Generate a computer with the real pipeline and the offline engine; return it as data."""
    from django.contrib.auth import get_user_model

    from studio.generation.pipeline import computer_generate
    from studio.services.computers import computer_create
    from studio.services.personas import persona_pool_import

    owner, _ = get_user_model().objects.get_or_create(username=f"template-owner-{seed}")
    report = persona_pool_import(
        pool_name=f"template-{seed}", source=persona, filename="p.jsonl", owner=owner
    )
    row = report.pool.personas.first()
    computer = computer_create(persona=row, target_files=target_files, seed=seed, enqueue=False)
    computer_generate(computer=computer)
    assert computer.state == Computer.State.READY, computer.error
    shutil.copytree(computer.root, folder)
    template = {
        "persona": {
            "text": row.text,
            "name": row.name,
            "role": row.role,
            "industry": row.industry,
            "digest": row.digest,
        },  # fmt: skip
        "computer": {f: getattr(computer, f) for f in _COMPUTER_FIELDS},
        "files": [{f: getattr(r, f) for f in _FILE_FIELDS} for r in computer.files.all()],
        "folders": list(computer.folders.values("path", "parent", "name", "depth", "file_count")),
        "edges": list(computer.edges.values_list("source__key", "target__key", "relation")),
        "root": folder,
    }
    shutil.rmtree(computer.root, ignore_errors=True)
    computer.delete()
    report.pool.delete()
    owner.delete()
    return template


def clone_computer(template: dict, *, owner=None, shared: bool = True) -> Computer:
    """Fresh rows and a fresh copy of the folder, in the calling test's database."""
    pool = PersonaPool.objects.create(
        name=f"pool-{PersonaPool.objects.count() + 1}-{id(template)}", owner=owner, shared=shared
    )
    persona = Persona.objects.create(pool=pool, **template["persona"])
    computer = Computer.objects.create(
        persona=persona, pool=pool, created_by=owner, **template["computer"]
    )
    ComputerFile.objects.bulk_create(
        ComputerFile(computer=computer, **row) for row in template["files"]
    )
    Folder.objects.bulk_create(Folder(computer=computer, **row) for row in template["folders"])
    ids = dict(computer.files.values_list("key", "id"))
    FileEdge.objects.bulk_create(
        FileEdge(computer=computer, source_id=ids[s], target_id=ids[t], relation=r)
        for s, t, r in template["edges"]
    )
    shutil.rmtree(computer.root, ignore_errors=True)  # ids come back after a rolled-back test
    shutil.copytree(template["root"], computer.root)
    return computer
