"""A simulation's files as they were at any turn, and what each turn changed.

The computer's own folder is never touched by a run, and the engine keeps every version a run
wrote or replaced in the workspace's content-addressed blob store (see
simulations.engine.sandbox). So the file tree at turn N is the computer's index replayed with
the FileChange rows up to N, and the bytes of any version are either a blob (written during
the run) or the computer's original file (never touched). Nothing here writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from simulations.engine.sandbox import TEXT_KINDS, Workspace, sha256_file, unified_diff
from simulations.models import FileChange, Simulation
from studio.artifacts import readers
from studio.artifacts.safety import ArtifactReadError
from studio.models import ComputerFile
from studio.paths import PathEscapeError, clean_relative, resolve_inside
from studio.volumes import VOLUMES_DIR, is_logical, locate, volumes_of

CHUNK = 2_000
TEXT_CHARS = 200_000
MAX_CELL_CHANGES = 400
EXTRACTED_KINDS = ("docx", "pptx", "pdf", "eml", "ics")


class VersionUnavailable(Exception):
    """A version's bytes are gone (the run's workspace was removed); the message says so."""


@dataclass(frozen=True)
class FileVersion:
    path: str
    sha256: str
    kind: str
    size: int
    changed_seq: int = 0  # 0: the computer's original, untouched by the run
    op: str = ""  # the last change: create, edit, move, copy, share

    @property
    def name(self) -> str:
        return _parts(self.path)[-1]


def version_key(*, simulation: Simulation, raw: str) -> str:
    """The key of ``raw`` in ``files_at``: a home file's path relative to the home, any other
    volume's file by the full path the user sees ("D:\\Q3\\a.xlsx", as the run's changes
    record it). Raises PathEscapeError for a path on no volume or one that escapes."""
    volumes = volumes_of(simulation.computer)
    if volumes and is_logical(raw):
        volume, inner = locate(volumes, raw)
        return volume.logical(inner) if volume else inner
    return clean_relative(raw)


def files_at(*, simulation: Simulation, seq: int) -> dict[str, FileVersion]:
    """Every file of the user's computer after turn ``seq`` (0 = before the run), by its key
    (``version_key``): the home and the other volumes."""
    state: dict[str, FileVersion] = {}
    volumes = {v.name: v for v in volumes_of(simulation.computer)}
    originals = (
        ComputerFile.objects.filter(
            computer_id=simulation.computer_id,
            scope__in=(ComputerFile.Scope.HOME, ComputerFile.Scope.VOLUME),
        )
        .values_list("scope", "owner", "path", "sha256", "kind", "size")
        .order_by()
    )
    for scope, owner, path, sha, kind, size in originals.iterator(chunk_size=CHUNK):
        if scope == ComputerFile.Scope.VOLUME:
            if owner not in volumes:
                continue
            path = volumes[owner].logical(path)
        state[path] = FileVersion(path=path, sha256=sha, kind=kind, size=size)
    changes = (
        FileChange.objects.filter(simulation=simulation, seq__lte=seq)
        .order_by("seq", "index")
        .values_list("seq", "op", "path", "source_path", "kind", "after_sha256", "size")
    )
    for change_seq, op, path, source, kind, after, size in changes.iterator(chunk_size=CHUNK):
        if op == FileChange.Op.DELETE:
            state.pop(path, None)
            continue
        if op == FileChange.Op.MOVE:
            state.pop(source, None)
        state[path] = FileVersion(
            path=path,
            sha256=after,
            kind=kind or _kind(path),
            size=size,
            changed_seq=change_seq,
            op=op,
        )
    return state


def _kind(path: str) -> str:
    return PurePosixPath(_parts(path)[-1]).suffix.lower().lstrip(".")


def _parts(path: str) -> list[str]:
    """A key's folders and name; a file on another volume starts with the volume as the user
    sees it ("D:\\", "/Volumes/Backup", "/")."""
    if not is_logical(path):
        return path.split("/")
    drive = re.match(r"^([A-Za-z]:)[\\/]?", path)
    if drive:
        head, rest = drive.group(1) + "\\", path[drive.end() :]
    elif path.startswith("/Volumes/"):
        name, _, rest = path[len("/Volumes/") :].partition("/")
        head = f"/Volumes/{name}"
    else:
        head, rest = "/", path[1:]
    return [head, *(p for p in re.split(r"[\\/]", rest) if p)]


# -- the tree -------------------------------------------------------------------------------------


@dataclass
class FolderNode:
    name: str
    path: str
    folders: list[FolderNode] = field(default_factory=list)
    files: list[FileVersion] = field(default_factory=list)
    changed: int = 0  # files inside (at any depth) the run had changed by then

    @property
    def count(self) -> int:
        return len(self.files) + sum(f.count for f in self.folders)


def tree_of(files: dict[str, FileVersion]) -> FolderNode:
    root = FolderNode(name="", path="")
    index = {"": root}
    for path in sorted(files, key=str.lower):
        parts = _parts(path)
        node = root
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            child = index.get(folder)
            if child is None:
                child = FolderNode(name=parts[depth - 1], path=folder)
                index[folder] = child
                node.folders.append(child)
            node = child
        version = files[path]
        node.files.append(version)
        if version.changed_seq:
            for depth in range(0, len(parts)):
                index["/".join(parts[:depth])].changed += 1
    return root


# -- bytes of a version ---------------------------------------------------------------------------


def version_path(*, simulation: Simulation, version: FileVersion) -> Path:
    """Where the bytes of ``version`` are on disk: a blob of the run, or the computer's file."""
    workspace = Workspace(simulation.workspace_root)
    if version.sha256:
        blob = workspace.blob_path(version.sha256)
        if blob.is_file():
            return blob
    if not version.changed_seq:
        original = _original(simulation, version.path)
        if original is not None:
            return original
        raise VersionUnavailable(f"{version.path} is missing from the computer's folder")
    raise VersionUnavailable(
        f"version {version.sha256[:12]} of {version.path} is no longer on disk "
        "(the simulation's workspace was removed)"
    )


def sha_path(*, simulation: Simulation, sha256: str, path: str = "") -> Path:
    """The bytes with hash ``sha256``: a blob, or the computer's original file at ``path``."""
    blob = Workspace(simulation.workspace_root).blob_path(sha256)
    if blob.is_file():
        return blob
    if path:
        original = _original(simulation, path)
        if original is not None and sha256_file(original) == sha256:
            return original
    raise VersionUnavailable(f"version {sha256[:12]} is no longer on disk")


def _original(simulation: Simulation, path: str) -> Path | None:
    """The computer's own file at ``path`` (a key of ``files_at``), if it is a regular file
    inside its home folder or one of its volumes."""
    computer = simulation.computer
    try:
        volumes = volumes_of(computer)
        volume, inner = locate(volumes, path) if volumes and is_logical(path) else (None, path)
        base = computer.root / VOLUMES_DIR / volume.slug if volume else computer.home
        original = resolve_inside(base, inner)
    except PathEscapeError:
        return None
    return original if original.is_file() else None


def text_of_version(path: Path, kind: str) -> str:
    if kind in TEXT_KINDS:
        return path.read_bytes()[: TEXT_CHARS * 4].decode("utf-8", "replace")[:TEXT_CHARS]
    return readers.extract_text(path, kind, max_chars=TEXT_CHARS)


# -- what a turn changed --------------------------------------------------------------------------


@dataclass
class CellChange:
    sheet: str
    cell: str
    before: str
    after: str


@dataclass
class ChangeView:
    change: FileChange
    diff: str = ""  # unified text diff (text files, extracted text of Office files)
    cells: list[CellChange] = field(default_factory=list)  # xlsx
    cells_more: int = 0
    note: str = ""  # why there is no diff


def _xlsx_cells(path: Path | None) -> dict[tuple[str, str], str]:
    if path is None:
        return {}
    preview = readers.preview(path, "xlsx")
    cells: dict[tuple[str, str], str] = {}
    for sheet in preview.sheets:
        for row_number, row in enumerate(sheet.rows, start=1):
            for column, cell in enumerate(row):
                if not (cell.value or cell.formula):
                    continue
                letter = sheet.column_letters[column] if column < len(sheet.column_letters) else "?"
                shown = f"{cell.formula} → {cell.value}" if cell.formula else cell.value
                cells[(sheet.name, f"{letter}{row_number}")] = shown
    return cells


def xlsx_cell_changes(before: Path | None, after: Path | None) -> list[CellChange]:
    old, new = _xlsx_cells(before), _xlsx_cells(after)
    out = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[0], _cell_order(k[1]))):
        if old.get(key, "") != new.get(key, ""):
            out.append(
                CellChange(
                    sheet=key[0], cell=key[1], before=old.get(key, ""), after=new.get(key, "")
                )
            )
    return out


def _cell_order(ref: str) -> tuple[int, str]:
    letters = "".join(c for c in ref if c.isalpha())
    digits = "".join(c for c in ref if c.isdigit())
    return (int(digits or 0), letters.rjust(3))


def change_view(*, simulation: Simulation, change: FileChange) -> ChangeView:
    view = ChangeView(change=change)
    kind = change.kind or _kind(change.path)
    if change.op in (FileChange.Op.DELETE, FileChange.Op.MOVE, FileChange.Op.COPY):
        view.note = {
            "delete": "deleted",
            "move": f"moved from {change.source_path}",
            "copy": f"copied from {change.source_path}",
        }[change.op]
        return view
    if kind in TEXT_KINDS and change.diff:
        view.diff = change.diff
        return view
    try:
        before = (
            sha_path(simulation=simulation, sha256=change.before_sha256, path=change.path)
            if change.before_sha256
            else None
        )
        after = sha_path(simulation=simulation, sha256=change.after_sha256)
        if kind == "xlsx":
            cells = xlsx_cell_changes(before, after)
            view.cells, view.cells_more = (
                cells[:MAX_CELL_CHANGES],
                max(0, len(cells) - MAX_CELL_CHANGES),
            )
            if not cells:
                view.note = "no cell changed value or formula"
        elif kind in TEXT_KINDS or kind in EXTRACTED_KINDS:
            old = text_of_version(before, kind) if before else ""
            view.diff = change.diff or unified_diff(old, text_of_version(after, kind), change.path)
            if not view.diff:
                view.note = "the text did not change"
        else:
            view.note = f"no text diff for .{kind} files"
    except VersionUnavailable as exc:
        view.diff, view.note = change.diff, str(exc)
    except ArtifactReadError as exc:
        view.diff, view.note = change.diff, f"could not be read: {exc}"
    return view


def turn_changes(*, simulation: Simulation, seq: int) -> list[ChangeView]:
    changes = FileChange.objects.filter(simulation=simulation, seq=seq).order_by("index")
    return [change_view(simulation=simulation, change=c) for c in changes]


def file_history(*, simulation: Simulation, path: str, limit: int = 200) -> list[FileChange]:
    """The changes that touched ``path`` (as target or as a move's source), oldest first."""
    from django.db.models import Q

    return list(
        FileChange.objects.filter(
            Q(path=path) | Q(source_path=path, op=FileChange.Op.MOVE), simulation=simulation
        )
        .order_by("seq", "index")
        .only("seq", "index", "op", "path", "source_path", "size", "after_sha256")[:limit]
    )
