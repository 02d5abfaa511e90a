"""The workspace sandbox: no escapes, no symlinks, atomic writes, a redo log of versions."""

import os

import pytest

from simulations.engine.sandbox import FileOp, SandboxError, Workspace, sha256_bytes


@pytest.fixture
def workspace(tmp_path):
    source = tmp_path / "computer-home"
    (source / "Documents").mkdir(parents=True)
    (source / "Documents" / "plan.md").write_text("# Plan\nfirst line\n")
    (source / "notes.txt").write_text("hello")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the sandbox")
    os.symlink(secret, source / "Documents" / "link-to-secret.txt")
    ws = Workspace(tmp_path / "sim")
    assert ws.prepare(source) == 2
    return ws


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "Documents/../../secret.txt",
        "/etc/passwd",
        "~/x",
        "C:\\Windows\\system.ini",
        "a\x00b",
    ],
)
def test_paths_that_leave_the_workspace_are_refused(workspace, path):
    with pytest.raises(SandboxError):
        workspace.resolve(path)


def test_symlinks_are_not_copied_and_planted_ones_are_refused(workspace, tmp_path):
    assert not (workspace.home / "Documents" / "link-to-secret.txt").exists()
    os.symlink(tmp_path / "secret.txt", workspace.home / "Documents" / "planted.txt")
    os.symlink(tmp_path, workspace.home / "escape-dir")
    for path in ("Documents/planted.txt", "escape-dir/secret.txt"):
        with pytest.raises(SandboxError, match="symbolic link"):
            workspace.resolve(path)
    with pytest.raises(SandboxError):
        workspace.stage_write("escape-dir/new.txt", b"x")


def test_prepare_is_idempotent_and_keeps_the_original_pristine(workspace, tmp_path):
    assert workspace.prepare(tmp_path / "computer-home") == 0
    op = workspace.stage_write("notes.txt", b"changed")
    workspace.apply([op])
    assert (tmp_path / "computer-home" / "notes.txt").read_text() == "hello"
    assert (workspace.home / "notes.txt").read_text() == "changed"


def test_staged_writes_change_nothing_until_applied_and_apply_is_idempotent(workspace):
    op = workspace.stage_write("Documents/plan.md", b"# Plan\nsecond line\n")
    assert (workspace.home / "Documents" / "plan.md").read_text() == "# Plan\nfirst line\n"
    assert op.op == "edit" and op.before_sha256 == sha256_bytes(b"# Plan\nfirst line\n")
    assert "-first line" in op.diff and "+second line" in op.diff
    workspace.apply([op], mtime=1_700_000_000)
    workspace.apply([op], mtime=1_700_000_000)
    path = workspace.home / "Documents" / "plan.md"
    assert path.read_bytes() == b"# Plan\nsecond line\n"
    assert int(path.stat().st_mtime) == 1_700_000_000
    # every version stays available by hash (time travel)
    assert workspace.read_blob(op.before_sha256) == b"# Plan\nfirst line\n"
    assert workspace.read_blob(op.after_sha256) == b"# Plan\nsecond line\n"
    assert not [p for p in workspace.home.rglob("*.tmp")]


def test_move_copy_delete_are_replayable(workspace):
    [move] = workspace.stage_copy("notes.txt", "Documents", move=True)
    assert move.path == "Documents/notes.txt" and move.source_path == "notes.txt"
    workspace.apply([move])
    workspace.apply([move])
    assert not (workspace.home / "notes.txt").exists()
    assert (workspace.home / "Documents" / "notes.txt").read_text() == "hello"
    [copy] = workspace.stage_copy("Documents/notes.txt", "copy.txt", move=False)
    delete = workspace.stage_delete("Documents/plan.md")
    workspace.apply([copy, delete])
    assert (workspace.home / "copy.txt").read_text() == "hello"
    assert not (workspace.home / "Documents" / "plan.md").exists()
    with pytest.raises(SandboxError, match="already exists"):
        workspace.stage_copy("copy.txt", "Documents/notes.txt", move=False)
    with pytest.raises(SandboxError, match="no such file"):
        workspace.stage_delete("nope.txt")


def test_share_never_overwrites(workspace, tmp_path):
    private = tmp_path / "private.csv"
    private.write_text("a,b\n1,2\n")
    first = workspace.stage_share(private, "Shared/private.csv")
    workspace.apply([first])
    second = workspace.stage_share(private, "Shared/private.csv")
    assert second.path == "Shared/private (2).csv" and second.op == "share"


def test_a_missing_blob_is_reported(workspace):
    with pytest.raises(SandboxError, match="missing"):
        workspace.apply([FileOp(op="create", path="x.txt", after_sha256="0" * 64)])
