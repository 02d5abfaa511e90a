"""The worker sees other volumes as the user would, with the same escape checks."""

from __future__ import annotations

import pytest

from simulations.engine.sandbox import SandboxError, Workspace
from studio.volumes import Volume

VOLUMES = [Volume(name="C:", mount="C:\\", home="C:\\Users\\m"), Volume(name="D:", mount="D:\\")]


@pytest.fixture
def workspace(tmp_path):
    home = tmp_path / "computer" / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "a.txt").write_text("home file")
    (tmp_path / "computer" / "volumes" / "d" / "Archive").mkdir(parents=True)
    (tmp_path / "computer" / "volumes" / "d" / "Archive" / "b.txt").write_text("archived")
    ws = Workspace(tmp_path / "sim")
    assert ws.prepare(home, volumes=VOLUMES, source_volumes=tmp_path / "computer" / "volumes") == 2
    return Workspace(tmp_path / "sim")  # a fresh one reads the volumes back from disk


def test_paths_on_other_volumes_resolve_and_stay_inside(workspace):
    assert workspace.resolve("D:\\Archive\\b.txt", must_exist=True).read_text() == "archived"
    assert workspace.resolve("C:\\Users\\m\\Documents\\a.txt").read_text() == "home file"
    assert workspace.resolve("Documents/a.txt").read_text() == "home file"
    assert workspace.clean("d:/Archive/b.txt") == "D:\\Archive\\b.txt"
    assert workspace.relative(workspace.resolve("D:\\Archive\\b.txt")) == "D:\\Archive\\b.txt"
    for bad in ("D:\\..\\..\\etc\\passwd", "E:\\x.txt", "/etc/passwd", "C:\\Users\\m\\..\\..\\x"):
        with pytest.raises(SandboxError):
            workspace.resolve(bad)


def test_writes_to_another_volume_are_staged_and_applied(workspace):
    op = workspace.stage_write("D:\\Archive\\c.md", b"# new")
    assert op.path == "D:\\Archive\\c.md" and op.op == "create"
    workspace.apply([op])
    assert (workspace.root / "volumes" / "d" / "Archive" / "c.md").read_bytes() == b"# new"
    moved = workspace.stage_copy("D:\\Archive\\c.md", "Documents/c.md", move=True)
    workspace.apply(moved)
    assert (workspace.home / "Documents" / "c.md").is_file()
    assert not (workspace.root / "volumes" / "d" / "Archive" / "c.md").exists()
