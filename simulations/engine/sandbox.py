"""A simulation's own copy of its computer, and the only code that changes files in it.

Layout under ``SIMULATIONS_ROOT/<simulation id>/``:

- ``home/``   the user's folder as the worker sees it (a copy of the computer's home);
- ``volumes/<slug>/`` and ``volumes.json``: the computer's other volumes (studio/volumes.py), which
  the worker names by the user's full paths ("D:\\Q3\\a.xlsx", "/Volumes/Backup/a.xlsx");
- ``blobs/``  every version of every file the run wrote or replaced, by sha256.

Tools never write into ``home/`` themselves. They stage a change: its new content goes to
the blob store, and a :class:`FileOp` describes it. The engine commits the turn (with its
FileChange rows) and only then applies the ops — a redo log: if the process dies between
commit and apply, the next slice re-applies the last turn's ops (idempotent), and if it dies
before the commit nothing in ``home/`` changed. Because every version is kept by hash, a
file can be rebuilt as it was at any turn. Applying happens under the workspace's lock and only
while the caller still holds the run's lease: a worker frozen after its commit (GC, VM pause,
SIGSTOP) for longer than the lease wakes to find the lease gone and writes nothing over the
newer work of the worker that took over.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from studio.paths import PathEscapeError, clean_relative, resolve_inside
from studio.volumes import VOLUMES_DIR, Volume, is_logical, locate, volumes_dump

TEXT_KINDS = ("md", "txt", "csv")
DIFF_LIMIT = 20_000
LOCK_WAIT_SECONDS = 60.0  # a holder frozen longer than this turns the waiter's slice into a crash


class SandboxError(Exception):
    """A file operation the sandbox refuses; the message is shown to the agent."""


@dataclass
class FileOp:
    op: str  # create, edit, move, copy, delete, share
    path: str
    source_path: str = ""
    kind: str = ""
    before_sha256: str = ""
    after_sha256: str = ""
    size: int = 0
    diff: str = ""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def kind_of(path: str) -> str:
    return PurePosixPath(path).suffix.lower().lstrip(".")


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.home = self.root / "home"
        self.blobs = self.root / "blobs"
        self._volumes: list[Volume] | None = None

    @property
    def volumes(self) -> list[Volume]:
        if self._volumes is None:
            listed = self.root / "volumes.json"
            data = json.loads(listed.read_text()) if listed.is_file() else []
            self._volumes = [Volume(**v) for v in data]
        return self._volumes

    def _locate(self, raw: str) -> tuple[Volume | None, str]:
        """A worker's path as (volume, path inside it), or (None, path relative to home)."""
        if not (self.volumes and is_logical(raw)):
            return None, raw
        try:
            return locate(self.volumes, raw.strip())
        except PathEscapeError as exc:
            raise SandboxError(str(exc)) from None

    # -- paths -----------------------------------------------------------------------------

    def resolve(self, relative: str, *, must_exist: bool = False) -> Path:
        """The absolute path of a worker-proposed path, or SandboxError: no '..', no absolute
        paths, no symlinks anywhere on the way."""
        if relative in (".", "", "./") or (relative == "/" and not self.volumes):
            return self.home
        for volume in self.volumes:  # a volume's own root: "D:\\", "/Volumes/Backup"
            if relative.strip().rstrip("\\/").lower() == volume.mount.rstrip("\\/").lower():
                return self.root / VOLUMES_DIR / volume.slug
        volume, relative = self._locate(relative)
        base = self.root / VOLUMES_DIR / volume.slug if volume else self.home
        try:
            path = resolve_inside(base, relative)
        except PathEscapeError as exc:
            raise SandboxError(str(exc)) from None
        if must_exist and not path.exists():
            raise SandboxError(f"no such file or folder: {clean_relative(relative)}")
        return path

    def relative(self, path: Path) -> str:
        if path.is_relative_to(self.root / VOLUMES_DIR):
            slug, _, inner = path.relative_to(self.root / VOLUMES_DIR).as_posix().partition("/")
            volume = next(v for v in self.volumes if v.slug == slug)
            return volume.logical(inner) if inner else volume.mount
        return path.relative_to(self.home).as_posix()

    def clean(self, relative: str) -> str:
        volume, inner = self._locate(relative)
        if volume is not None:
            return volume.logical(inner)
        try:
            return clean_relative(inner)
        except PathEscapeError as exc:
            raise SandboxError(str(exc)) from None

    # -- set-up ----------------------------------------------------------------------------

    @property
    def prepared(self) -> bool:
        return self.home.is_dir()

    def prepare(self, source_home: Path, *, volumes: list[Volume] = (), source_volumes=None) -> int:
        """Copy the computer's home and other volumes (symlinks are not copied). Idempotent;
        returns files copied. The home goes last: it marks the workspace prepared."""
        if self.prepared:
            return 0
        self.root.mkdir(parents=True, exist_ok=True)
        self.blobs.mkdir(exist_ok=True)
        count = 0
        if volumes:
            shutil.rmtree(self.root / VOLUMES_DIR, ignore_errors=True)
            for volume in volumes:
                source = Path(source_volumes) / volume.slug
                if source.is_dir():
                    count += self._copy_tree(source, self.root / VOLUMES_DIR / volume.slug)
            (self.root / "volumes.json").write_text(json.dumps(volumes_dump(list(volumes))))
            self._volumes = list(volumes)
        return count + self._copy_tree(Path(source_home), self.home)

    def _copy_tree(self, source_home: Path, target: Path) -> int:
        staging = self.root / f".copy-{secrets.token_hex(4)}"
        count = 0
        for directory, dirnames, filenames in os.walk(source_home, followlinks=False):
            here = Path(directory)
            target_dir = staging / here.relative_to(source_home)
            target_dir.mkdir(parents=True, exist_ok=True)
            dirnames[:] = [d for d in dirnames if not (here / d).is_symlink()]
            for name in filenames:
                src = here / name
                if src.is_symlink() or not src.is_file():
                    continue
                shutil.copy2(src, target_dir / name)
                count += 1
        staging.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, target)
        return count

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- blobs -----------------------------------------------------------------------------

    def blob_path(self, sha: str) -> Path:
        return self.blobs / sha[:2] / sha

    def store_blob(self, data: bytes) -> str:
        sha = sha256_bytes(data)
        path = self.blob_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write_bytes(path, data)
        return sha

    def store_file(self, path: Path) -> str:
        return self.store_blob(path.read_bytes())

    def read_blob(self, sha: str) -> bytes:
        try:
            return self.blob_path(sha).read_bytes()
        except FileNotFoundError:
            raise SandboxError(
                f"version {sha[:12]} of a file is missing from the blob store"
            ) from None

    # -- staging changes (nothing in home/ changes until apply) ------------------------------

    def current_sha(self, relative: str) -> str:
        path = self.resolve(relative)
        return sha256_bytes(path.read_bytes()) if path.is_file() else ""

    def stage_write(self, relative: str, data: bytes, *, text_of=None) -> FileOp:
        """A create or edit of ``relative`` with ``data`` as its new content."""
        rel = self.clean(relative)
        path = self.resolve(rel)
        if path.is_dir():
            raise SandboxError(f"{rel} is a folder")
        before_sha = self.store_file(path) if path.is_file() else ""
        after_sha = self.store_blob(data)
        kind = kind_of(rel)
        op = FileOp(
            op="edit" if before_sha else "create",
            path=rel,
            kind=kind,
            before_sha256=before_sha,
            after_sha256=after_sha,
            size=len(data),
        )
        op.diff = self._diff(rel, kind, before_sha, after_sha, text_of)
        return op

    def stage_delete(self, relative: str) -> FileOp:
        rel = self.clean(relative)
        path = self.resolve(rel, must_exist=True)
        if not path.is_file():
            raise SandboxError(f"{rel} is a folder; only files can be deleted")
        data = path.read_bytes()
        return FileOp(op="delete", path=rel, kind=kind_of(rel), before_sha256=self.store_blob(data))

    def stage_copy(self, source: str, destination: str, *, move: bool) -> list[FileOp]:
        src_rel, dst_rel = self.clean(source), self.clean(destination)
        src = self.resolve(src_rel, must_exist=True)
        dst = self.resolve(dst_rel)
        if not src.is_file():
            raise SandboxError(f"{src_rel} is a folder; only files can be moved or copied")
        if dst.is_dir():
            dst_rel = f"{dst_rel}/{src.name}"
            dst = self.resolve(dst_rel)
        if dst.exists():
            raise SandboxError(f"{dst_rel} already exists")
        if src_rel == dst_rel:
            raise SandboxError("source and destination are the same")
        data = src.read_bytes()
        sha = self.store_blob(data)
        return [
            FileOp(
                op="move" if move else "copy",
                path=dst_rel,
                source_path=src_rel,
                kind=kind_of(dst_rel),
                before_sha256=sha if move else "",
                after_sha256=sha,
                size=len(data),
            )
        ]

    def stage_share(self, source: Path, destination: str) -> FileOp:
        """A collaborator's private file arriving in the user's folder."""
        dst_rel = self.clean(destination)
        dst = self.resolve(dst_rel)
        if dst.exists():
            stem, suffix = PurePosixPath(dst_rel).stem, PurePosixPath(dst_rel).suffix
            parent = PurePosixPath(dst_rel).parent
            n = 2
            while dst.exists():
                dst_rel = str(parent / f"{stem} ({n}){suffix}")
                dst = self.resolve(dst_rel)
                n += 1
        data = Path(source).read_bytes()
        return FileOp(
            op="share",
            path=dst_rel,
            kind=kind_of(dst_rel),
            after_sha256=self.store_blob(data),
            size=len(data),
        )

    # -- applying committed changes ----------------------------------------------------------

    def apply(
        self,
        ops: Iterable[FileOp],
        *,
        mtime: float | None = None,
        still_ours: Callable[[], bool] = lambda: True,
    ) -> bool:
        """Make home/ reflect committed ops, if ``still_ours()`` says (under the lock) that the
        caller still holds the run; False if it does not. Idempotent: running it twice changes
        nothing."""
        with self.lock():
            if not still_ours():
                return False
            for op in ops:
                self._apply_one(op, mtime)
        return True

    def _apply_one(self, op: FileOp, mtime: float | None) -> None:
        path = self.resolve(op.path)
        if op.op == "delete":
            path.unlink(missing_ok=True)
            return
        if not (path.is_file() and sha256_bytes(path.read_bytes()) == op.after_sha256):
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write_bytes(path, self.read_blob(op.after_sha256), mtime=mtime)
        if op.op == "move" and op.source_path:
            self.resolve(op.source_path).unlink(missing_ok=True)

    @contextmanager
    def lock(self):
        """The workspace's writer lock, across processes (flock). Polled rather than blocking,
        so that a gevent worker's other greenlets run while one waits."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".apply.lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise SandboxError(
                            "the workspace stayed locked by another worker"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _diff(self, rel: str, kind: str, before_sha: str, after_sha: str, text_of) -> str:
        """A text diff of the change; Office files are compared by their extracted text."""
        if kind in TEXT_KINDS:

            def text_of(path: Path, _kind: str) -> str:
                return path.read_bytes().decode("utf-8", "replace")
        elif text_of is None:
            return ""
        old = text_of(self.blob_path(before_sha), kind) if before_sha else ""
        new = text_of(self.blob_path(after_sha), kind)
        return unified_diff(old, new, rel)


def unified_diff(old: str, new: str, name: str, limit: int = DIFF_LIMIT) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"a/{name}", f"b/{name}", lineterm="", n=2
    )
    text = "\n".join(lines)
    return text if len(text) <= limit else text[:limit] + "\n… (diff truncated)"


def _atomic_write_bytes(path: Path, data: bytes, *, mtime: float | None = None) -> None:
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        if mtime is not None:
            os.utime(temp, (mtime, mtime))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
