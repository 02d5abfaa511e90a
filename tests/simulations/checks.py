"""Assertions shared by the run tests: what every finished simulation must satisfy."""

from __future__ import annotations

import hashlib
import shutil

from simulations.engine.sandbox import Workspace
from simulations.models import FileChange, Simulation


def assert_contiguous_turns(simulation: Simulation) -> list[int]:
    seqs = list(simulation.turns.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), (
        "turns must be numbered 1..N with no gap or duplicate"
    )
    assert len(seqs) == simulation.turn_count
    return seqs


def assert_workspace_is_the_replayed_log(simulation: Simulation, tmp_path) -> None:
    """Replaying every FileChange, in order, from the blobs onto a fresh copy of the computer
    gives exactly the workspace: every version is recorded and recoverable."""
    workspace = Workspace(simulation.workspace_root)
    replay = tmp_path / f"replay-{simulation.pk}"
    shutil.copytree(simulation.computer.home, replay)
    for change in FileChange.objects.filter(simulation=simulation).order_by("seq", "index"):
        target = replay / change.path
        if change.op == "delete":
            assert target.exists(), f"turn {change.seq} deleted {change.path}, which did not exist"
            target.unlink()
            continue
        if change.before_sha256 and change.op == "edit":
            assert hashlib.sha256(target.read_bytes()).hexdigest() == change.before_sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(workspace.read_blob(change.after_sha256))
        if change.op == "move":
            (replay / change.source_path).unlink()
    files = {
        p.relative_to(replay).as_posix(): p.read_bytes() for p in replay.rglob("*") if p.is_file()
    }
    actual = {
        p.relative_to(workspace.home).as_posix(): p.read_bytes()
        for p in workspace.home.rglob("*")
        if p.is_file()
    }
    assert files.keys() == actual.keys()
    assert all(files[k] == actual[k] for k in files)


def assert_computer_untouched(computer) -> None:
    for row in computer.files.filter(scope="home"):
        assert hashlib.sha256((computer.home / row.path).read_bytes()).hexdigest() == row.sha256
    on_disk = {
        p.relative_to(computer.home).as_posix() for p in computer.home.rglob("*") if p.is_file()
    }
    assert on_disk == set(computer.files.filter(scope="home").values_list("path", flat=True))
