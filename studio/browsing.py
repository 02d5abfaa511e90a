"""Reads for browsing one computer: its profile and figures, the folder tree, collaborators'
and other volumes' files, one file's links and mail thread, and search inside it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.db.models import Q
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.generation.schemas import Profile
from studio.models import (
    Computer,
    ComputerFile,
    FileEdge,
    Folder,
)
from studio.paths import slugify_name
from studio.volumes import Volume, volumes_of


class ComputerStats(BaseModel):
    model_config = ConfigDict(extra="ignore")

    files: int = 0
    private_files: int = 0
    bytes: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)
    mean_depth: float = 0
    max_depth: int = 0
    folders: int = 0
    edges: int = 0


def computer_profile(*, computer: Computer) -> Profile | None:
    """The profile as a typed object, or None while it does not exist (or is unreadable)."""
    if not computer.profile:
        return None
    try:
        return Profile.model_validate(computer.profile)
    except ValidationError:
        return None


def computer_stats(*, computer: Computer) -> ComputerStats:
    return ComputerStats.model_validate(computer.stats or {})


@dataclass
class TreeNode:
    """One row of the file tree: a folder (maybe already expanded) or a file."""

    folder: Folder | None = None
    file: ComputerFile | None = None
    children: list[TreeNode] | None = None  # set when the folder is shown open
    more: int = 0  # entries left out after this listing (folders only)
    next_offset: int = 0


TREE_PAGE = 300
_FILE_LIST_FIELDS = (
    "id",
    "computer_id",
    "scope",
    "owner",
    "path",
    "folder",
    "name",
    "kind",
    "title",
    "size",
    "mtime",
)


@dataclass
class TreeListing:
    folder: str
    nodes: list[TreeNode]
    total: int
    offset: int
    next_offset: int

    @property
    def more(self) -> int:
        return max(0, self.total - self.next_offset)


def folder_children(
    *, computer: Computer, folder: str, offset: int = 0, limit: int = TREE_PAGE
) -> TreeListing:
    """Subfolders then files directly inside ``folder`` ('' is the home folder), one page."""
    folders = Folder.objects.filter(computer=computer, parent=folder).order_by("name")
    files = (
        ComputerFile.objects.filter(computer=computer, scope=ComputerFile.Scope.HOME, folder=folder)
        .order_by("name")
        .only(*_FILE_LIST_FIELDS)
    )
    folder_total = folders.count()
    file_total = files.count()
    nodes: list[TreeNode] = []
    if offset < folder_total:
        nodes += [TreeNode(folder=f) for f in folders[offset : offset + limit]]
    room = limit - len(nodes)
    if room > 0:
        file_offset = max(0, offset - folder_total)
        nodes += [TreeNode(file=f) for f in files[file_offset : file_offset + room]]
    return TreeListing(
        folder=folder,
        nodes=nodes,
        total=folder_total + file_total,
        offset=offset,
        next_offset=offset + len(nodes),
    )


def folder_get(*, computer: Computer, path: str) -> Folder | None:
    return Folder.objects.filter(computer=computer, path=path).first()


def folder_ancestors(path: str) -> list[tuple[str, str]]:
    """('name', 'full/path') for each folder from the top down to ``path`` itself."""
    parts = [p for p in path.split("/") if p]
    return [(part, "/".join(parts[: i + 1])) for i, part in enumerate(parts)]


def tree_open_at(*, computer: Computer, folder: str) -> TreeListing:
    """The root listing with every folder on the way to ``folder`` shown open."""
    root = folder_children(computer=computer, folder="")
    level = root
    for _name, path in folder_ancestors(folder):
        node = next((n for n in level.nodes if n.folder and n.folder.path == path), None)
        if node is None:
            break
        level = folder_children(computer=computer, folder=path)
        node.children = level.nodes
        node.more = level.more
        node.next_offset = level.next_offset
    return root


def collaborator_files(*, computer: Computer) -> dict[str, list[ComputerFile]]:
    """Collaborators' private reference files by owner: not on the user's computer."""
    grouped: dict[str, list[ComputerFile]] = {}
    rows = (
        ComputerFile.objects.filter(computer=computer, scope=ComputerFile.Scope.COLLABORATOR)
        .order_by("owner", "path")
        .only(*_FILE_LIST_FIELDS, "planted_error")
    )
    for row in rows:
        grouped.setdefault(row.owner, []).append(row)
    return grouped


@dataclass
class VolumeListing:
    volume: Volume
    files: list[ComputerFile]

    @property
    def label(self) -> str:
        """ "D:\\", "/Volumes/AxiomBackup", or "/ (Macintosh HD)" where the mount hides the name."""
        mount, name = self.volume.mount, self.volume.name
        shown = name in mount or (self.volume.windows and name.rstrip(":\\") == mount[0])
        return mount if shown else f"{mount} ({name})"


def volume_files(*, computer: Computer) -> list[VolumeListing]:
    """Each volume's files outside the home, under the volume as the user sees it (C:\\, D:\\,
    /Volumes/<name>); the home itself is the tree above."""
    grouped: dict[str, list[ComputerFile]] = {}
    rows = (
        ComputerFile.objects.filter(computer=computer, scope=ComputerFile.Scope.VOLUME)
        .order_by("owner", "path")
        .only(*_FILE_LIST_FIELDS)
    )
    for row in rows:
        grouped.setdefault(row.owner, []).append(row)
    return [
        VolumeListing(volume=v, files=grouped[v.name])
        for v in volumes_of(computer)
        if v.name in grouped
    ]


def computer_file_get(
    *, computer: Computer, path: str, owner_slug: str = "", volume_slug: str = ""
) -> ComputerFile | None:
    """The indexed file at ``path``: the user's own, a collaborator's when ``owner_slug``, or
    one on another volume (or outside the home) when ``volume_slug``."""
    if not owner_slug and not volume_slug:
        return ComputerFile.objects.filter(
            computer=computer, scope=ComputerFile.Scope.HOME, path=path
        ).first()
    scope = ComputerFile.Scope.VOLUME if volume_slug else ComputerFile.Scope.COLLABORATOR
    slug = volume_slug or owner_slug
    candidates = ComputerFile.objects.filter(computer=computer, scope=scope, path=path)
    return next((f for f in candidates if slugify_name(f.owner) == slug), None)


@dataclass
class FileLinks:
    depends_on: list[tuple[str, ComputerFile]]
    used_by: list[tuple[str, ComputerFile]]


def file_links(*, file: ComputerFile) -> FileLinks:
    edges = (
        FileEdge.objects.filter(Q(source=file) | Q(target=file))
        .select_related("source", "target")
        .order_by("relation", "id")[:200]
    )
    links = FileLinks(depends_on=[], used_by=[])
    for edge in edges:
        if edge.source_id == file.pk:
            links.depends_on.append((edge.relation, edge.target))
        else:
            links.used_by.append((edge.relation, edge.source))
    return links


def email_thread(*, file: ComputerFile) -> list[ComputerFile]:
    """Every message of ``file``'s thread (itself included), oldest first, by the
    'replies_to' edges the pipeline records."""
    edges = list(
        FileEdge.objects.filter(computer_id=file.computer_id, relation="replies_to").values_list(
            "source_id", "target_id"
        )
    )
    neighbours: dict[int, set[int]] = {}
    for source, target in edges:
        neighbours.setdefault(source, set()).add(target)
        neighbours.setdefault(target, set()).add(source)
    seen = {file.pk}
    todo = [file.pk]
    while todo:
        for other in neighbours.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return list(ComputerFile.objects.filter(pk__in=seen).order_by("mtime", "id"))


# -- search inside a computer --------------------------------------------------------------


@dataclass
class SearchHit:
    file: ComputerFile
    snippet: str  # HTML: escaped text with <mark> around the matches


SEARCH_LIMIT = 50


def _snippet(text: str, words: list[str], width: int = 90) -> str:
    lowered = text.lower()
    position = min((p for p in (lowered.find(w.lower()) for w in words) if p >= 0), default=-1)
    if position < 0:
        piece, prefix, suffix = text[: width * 2], "", "…" if len(text) > width * 2 else ""
    else:
        start = max(0, position - width)
        end = min(len(text), position + width)
        piece = text[start:end]
        prefix = "…" if start else ""
        suffix = "…" if end < len(text) else ""
    piece = " ".join(piece.split())
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    out, last = [], 0
    for match in pattern.finditer(piece):
        out.append(html.escape(piece[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(piece[last:]))
    escaped = "".join(out)
    return f"{prefix}{escaped}{suffix}"


def file_search(
    *, computer: Computer, query: str, limit: int = SEARCH_LIMIT
) -> tuple[list[SearchHit], bool]:
    """Files whose text, title or path contain every word of ``query``; (hits, more_exist)."""
    words = query.split()[:8]
    if not words:
        return [], False
    files = ComputerFile.objects.filter(computer=computer)
    for word in words:
        files = files.filter(
            Q(text__icontains=word) | Q(title__icontains=word) | Q(path__icontains=word)
        )
    rows = list(files.order_by("scope", "path").only(*_FILE_LIST_FIELDS, "text")[: limit + 1])
    hits = [SearchHit(file=f, snippet=_snippet(f.text or f.title, words)) for f in rows[:limit]]
    return hits, len(rows) > limit
