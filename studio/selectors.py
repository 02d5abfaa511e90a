"""Reads: what a user may see, and the figures pages show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from studio import access
from studio.models import (
    Computer,
    GenerationBatch,
    Persona,
    PersonaPool,
)


def matching_every_word(queryset: QuerySet, query: str, fields: Sequence[str]) -> QuerySet:
    """Rows where every word of ``query`` (the first eight) is in one of ``fields``."""
    for word in query.split()[:8]:
        queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": word}) for f in fields)))
    return queryset


def pool_list(*, user) -> QuerySet[PersonaPool]:
    """Visible pools with their persona counts (the pools page and the launch form)."""
    return access.visible_pools(user).annotate(persona_count=Count("personas", distinct=True))


def persona_search(*, pool: PersonaPool, query: str = "") -> QuerySet[Persona]:
    personas = pool.personas.all().order_by("id")
    personas = matching_every_word(personas, query, ("text", "name", "role", "org", "industry"))
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
    computers = matching_every_word(
        computers,
        filters.query,
        ("display_name", "job_title", "employer", "industry", "persona__text"),
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
