"""Persona -> profile -> filesystem policy -> file plan -> artifacts on disk -> DB index.

The stages follow the paper. Every model call goes through the gateway with a pydantic
contract; everything the model proposes (paths, keys, edges) is checked before use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.db import transaction
from django.utils import timezone

from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s
from studio.generation.text import content_text
from studio.llm import gateway
from studio.llm.prompts import load_prompt
from studio.models import Computer, ComputerFile, FileEdge, Folder
from studio.paths import PathEscapeError, resolve_inside, sanitize_relative, slugify_name
from studio.services.index import computer_stats, folder_rows

log = logging.getLogger(__name__)

_EXISTING_IN_CONTEXT = 60  # how many earlier files a folder plan may see as dependency candidates


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
class Written:
    item: PlanItem
    size: int
    sha256: str
    summary: str
    facts: dict[str, str]
    text: str


@dataclass
class Plan:
    items: list[PlanItem] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {i.key for i in self.items}


def _seed(computer: Computer, *parts: object) -> int:
    raw = ":".join(str(p) for p in (computer.seed, computer.pk, *parts))
    return int.from_bytes(hashlib.sha256(raw.encode()).digest()[:6], "big")


def _ask(computer: Computer, *, role, schema, prompt_name, context, key="", **kwargs):
    prompt = load_prompt(prompt_name)
    return gateway.structured(
        role=role,
        schema=schema,
        system=prompt.system,
        prompt=prompt.instruction,
        context={**context, "seed": _seed(computer, prompt_name, key)},
        seed=_seed(computer, prompt_name, key),
        tags=gateway.CallTags(computer_id=computer.pk),
        **kwargs,
    )


# -- stage 1 and 2 ------------------------------------------------------------------------


def _profile(computer: Computer) -> s.Profile:
    persona = computer.persona
    return _ask(
        computer,
        role="persona",
        schema=s.Profile,
        prompt_name="profile",
        context={"persona": persona.text, "attributes": persona.attributes},
    )


def _policy(computer: Computer, profile: s.Profile) -> s.FilesystemPolicy:
    return _ask(
        computer,
        role="blueprint",
        schema=s.FilesystemPolicy,
        prompt_name="policy",
        context={"profile": profile.model_dump(mode="json")},
    )


# -- stage 3: the file plan ------------------------------------------------------------------


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


def _plan(computer: Computer, profile, policy, *, report: Callable[[str], None]) -> Plan:
    context = {"profile": profile.model_dump(mode="json"), "policy": policy.model_dump(mode="json")}
    outline = _ask(
        computer,
        role="blueprint",
        schema=s.FolderOutline,
        prompt_name="outline",
        context={**context, "target_files": computer.target_files},
        check=_check_outline(computer.target_files),
    )
    plan = Plan()
    taken: set[str] = set()
    for index, folder in enumerate(outline.folders):
        report(f"planning {folder.path}")
        folder_path = sanitize_relative(folder.path)
        prefix = f"f{index:03d}_"
        result = _ask(
            computer,
            role="blueprint",
            schema=s.FilePlan,
            prompt_name="plan",
            key=prefix,
            context={
                **context,
                "folder": {**folder.model_dump(), "path": folder_path},
                "existing": _existing_for_context(plan),
                "key_prefix": prefix,
            },
            check=_check_files(prefix=prefix, count=folder.file_count, known=plan.keys),
        )
        for f in result.files:
            f.path = _unique_path(_fit_path(f.path, f.kind, folder_path), taken)
            plan.items.append(PlanItem(file=f, owner=""))
    for index, person in enumerate(profile.collaborators):
        report(f"planning {person.name}'s reference files")
        prefix = f"c{index:02d}_"
        result = _ask(
            computer,
            role="blueprint",
            schema=s.FilePlan,
            schema_name="CollaboratorFiles",
            prompt_name="collaborator_files",
            key=prefix,
            context={
                **context,
                "collaborator": person.model_dump(),
                "existing": _existing_for_context(plan),
                "key_prefix": prefix,
            },
            check=_check_files(prefix=prefix, count=None, known=plan.keys),
        )
        owner_taken: set[str] = set()
        for f in result.files[:3]:
            f.owner = person.name
            f.path = _unique_path(_fit_path(f.path, f.kind, None), owner_taken)
            plan.items.append(PlanItem(file=f, owner=person.name))
    return plan


def dependency_order(items: Iterable[PlanItem]) -> list[PlanItem]:
    """Files in an order where every file comes after the files it depends on."""
    items = list(items)
    by_key = {i.key: i for i in items}
    indegree = {i.key: 0 for i in items}
    dependents: dict[str, list[str]] = defaultdict(list)
    for item in items:
        for dep in item.file.depends_on:
            if dep.key in by_key:
                indegree[item.key] += 1
                dependents[dep.key].append(item.key)
    ready = [i.key for i in items if indegree[i.key] == 0]
    order: list[PlanItem] = []
    while ready:
        key = ready.pop(0)
        order.append(by_key[key])
        for child in dependents[key]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if len(order) != len(items):
        stuck = sorted(k for k, d in indegree.items() if d > 0)[:5]
        raise GenerationError(
            f"the file plan has a dependency cycle (involving {', '.join(stuck)})"
        )
    _date_after_dependencies(order, by_key)
    return order


def _date_after_dependencies(order: list[PlanItem], by_key: dict[str, PlanItem]) -> None:
    """A file cannot predate what it was built from: nudge it just after its latest input.
    (Cheaper and surer than re-asking a model for a calendar-consistent plan.)"""
    for item in order:
        inputs = [by_key[d.key].file.date for d in item.file.depends_on if d.key in by_key]
        if inputs:
            latest = max(_aware(d) for d in inputs)
            if _aware(item.file.date) <= latest:
                item.file.date = latest + dt.timedelta(minutes=17)


# -- stage 4 and 5: artifacts ----------------------------------------------------------------


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _thread_root(item: PlanItem, by_key: dict[str, PlanItem]) -> PlanItem:
    seen = set()
    while item.key not in seen:
        seen.add(item.key)
        parent = next((d.key for d in item.file.depends_on if d.relation == "replies_to"), None)
        if parent is None or parent not in by_key:
            return item
        item = by_key[parent]
    return item


def _envelope(item: PlanItem, profile: s.Profile, by_key, computer: Computer) -> s.EmailEnvelope:
    me = s.Person(name=profile.full_name, email=profile.email)
    root = _thread_root(item, by_key)
    other_index = int(hashlib.sha256(root.key.encode()).hexdigest(), 16) % len(
        profile.collaborators
    )
    other_c = profile.collaborators[other_index]
    other = s.Person(name=other_c.name, email=other_c.email)
    depth, node = 0, item
    chain: list[str] = []
    while node.key != root.key:
        parent = next(d.key for d in node.file.depends_on if d.relation == "replies_to")
        node = by_key[parent]
        chain.insert(0, _message_id(node, computer, profile))
        depth += 1
    sender, recipient = (other, me) if depth % 2 == 0 else (me, other)
    return s.EmailEnvelope(
        message_id=_message_id(item, computer, profile),
        sender=sender,
        to=[recipient],
        date=_aware(item.file.date),
        in_reply_to=chain[-1] if chain else "",
        references=chain,
    )


def _message_id(item: PlanItem, computer: Computer, profile: s.Profile) -> str:
    domain = profile.email.rpartition("@")[2] or "example.com"
    return f"<{item.key}.{computer.pk}@{domain}>"


def _disk_path(computer: Computer, item: PlanItem):
    base = computer.home if not item.owner else computer.private_root / slugify_name(item.owner)
    return resolve_inside(base, item.file.path)


def _write_one(computer, item: PlanItem, profile, by_key, written: dict[str, Written]) -> Written:
    f = item.file
    schema = s.CONTENT_BY_KIND[f.kind]
    deps = [
        {
            "key": d.key,
            "relation": d.relation,
            "path": by_key[d.key].file.path,
            "kind": by_key[d.key].file.kind,
            "title": by_key[d.key].file.title,
            "summary": written[d.key].summary,
            "facts": written[d.key].facts,
        }
        for d in f.depends_on
        if d.key in written
    ]
    context = {
        "profile": profile.model_dump(mode="json"),
        "file": f.model_dump(mode="json"),
        "dependencies": deps,
    }
    envelope = None
    if f.kind == "eml":
        envelope = _envelope(item, profile, by_key, computer)
        context["envelope"] = envelope.model_dump(mode="json")
        context["thread"] = [
            {"subject": written[d["key"]].facts.get("subject", d["title"]), "summary": d["summary"]}
            for d in deps
            if d["relation"] == "replies_to"
        ]
    content = _ask(
        computer, role="artifact", schema=schema, prompt_name="artifact", key=f.key, context=context
    )
    if isinstance(content, s.EmailContent):
        content.facts.setdefault("subject", content.subject)
    path = _disk_path(computer, item)
    author = item.owner or profile.full_name
    size = write_artifact(
        path, f.kind, content, envelope=envelope, author=author, mtime=_aware(f.date)
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Written(
        item=item,
        size=size,
        sha256=digest,
        summary=content.summary,
        facts=dict(content.facts),
        text=content_text(content),
    )


# -- the job ---------------------------------------------------------------------------------


def _progress(computer: Computer, **fields) -> None:
    Computer.objects.filter(pk=computer.pk).update(**fields)
    for name, value in fields.items():
        setattr(computer, name, value)


def _index(computer: Computer, profile, done: list[Written]) -> None:
    rows = []
    for w in done:
        f = w.item.file
        rows.append(
            ComputerFile(
                computer=computer,
                key=f.key,
                scope=ComputerFile.Scope.COLLABORATOR if w.item.owner else ComputerFile.Scope.HOME,
                owner=w.item.owner,
                path=f.path,
                folder=f.path.rpartition("/")[0],
                name=f.path.rpartition("/")[2],
                kind=f.kind,
                title=f.title[:500],
                project=f.project[:200],
                size=w.size,
                sha256=w.sha256,
                mtime=_aware(f.date),
                summary=w.summary,
                facts=w.facts,
                planted_error=f.planted_error,
                text=w.text,
                depth=f.path.count("/") + 1,
            )
        )
    with transaction.atomic():
        ComputerFile.objects.bulk_create(rows, batch_size=500)
        ids = dict(ComputerFile.objects.filter(computer=computer).values_list("key", "id"))
        edges = [
            FileEdge(
                computer=computer,
                source_id=ids[w.item.key],
                target_id=ids[d.key],
                relation=d.relation,
            )
            for w in done
            for d in w.item.file.depends_on
            if d.key in ids
        ]
        FileEdge.objects.bulk_create(edges, batch_size=1000, ignore_conflicts=True)
        folders = folder_rows(computer=computer, paths=(r.path for r in rows if r.scope == "home"))
        Folder.objects.bulk_create(folders, batch_size=1000)
        _progress(
            computer,
            state=Computer.State.READY,
            stage="ready",
            stats=computer_stats(rows=rows, edges=len(edges), folders=len(folders)),
            finished_at=timezone.now(),
            error="",
            error_detail="",
        )


def _reset(computer: Computer) -> None:
    """Start from nothing: a retried or redelivered job must not see a half-built computer."""
    computer.files.all().delete()
    computer.folders.all().delete()
    if computer.root.exists():
        shutil.rmtree(computer.root)


def computer_generate(
    *, computer: Computer, on_progress: Callable[[Computer], None] | None = None
) -> Computer:
    """Build ``computer`` on disk and index it. On failure the computer is marked failed with
    a readable reason, and the exception is not raised further."""

    def report(stage: str, **extra) -> None:
        _progress(computer, stage=stage[:64], **extra)
        if on_progress:
            on_progress(computer)

    try:
        _reset(computer)
        report(
            "profile",
            state=Computer.State.RUNNING,
            started_at=timezone.now(),
            files_done=0,
            files_total=0,
            attempts=computer.attempts + 1,
            llm_backend=gateway.backend_label("artifact"),
        )
        profile = _profile(computer)
        _progress(
            computer,
            profile=profile.model_dump(mode="json"),
            display_name=profile.full_name,
            job_title=profile.job_title,
            employer=profile.employer,
            industry=profile.industry,
        )
        report("filesystem policy")
        policy = _policy(computer, profile)
        _progress(computer, policy=policy.model_dump(mode="json"))
        report("file plan")
        plan = _plan(computer, profile, policy, report=report)
        order = dependency_order(plan.items)
        by_key = {i.key: i for i in plan.items}
        written: dict[str, Written] = {}
        step = max(1, len(order) // 25)  # progress every 4 %: a DB write per file costs ~5 %
        report("artifacts", files_total=len(order))
        for n, item in enumerate(order, start=1):
            written[item.key] = _write_one(computer, item, profile, by_key, written)
            if n % step == 0 or n == len(order):
                report(f"artifacts ({n}/{len(order)})", files_done=n)
        report("indexing")
        _index(computer, profile, [written[i.key] for i in order])
        if on_progress:
            on_progress(computer)
    except (gateway.LLMError, GenerationError, PathEscapeError, OSError) as exc:
        _fail(computer, str(exc))
    except Exception as exc:  # noqa: BLE001 — any bug must end as a failed job, not a stuck one
        log.exception("computer %s generation crashed", computer.pk)
        _fail(computer, f"internal error: {type(exc).__name__}: {exc}")
    return computer


def _fail(computer: Computer, reason: str) -> None:
    _progress(
        computer,
        state=Computer.State.FAILED,
        error=reason[:2000],
        error_detail=traceback.format_exc()[-8000:],
        finished_at=timezone.now(),
    )
