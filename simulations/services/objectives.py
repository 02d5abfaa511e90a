"""Writing the objective agent's plan and the judge's scores into rows."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from simulations.engine import clock, contracts
from simulations.learning.plans import shared_plan_record
from simulations.models import Deliverable, Objective, RubricItem, Simulation
from studio.paths import sanitize_relative


def objectives_create(
    *, simulation: Simulation, plan: contracts.ObjectivePlan, start: dt.datetime
) -> list[Objective]:
    objectives = []
    deliverable_number = 0
    for order, planned in enumerate(plan.objectives, start=1):
        target = clock.nth_workday(start, planned.target_workday)
        objective = Objective.objects.create(
            simulation=simulation,
            order=order,
            key=f"O{order}",
            title=planned.title[:300],
            description=planned.description,
            target_date=target,
            target_workday=planned.target_workday,
            milestones=[
                {
                    "title": m.title,
                    "workday": m.workday,
                    "date": clock.nth_workday(start, m.workday).isoformat(),
                }
                for m in planned.milestones
            ],
            inputs=list(planned.inputs),
            reviewer=planned.reviewer,
            references=[r.model_dump() for r in planned.references],
        )
        deliverables = []
        for item in planned.deliverables:
            deliverable_number += 1
            deliverables.append(
                Deliverable.objects.create(
                    objective=objective,
                    simulation=simulation,
                    key=f"D{deliverable_number}",
                    title=item.title[:300],
                    kind=item.kind,
                    path=sanitize_relative(item.path),
                    due_date=target,
                )
            )
        for n, rubric in enumerate(planned.rubric, start=1):
            RubricItem.objects.create(
                objective=objective,
                order=n,
                tag=rubric.tag,
                points=rubric.points,
                text=rubric.text,
                deliverable=deliverables[rubric.deliverable]
                if rubric.deliverable is not None
                else None,
            )
        objective.max_score = sum(r.points for r in planned.rubric)
        objective.save(update_fields=["max_score"])
        objectives.append(objective)
    if simulation.shared_plan_id:
        shared_plan_record(simulation=simulation, plan=plan)
    return objectives


def objective_record_scores(*, objective: Objective, scores: contracts.RubricScores) -> Objective:
    items = list(objective.rubric.order_by("order"))
    by_item = {s.item: s for s in scores.scores}
    for n, item in enumerate(items, start=1):
        score = by_item.get(n)
        item.awarded = min(item.points, score.awarded) if score else 0.0
        item.reason = score.reason if score else "not scored by the judge"
        item.save(update_fields=["awarded", "reason"])
    objective.score = sum(i.awarded for i in items)
    objective.max_score = sum(i.points for i in items)
    objective.status = Objective.Status.JUDGED
    objective.save(update_fields=["score", "max_score", "status"])
    for deliverable in objective.deliverables.all():
        own = [i for i in items if i.deliverable_id == deliverable.pk]
        deliverable.max_score = sum(i.points for i in own)
        deliverable.score = sum(i.awarded for i in own) if own else None
        deliverable.judge_reasons = [
            {
                "item": items.index(i) + 1,
                "tag": i.tag,
                "awarded": i.awarded,
                "points": i.points,
                "reason": i.reason,
            }
            for i in own
        ]
        deliverable.save(update_fields=["max_score", "score", "judge_reasons"])
    return objective


def objective_refresh_status(*, objective_id: int) -> None:
    objective = Objective.objects.get(pk=objective_id)
    if objective.status == Objective.Status.JUDGED:
        return
    pending = objective.deliverables.exclude(status=Deliverable.Status.SUBMITTED).exists()
    status = Objective.Status.OPEN if pending else Objective.Status.SUBMITTED
    if status != objective.status:
        Objective.objects.filter(pk=objective_id).update(status=status)


def rubric_total(*, objective: Objective) -> float:
    return objective.rubric.aggregate(t=Sum("points"))["t"] or 0.0
