"""What the end of a run found: failure modes in the files and mail, process totals, and the
outcome, gathered for the retrospective and stored on the simulation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Sum
from django.utils import timezone

from simulations.engine import detectors
from simulations.engine.draft import SignalDraft
from simulations.engine.texts import text_of
from simulations.engine.world import World
from simulations.models import FileChange, Message, RubricItem, Turn

TEXT_CHARS = 60_000


@dataclass
class RunFindings:
    signals: list[SignalDraft] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


def _deliverable_texts(world: World) -> list[detectors.DeliverableText]:
    out = []
    objectives = {o.pk: o.key for o in world.objectives}
    for d in world.deliverables:
        path = d.submitted_path or d.path
        text = ""
        try:
            if d.submitted_sha256:
                text = text_of(
                    world.workspace.blob_path(d.submitted_sha256), d.kind, max_chars=TEXT_CHARS
                )
            elif world.workspace.resolve(path).is_file():
                text = text_of(world.workspace.resolve(path), d.kind, max_chars=TEXT_CHARS)
        except Exception:  # noqa: BLE001 - an unreadable deliverable has no figures to compare
            text = ""
        last = (
            (
                FileChange.objects.filter(simulation=world.sim, path=path).aggregate(m=Max("seq"))[
                    "m"
                ]
            )
            or 0
        )
        out.append(
            detectors.DeliverableText(
                key=d.key,
                objective=objectives[d.objective_id],
                kind=d.kind,
                path=path,
                text=text,
                last_change_seq=last,
            )
        )
    return out


def _narrative_edits(
    world: World, texts: list[detectors.DeliverableText]
) -> dict[str, list[tuple[int, str]]]:
    edits: dict[str, list[tuple[int, str]]] = {}
    for d in texts:
        if d.kind in detectors.NARRATIVE_KINDS:
            edits[d.key] = list(
                FileChange.objects.filter(simulation=world.sim, path=d.path, op=FileChange.Op.EDIT)
                .order_by("seq")
                .values_list("seq", "diff")
            )
    return edits


def _feedback(world: World) -> list[detectors.Feedback]:
    rows = Message.objects.filter(
        simulation=world.sim, direction=Message.Direction.INCOMING, delivered_at__isnull=False
    ).exclude(deliverable_key="")
    return [
        detectors.Feedback(
            message_id=m.pk,
            sender=m.sender,
            deliverable_key=m.deliverable_key,
            delivered_seq=m.delivered_seq or 0,
            corrections=list(m.meta.get("corrections", [])),
        )
        for m in rows
        if m.meta.get("corrections")
    ]


def gather_findings(world: World) -> RunFindings:
    sim = world.sim
    texts = _deliverable_texts(world)
    found: list[SignalDraft] = []
    found += detectors.inconsistent_figures([t for t in texts if t.text])
    found += detectors.stale_workbooks([t for t in texts if t.text], _narrative_edits(world, texts))
    found += detectors.unapplied_feedback(
        _feedback(world), {t.key: t.text for t in texts if t.text}
    )
    outgoing = Message.objects.filter(simulation=sim, direction=Message.Direction.OUTGOING)
    found += detectors.blank_messages(
        (m.pk, m.turn.seq, m.subject, m.body) for m in outgoing.select_related("turn")
    )
    flags_by_seq = dict(Turn.objects.filter(simulation=sim).values_list("seq", "signals"))
    found += detectors.loop_signal(flags_by_seq)

    actions = Counter(
        f"{actor}:{action or '(none)'}"
        for actor, action in Turn.objects.filter(simulation=sim).values_list("actor", "action")
    )
    minutes = Turn.objects.filter(simulation=sim).aggregate(m=Sum("sim_minutes"))["m"] or 0
    started = sim.started_at or sim.created_at
    process = detectors.process_totals(
        flags_by_seq,
        actions,
        minutes=minutes,
        wall_seconds=(timezone.now() - started).total_seconds(),
    )

    per_objective = []
    total = maximum = 0.0
    for o in world.objectives:
        ds = [d for d in world.deliverables if d.objective_id == o.pk]
        total += o.score or 0.0
        maximum += o.max_score or 0.0
        weakest = list(
            RubricItem.objects.filter(objective=o, awarded__isnull=False)
            .order_by("awarded")[:3]
            .values("tag", "text", "awarded", "points", "reason")
        )
        per_objective.append(
            {
                "key": o.key,
                "title": o.title,
                "score": o.score,
                "max_score": o.max_score,
                "completed": all(d.status == "submitted" for d in ds),
                "deliverables": [
                    {
                        "key": d.key,
                        "title": d.title,
                        "status": d.status,
                        "due": d.due_date.isoformat(),
                        "submitted_at": d.submitted_at.isoformat() if d.submitted_at else None,
                        "late": bool(d.submitted_at and d.submitted_at.date() > d.due_date),
                        "score": d.score,
                        "max_score": d.max_score,
                    }
                    for d in ds
                ],
                "weakest_items": weakest,
            }
        )
    submitted = [d for d in world.deliverables if d.status == "submitted"]
    outcome = {
        "stop_reason": sim.stop_reason,
        "deliverables_total": len(world.deliverables),
        "deliverables_submitted": len(submitted),
        "deliverables_late": sum(1 for d in submitted if d.submitted_at.date() > d.due_date),
        "objectives_total": len(world.objectives),
        "objectives_completed": sum(1 for o in per_objective if o["completed"]),
        "score": round(total, 2),
        "max_score": round(maximum, 2),
        "score_pct": round(100 * total / maximum, 1) if maximum else 0.0,
        "workdays_used": sim.workday,
        "process": process,
        "failure_modes": dict(Counter(s.kind for s in found)),
    }
    context = {
        "stop_reason": sim.stop_reason,
        "workdays": sim.options.workdays,
        "workdays_used": sim.workday,
        "objectives": per_objective,
        "process": process,
        "failure_modes": [{"kind": s.kind, "message": s.message} for s in found[:25]],
        "score_pct": outcome["score_pct"],
    }
    return RunFindings(signals=found, outcome=outcome, context=context)
