"""What each agent is shown: the context of the objective agent, a collaborator and the judge.

Read from the world and the database; the calls that send them, and the checks of their
answers, are in agents.py.
"""

from __future__ import annotations

from typing import Any

from simulations.engine import clock, memory
from simulations.engine.contracts import WRITABLE_KINDS
from simulations.engine.world import World
from simulations.models import FileChange, Message
from studio.models import ComputerFile

OBJECTIVE_FILES_LIMIT = 300
ATTACHMENT_CHARS = 3_000
JUDGE_TEXT_CHARS = 8_000


_CARD_FIELDS = (
    "name", "role", "email", "communication_style", "decision_authority", "relationship",
)  # fmt: skip


def _collaborator_card(person: dict[str, Any]) -> dict[str, Any]:
    """What an agent is told about a collaborator (the objective agent and the collaborator)."""
    return {k: person.get(k, "") for k in _CARD_FIELDS}


def _private_files_context(private) -> list[dict[str, Any]]:
    return [
        {
            "path": f.path,
            "kind": f.kind,
            "title": f.title,
            "summary": f.summary,
            "facts": dict(list(f.facts.items())[:6]),
        }
        for f in private
    ]


def objective_context(world: World) -> dict[str, Any]:
    computer = world.sim.computer
    files = list(
        ComputerFile.objects.filter(computer=computer, scope=ComputerFile.Scope.HOME)
        .only("path", "kind", "title", "project", "summary", "facts", "mtime")
        .order_by("-mtime")[:OBJECTIVE_FILES_LIMIT]
    )
    collaborators = []
    for person in world.collaborator_profiles:
        private = world.private_files(person["name"])
        collaborators.append(
            {**_collaborator_card(person), "private_files": _private_files_context(private)}
        )
    start = world.sim.sim_started_at
    workdays = world.sim.options.workdays
    return {
        "profile": world.profile,
        "workdays": workdays,
        "month": {
            "starts": start.date().isoformat(),
            "ends": clock.nth_workday(start, workdays).isoformat(),
        },
        "writable_kinds": list(WRITABLE_KINDS),
        "files": [
            {
                "path": f.path,
                "kind": f.kind,
                "title": f.title,
                "project": f.project,
                "summary": f.summary,
                "facts": dict(list(f.facts.items())[:6]),
                "modified": f.mtime.date().isoformat(),
            }
            for f in files
        ],
        "collaborators": collaborators,
    }


def _attachment_texts(world: World, paths: list[str]) -> list[dict[str, str]]:
    from simulations.engine.sandbox import kind_of
    from simulations.engine.texts import text_of

    out = []
    for path in paths[:3]:
        try:
            text = text_of(
                world.workspace.resolve(path, must_exist=True),
                kind_of(path),
                max_chars=ATTACHMENT_CHARS,
            )
        except Exception as exc:  # noqa: BLE001 - an unreadable attachment is described, not fatal
            text = f"(could not open: {exc})"
        out.append({"path": path, "text": text})
    return out


def collaborator_context(world: World, message: Message, person: dict) -> dict[str, Any]:
    private = world.private_files(person["name"])
    reviews = [
        {
            "key": o.key,
            "title": o.title,
            "description": memory.clip(o.description, 600),
            "deliverables": [
                {"key": d.key, "title": d.title, "path": d.path}
                for d in world.deliverables
                if d.objective_id == o.pk
            ],
        }
        for o in world.objectives
        if o.reviewer == person["name"]
    ]
    thread = [
        {
            "from": m.sender,
            "subject": m.subject,
            "body": memory.clip(m.body, 500),
            "sent": f"{m.sent_at:%Y-%m-%d %H:%M}",
        }
        for m in world.thread_with(person["name"])
        if m.pk != message.pk
    ]
    # What stays the same from one of this person's replies to the next comes first, so a
    # provider's prefix cache serves it; the message to answer and the clock come last.
    return {
        "collaborator": _collaborator_card(person),
        "user": {"name": world.user.name, "email": world.user.email, "job_title": world.user.role},
        "private_files": _private_files_context(private),
        "reviews": reviews,
        "thread": thread,
        "message": {
            "id": message.pk,
            "subject": message.subject,
            "body": message.body,
            "attachments": _attachment_texts(world, list(message.attachments)),
            "deliverable": message.deliverable_key,
        },
        "now": f"{world.now:%a %Y-%m-%d %H:%M}",
    }


def judge_context(world: World, objective) -> dict[str, Any]:
    from simulations.engine.texts import text_of

    deliverables = []
    for d in (d for d in world.deliverables if d.objective_id == objective.pk):
        text = ""
        if d.submitted_sha256:
            try:
                text = text_of(
                    world.workspace.blob_path(d.submitted_sha256),
                    d.kind,
                    max_chars=JUDGE_TEXT_CHARS,
                )
            except Exception as exc:  # noqa: BLE001 - the judge is told the file is unreadable
                text = f"(the submitted file could not be read: {exc})"
        deliverables.append(
            {
                "key": d.key,
                "title": d.title,
                "kind": d.kind,
                "expected_path": d.path,
                "due": d.due_date.isoformat(),
                "status": d.status,
                "submitted_path": d.submitted_path,
                "submitted_at": d.submitted_at.isoformat() if d.submitted_at else None,
                "late": bool(d.submitted_at and d.submitted_at.date() > d.due_date),
                "text": text,
            }
        )
    keys = {d["key"] for d in deliverables}
    messages = Message.objects.filter(simulation=world.sim).order_by("sent_at", "id")
    exchanged = [
        m
        for m in messages
        if m.deliverable_key in keys
        or m.sender == objective.reviewer
        or any(r["name"] == objective.reviewer for r in m.recipients)
    ]
    shares = list(
        FileChange.objects.filter(simulation=world.sim, op=FileChange.Op.SHARE).values_list(
            "source_path", "path"
        )
    )
    return {
        "objective": {
            "key": objective.key,
            "title": objective.title,
            "description": objective.description,
            "reviewer": objective.reviewer,
            "target_date": objective.target_date.isoformat(),
            "milestones": objective.milestones,
            "inputs": objective.inputs,
        },
        "rubric": [
            {
                "item": n,
                "tag": r.tag,
                "points": r.points,
                "text": r.text,
                "deliverable": r.deliverable.key if r.deliverable_id else None,
            }
            for n, r in enumerate(
                objective.rubric.select_related("deliverable").order_by("order"), start=1
            )
        ],
        "deliverables": deliverables,
        "messages": [
            {
                "direction": m.direction,
                "from": m.sender,
                "to": [r["name"] for r in m.recipients],
                "subject": m.subject,
                "body": memory.clip(m.body, 600),
                "attachments": m.attachments,
                "corrections": m.meta.get("corrections", []),
                "deliverable": m.deliverable_key,
            }
            for m in exchanged[-12:]
        ],
        "references": [
            {**r, "shared": any(src == f"{r['owner']}:{r['path']}" for src, _ in shares)}
            for r in objective.references
        ],
    }
