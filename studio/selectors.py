"""Reads: what a user may see, and the figures pages show."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio import access
from studio.generation.schemas import Profile
from studio.models import (
    Computer,
    ComputerFile,
    FileEdge,
    Folder,
    GenerationBatch,
    Persona,
    PersonaPool,
)
from studio.paths import slugify_name
from studio.volumes import Volume, volumes_of


def pool_list(*, user) -> QuerySet[PersonaPool]:
    """Visible pools with their persona counts (the pools page and the launch form)."""
    return access.visible_pools(user).annotate(persona_count=Count("personas", distinct=True))


def persona_search(*, pool: PersonaPool, query: str = "") -> QuerySet[Persona]:
    personas = pool.personas.all().order_by("id")
    for word in query.split()[:8]:
        personas = personas.filter(
            Q(text__icontains=word)
            | Q(name__icontains=word)
            | Q(role__icontains=word)
            | Q(org__icontains=word)
            | Q(industry__icontains=word)
        )
    return personas


# -- the computers list --------------------------------------------------------------------

COMPUTER_SORTS = {
    "newest": ("-id",),
    "oldest": ("id",),
    "name": ("display_name", "id"),
    "role": ("job_title", "id"),
    "employer": ("employer", "id"),
    "industry": ("industry", "id"),
    "state": ("state", "-id"),
}


@dataclass
class ComputerFilters:
    query: str = ""
    state: str = ""
    pool_id: int | None = None
    sort: str = "newest"


def computer_search(*, user, filters: ComputerFilters) -> QuerySet[Computer]:
    """Visible computers matching ``filters``; every word must match one of the persona text,
    the name, the role, the employer or the industry."""
    computers = access.visible_computers(user).select_related("pool", "persona")
    if filters.state:
        computers = computers.filter(state=filters.state)
    if filters.pool_id:
        computers = computers.filter(pool_id=filters.pool_id)
    for word in filters.query.split()[:8]:
        computers = computers.filter(
            Q(display_name__icontains=word)
            | Q(job_title__icontains=word)
            | Q(employer__icontains=word)
            | Q(industry__icontains=word)
            | Q(persona__text__icontains=word)
        )
    order = COMPUTER_SORTS.get(filters.sort, COMPUTER_SORTS["newest"])
    return computers.order_by(*order).defer(
        "profile", "policy", "error_detail", "persona__text", "persona__attributes"
    )


# -- counts every page shows the same way ---------------------------------------------------


@dataclass(frozen=True)
class FileCounts:
    """A computer's files: ``files`` are on the user's computer (its home folder);
    ``collaborator_files`` are the collaborators' private files, not on the computer until
    one is shared during a simulation."""

    files: int
    collaborator_files: int


def computer_file_counts(*, computer: Computer) -> FileCounts:
    stats = computer.stats or {}
    return FileCounts(
        files=int(stats.get("files") or 0), collaborator_files=int(stats.get("private_files") or 0)
    )


# -- generation jobs -----------------------------------------------------------------------

ACTIVE_STATES = (Computer.State.QUEUED, Computer.State.RUNNING)
RECENT_WINDOW = dt.timedelta(minutes=30)


@dataclass
class BatchProgress:
    batch: GenerationBatch
    by_state: dict[str, int]

    @property
    def done(self) -> int:
        return self.by_state.get(Computer.State.READY, 0)

    @property
    def failed(self) -> int:
        return self.by_state.get(Computer.State.FAILED, 0)

    @property
    def active(self) -> int:
        return sum(self.by_state.get(s, 0) for s in ACTIVE_STATES)


@dataclass
class JobBoard:
    active: list[Computer]
    active_total: int
    failed: list[Computer]
    finished: list[Computer]
    batches: list[BatchProgress] = field(default_factory=list)

    @property
    def polling(self) -> bool:
        return self.active_total > 0


def job_board(*, user, limit: int = 25) -> JobBoard:
    """Running and queued generation jobs, recent failures (retryable) and recent finishes."""
    computers = (
        access.visible_computers(user)
        .select_related("pool", "persona")
        .defer("profile", "policy", "error_detail")
    )
    active = computers.filter(state__in=ACTIVE_STATES).order_by("id")
    since = timezone.now() - RECENT_WINDOW
    recent = computers.filter(finished_at__gte=since)
    batch_ids = set(active.exclude(batch=None).values_list("batch_id", flat=True)[:200])
    batch_ids |= set(recent.exclude(batch=None).values_list("batch_id", flat=True)[:200])
    batches = []
    if batch_ids:
        counts: dict[int, dict[str, int]] = {}
        rows = (
            Computer.objects.filter(batch_id__in=batch_ids)
            .values_list("batch_id", "state")
            .annotate(n=Count("id"))
            .order_by()
        )
        for batch_id, state, n in rows:
            counts.setdefault(batch_id, {})[state] = n
        for batch in GenerationBatch.objects.filter(pk__in=batch_ids).select_related("pool"):
            batches.append(BatchProgress(batch=batch, by_state=counts.get(batch.pk, {})))
        batches.sort(key=lambda b: -b.batch.pk)
    return JobBoard(
        active=list(active[:limit]),
        active_total=active.count(),
        failed=list(
            computers.filter(state=Computer.State.FAILED).order_by("-finished_at", "-id")[:10]
        ),
        finished=list(recent.filter(state=Computer.State.READY).order_by("-finished_at")[:10]),
        batches=batches,
    )


# -- home ------------------------------------------------------------------------------------


# Counts other apps add to the home page (simulations registers its own in its AppConfig), so
# the computers domain never reaches into the apps built on it.
HOME_COUNTS: dict[str, Callable[..., int]] = {}


def home_count_register(name: str, count: Callable[..., int]) -> None:
    HOME_COUNTS[name] = count


def home_counts(*, user) -> dict:
    computers = access.visible_computers(user)
    by_state = dict(computers.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "pools": access.visible_pools(user).count(),
        "personas": access.visible_personas(user).count(),
        "computers": sum(by_state.values()),
        "computers_by_state": {s: by_state.get(s, 0) for s in Computer.State.values},
        **{name: count(user=user) for name, count in HOME_COUNTS.items()},
    }


@dataclass
class Activity:
    when: dt.datetime
    what: str
    computer: Computer | None = None
    pool: PersonaPool | None = None


def recent_activity(*, user, limit: int = 15) -> list[Activity]:
    """The latest happenings: computers finished or failed, batches requested, pools created."""
    events: list[Activity] = []
    computers = (
        access.visible_computers(user)
        .select_related("pool", "persona")
        .defer("profile", "policy", "error_detail", "stats")
    )
    for c in computers.exclude(finished_at=None).order_by("-finished_at")[:limit]:
        verb = "generated" if c.state == Computer.State.READY else f"generation {c.state}"
        events.append(Activity(when=c.finished_at, what=verb, computer=c))
    for c in computers.filter(state__in=ACTIVE_STATES).order_by("-id")[:limit]:
        events.append(Activity(when=c.created_at, what=f"generation {c.state}", computer=c))
    batches = (
        access.visible_batches(user).select_related("pool", "requested_by").order_by("-id")[:limit]
    )
    for b in batches:
        who = b.requested_by.get_username() if b.requested_by else "someone"
        events.append(
            Activity(
                when=b.created_at, pool=b.pool, what=f"{who} requested {b.count} computer(s) from"
            )
        )
    for p in pool_list(user=user).order_by("-created_at")[:limit]:
        events.append(Activity(when=p.created_at, what="pool imported:", pool=p))
    events.sort(key=lambda e: e.when, reverse=True)
    return events[:limit]


# -- one computer ---------------------------------------------------------------------------


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
