"""Stage 3, the file plan: a folder outline, then each folder's files and each collaborator's
reference files, with the dependency edges between them.

Everything the model proposes (paths, keys, edges) is checked before use. Folder plans are
asked for in two rounds of concurrent calls: the second round sees the files of the first,
so files can build on files in other folders, at the cost of two model round trips rather
than one per folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.utils import timezone

from studio.generation import schemas as s
from studio.generation.graph_runner import GraphCycleError, run_along_graph, topological_order
from studio.generation.model_calls import CallLog, ask
from studio.models import Computer
from studio.paths import PathEscapeError, sanitize_relative

_EXISTING_IN_CONTEXT = 60  # how many earlier files a folder plan may see as dependency candidates
PLAN_ROUNDS = 2


class GenerationError(Exception):
    """Generation failed; the message is shown to the researcher."""


@dataclass
class PlanItem:
    file: s.PlannedFile
    owner: str  # "" for the user's own files, else the collaborator's name

    @property
    def key(self) -> str:
        return self.file.key


@dataclass
class Plan:
    items: list[PlanItem] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {i.key for i in self.items}


def aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _check_outline(target: int) -> Callable[[s.FolderOutline], None]:
    def check(outline: s.FolderOutline) -> None:
        total = sum(f.file_count for f in outline.folders)
        if total != target:
            raise ValueError(f"folder file_counts add up to {total}; they must add up to {target}")
        for folder in outline.folders:
            try:
                sanitize_relative(folder.path)
            except PathEscapeError as exc:
                raise ValueError(f"folder {folder.path!r}: {exc}") from None

    return check


def _check_files(
    *, prefix: str, count: int | None, known: set[str]
) -> Callable[[s.FilePlan], None]:
    def check(plan: s.FilePlan) -> None:
        if count is not None and len(plan.files) != count:
            raise ValueError(f"planned {len(plan.files)} files; exactly {count} are needed")
        seen: set[str] = set()
        for f in plan.files:
            if not f.key.startswith(prefix):
                raise ValueError(f"key {f.key!r} must start with {prefix!r}")
            if f.key in seen or f.key in known:
                raise ValueError(f"key {f.key!r} is used twice")
            for dep in f.depends_on:
                if dep.key not in known and dep.key not in seen:
                    raise ValueError(
                        f"{f.key} depends on {dep.key!r}, which is neither in `existing` "
                        "nor earlier in this plan"
                    )
            try:
                sanitize_relative(f.path)
            except PathEscapeError as exc:
                raise ValueError(f"file {f.key}: {exc}") from None
            seen.add(f.key)

    return check


def _fit_path(raw: str, kind: str, folder: str | None) -> str:
    path = sanitize_relative(raw)
    if folder and not (path + "/").startswith(folder + "/"):
        path = f"{folder}/{PurePosixPath(path).name}"
    if PurePosixPath(path).suffix.lower() != f".{kind}":
        path = f"{path}.{kind}"
    return path


def _unique_path(path: str, taken: set[str]) -> str:
    if path.lower() not in taken:
        taken.add(path.lower())
        return path
    pure = PurePosixPath(path)
    n = 2
    while True:
        candidate = str(pure.with_name(f"{pure.stem} ({n}){pure.suffix}"))
        if candidate.lower() not in taken:
            taken.add(candidate.lower())
            return candidate
        n += 1


def _existing_for_context(plan: Plan) -> list[dict]:
    recent = [i for i in plan.items if not i.owner][-_EXISTING_IN_CONTEXT:]
    return [
        {
            "key": i.key,
            "path": i.file.path,
            "kind": i.file.kind,
            "title": i.file.title,
            "project": i.file.project,
            "date": i.file.date.isoformat(),
        }
        for i in recent
    ]


def plan_files(
    computer: Computer, profile: s.Profile, policy: s.FilesystemPolicy, *, log: CallLog
) -> Plan:
    context = {"profile": profile.model_dump(mode="json"), "policy": policy.model_dump(mode="json")}
    outline = ask(
        computer,
        role="blueprint",
        schema=s.FolderOutline,
        prompt_name="outline",
        context={**context, "target_files": computer.target_files},
        check=_check_outline(computer.target_files),
        log=log,
    )
    folders = [(f"f{n:03d}_", sanitize_relative(f.path), f) for n, f in enumerate(outline.folders)]
    people = [(f"c{n:02d}_", person) for n, person in enumerate(profile.collaborators)]
    first = -(-len(folders) // PLAN_ROUNDS)
    planner = _RoundPlanner(computer=computer, context=context, log=log)
    planner.run(folders[:first], people=[])
    planner.run(folders[first:], people=people)
    return planner.plan


@dataclass
class _RoundPlanner:
    """Rounds of concurrent plan calls; each sees the files of the rounds before it, and
    their results join the plan in the outline's order, whatever order they arrive in."""

    computer: Computer
    context: dict
    log: CallLog
    plan: Plan = field(default_factory=Plan)
    taken: set[str] = field(default_factory=set)

    def run(
        self,
        folders: list[tuple[str, str, s.FolderPlan]],
        *,
        people: list[tuple[str, s.Collaborator]],
    ) -> None:
        existing, known = _existing_for_context(self.plan), self.plan.keys
        asks: dict[str, dict] = {}
        for prefix, path, folder in folders:
            asks[prefix] = {
                "prompt_name": "plan",
                "context": {"folder": {**folder.model_dump(), "path": path}},
                "check": _check_files(prefix=prefix, count=folder.file_count, known=known),
            }
        for prefix, person in people:
            asks[prefix] = {
                "prompt_name": "collaborator_files",
                "schema_name": "CollaboratorFiles",
                "context": {"collaborator": person.model_dump()},
                "check": _check_files(prefix=prefix, count=None, known=known),
            }

        def work(prefix: str) -> s.FilePlan:
            call = asks[prefix]
            return ask(
                self.computer,
                role="blueprint",
                schema=s.FilePlan,
                key=prefix,
                context={
                    **self.context,
                    **call["context"],
                    "existing": existing,
                    "key_prefix": prefix,
                },
                log=self.log,
                **{k: v for k, v in call.items() if k != "context"},
            )

        results = run_along_graph(
            depends_on=dict.fromkeys(asks, ()),
            work=work,
            limit=settings.GENERATION_CONCURRENCY,
            on_done=lambda key, result: self.log.save(),
        )
        for prefix, path, _ in folders:
            for f in results[prefix].files:
                f.path = _unique_path(_fit_path(f.path, f.kind, path), self.taken)
                self.plan.items.append(PlanItem(file=f, owner=""))
        for prefix, person in people:
            owner_taken: set[str] = set()
            for f in results[prefix].files[:3]:
                f.owner = person.name
                f.path = _unique_path(_fit_path(f.path, f.kind, None), owner_taken)
                self.plan.items.append(PlanItem(file=f, owner=person.name))


def dependency_order(items: Iterable[PlanItem]) -> list[PlanItem]:
    """Files in an order where every file comes after the files it depends on; their dates
    nudged to follow their inputs'."""
    by_key = {i.key: i for i in items}
    try:
        keys = topological_order({k: [d.key for d in i.file.depends_on] for k, i in by_key.items()})
    except GraphCycleError as exc:
        raise GenerationError(f"the file plan has a {exc}") from None
    order = [by_key[k] for k in keys]
    _date_after_dependencies(order, by_key)
    return order


def _date_after_dependencies(order: list[PlanItem], by_key: dict[str, PlanItem]) -> None:
    """A file cannot predate what it was built from: nudge it just after its latest input.
    (Cheaper and surer than re-asking a model for a calendar-consistent plan.)"""
    for item in order:
        inputs = [by_key[d.key].file.date for d in item.file.depends_on if d.key in by_key]
        if inputs:
            latest = max(aware(d) for d in inputs)
            if aware(item.file.date) <= latest:
                item.file.date = latest + dt.timedelta(minutes=17)
