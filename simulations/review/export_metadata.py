"""What a line of the trajectory export (simulations/review/export.py) says about its run
besides the turns: the worker's first context as the gateway logged it (or rebuilt), the
persona and computer, objectives with their rubric and deliverables, and which skills,
experiment arm and prompt variant produced it."""

from __future__ import annotations

from typing import Any

from simulations.engine import worker_prompt
from simulations.models import Objective, Simulation
from studio.llm import gateway


def _deliverable_brief(d) -> dict[str, Any]:
    return {"key": d.key, "title": d.title, "kind": d.kind, "path": d.path,
            "due": d.due_date.isoformat()}  # fmt: skip


def first_context(
    sim: Simulation, request: Any, objectives: list[Objective]
) -> tuple[list[dict[str, Any]], str]:
    """The system and situation messages of the worker's first call (``request``, as logged);
    else rebuilt from the prompt file and the objectives (when request bodies were not logged)."""
    if isinstance(request, dict):  # the whole body (older records kept only the messages)
        request = request.get("messages")
    if (
        isinstance(request, list)
        and len(request) >= 2
        and request[0].get("role") == "system"
        and request[1].get("role") == "user"
    ):
        return [
            {"role": "system", "content": request[0]["content"]},
            {"role": "user", "content": request[1]["content"]},
        ], "llm_call_log"
    variant = sim.options.worker_prompt_variant
    prompt = worker_prompt.worker_prompt(variant)
    profile = sim.computer.profile or {}
    context = {
        "you": {
            k: profile.get(k)
            for k in (
                "full_name",
                "email",
                "job_title",
                "department",
                "employer",
                "industry",
                "location",
                "writing_style",
            )
        },
        "objectives": [
            {
                "key": o.key,
                "title": o.title,
                "description": o.description,
                "target_date": o.target_date.isoformat(),
                "reviewer": o.reviewer,
                "deliverables": [
                    _deliverable_brief(d) for d in sorted(o.deliverables.all(), key=lambda d: d.key)
                ],
            }
            for o in objectives
        ],
    }
    return [
        {"role": "system", "content": prompt.system},
        {
            "role": "user",
            "content": gateway.context_message(worker_prompt.intros(variant).who, context),
        },
    ], "reconstructed"


def learning(sim: Simulation) -> dict[str, Any]:
    """Which skills, experiment arm and worker prompt produced this trajectory."""
    version, run = sim.skill_version, getattr(sim, "experiment_run", None)
    return {
        "skill_version": version
        and {"id": version.pk, "occupation": version.occupation, "version": version.version},
        "experiment": run and {"id": run.experiment_id, "arm": run.arm, "phase": run.phase},
        "worker_prompt_variant": sim.options.worker_prompt_variant,
    }


def persona(sim: Simulation) -> dict[str, Any]:
    persona = sim.computer.persona
    return {
        "id": persona.pk,
        "text": persona.text,
        "name": persona.name,
        "role": persona.role,
        "org": persona.org,
        "industry": persona.industry,
    }


def computer(sim: Simulation) -> dict[str, Any]:
    c = sim.computer
    profile = c.profile or {}
    return {
        "id": c.pk,
        "name": c.display_name,
        "job_title": c.job_title,
        "employer": c.employer,
        "industry": c.industry,
        "occupation_family": profile.get("occupation_family", ""),
        "department": profile.get("department", ""),
        "collaborators": [
            {k: p.get(k, "") for k in ("name", "role", "email")}
            for p in profile.get("collaborators") or []
        ],
        "files": (c.stats or {}).get("files"),
        "file_kinds": (c.stats or {}).get("by_kind", {}),
    }


def objectives(rows: list[Objective]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    objectives, deliverables = [], []
    for o in rows:
        rubric = sorted(o.rubric.all(), key=lambda r: r.order)
        ds = sorted(o.deliverables.all(), key=lambda d: d.key)
        by_id = {d.pk: d.key for d in ds}
        objectives.append(
            {
                "key": o.key,
                "title": o.title,
                "description": o.description,
                "reviewer": o.reviewer,
                "target_date": o.target_date.isoformat(),
                "milestones": o.milestones,
                "inputs": o.inputs,
                "status": o.status,
                "score": o.score,
                "max_score": o.max_score,
                "rubric": [
                    {
                        "item": n,
                        "tag": r.tag,
                        "points": r.points,
                        "text": r.text,
                        "deliverable": by_id.get(r.deliverable_id),
                        "awarded": r.awarded,
                        "reason": r.reason,
                    }
                    for n, r in enumerate(rubric, start=1)
                ],
                "deliverables": [_deliverable_brief(d) for d in ds],
            }
        )
        for d in ds:
            late = bool(d.submitted_at and d.submitted_at.date() > d.due_date)
            deliverables.append(
                {
                    "key": d.key,
                    "objective": o.key,
                    "title": d.title,
                    "kind": d.kind,
                    "path": d.path,
                    "status": d.status,
                    "submitted_path": d.submitted_path,
                    "submitted_seq": d.submitted_seq,
                    "submissions": d.submissions,
                    "late": late,
                    "score": d.score,
                    "max_score": d.max_score,
                    "judge": d.judge_reasons,
                }
            )
    return objectives, deliverables
