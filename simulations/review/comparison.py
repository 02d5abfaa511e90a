"""Comparing two runs of a computer: each run's summary (objectives, deliverables, actions,
signals, flags), the runs a page may pair with one, and the objectives side by side."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from simulations import access
from simulations.models import Deliverable, Objective, Signal, Simulation, Turn
from simulations.review.models import TrajectoryFlag, TurnAnnotation
from simulations.review.selectors import simulation_flags, turn_signal_q


@dataclass
class RunSummary:
    simulation: Simulation
    objectives: list[Objective]
    deliverables: dict[int, list[Deliverable]]
    actions: list[tuple[str, int]]
    signal_counts: dict[str, int]
    failure_modes: dict[str, int]
    flags: list[TrajectoryFlag]
    bad_turns: int

    @property
    def score(self) -> tuple[float, float]:
        return (
            sum(o.score or 0 for o in self.objectives),
            sum(o.max_score or 0 for o in self.objectives),
        )

    @property
    def score_pct(self) -> float | None:
        got, maximum = self.score
        return round(100 * got / maximum, 1) if maximum else None

    @property
    def submitted(self) -> int:
        return sum(
            1
            for ds in self.deliverables.values()
            for d in ds
            if d.status == Deliverable.Status.SUBMITTED
        )

    @property
    def deliverable_total(self) -> int:
        return sum(len(ds) for ds in self.deliverables.values())


def run_summary(*, simulation: Simulation) -> RunSummary:
    objectives = list(simulation.objectives.order_by("order"))
    deliverables: dict[int, list[Deliverable]] = defaultdict(list)
    for d in simulation.deliverables.order_by("key"):
        deliverables[d.objective_id].append(d)
    for objective in objectives:
        objective.deliverable_list = deliverables.get(objective.pk, [])
    actions = list(
        Turn.objects.filter(simulation=simulation)
        .values_list("action")
        .annotate(n=Count("id"))
        .order_by("-n")[:12]
    )
    turns = Turn.objects.filter(simulation=simulation)
    signal_counts = turns.aggregate(
        **{
            name: Count("id", filter=turn_signal_q(name))
            for name in ("error", "loop", "retry", "invalid_output")
        }
    )
    failure_modes = dict(
        Signal.objects.filter(simulation=simulation)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    bad_turns = (
        TurnAnnotation.objects.filter(simulation=simulation, labels__is_bad=True)
        .values("turn_id")
        .distinct()
        .count()
    )
    return RunSummary(
        simulation=simulation,
        objectives=objectives,
        deliverables=deliverables,
        actions=[(a or "(none)", n) for a, n in actions],
        signal_counts=signal_counts,
        failure_modes=failure_modes,
        flags=simulation_flags(simulation=simulation),
        bad_turns=bad_turns,
    )


def compare_candidates(*, user, simulation: Simulation | None = None, limit: int = 200):
    """Runs the user can see, to compare with ``simulation``: runs of its computer first,
    then the others, newest first."""
    runs = (
        access.visible_simulations(user)
        .select_related("computer")
        .only("id", "state", "turn_count", "created_at", "computer__id", "computer__display_name")
    )
    if simulation is None:
        return list(runs.order_by("-id")[:limit])
    runs = runs.exclude(pk=simulation.pk)
    same = list(runs.filter(computer_id=simulation.computer_id).order_by("-id")[:limit])
    others = list(runs.exclude(computer_id=simulation.computer_id).order_by("-id")[:limit])
    return (same + others)[:limit]


@dataclass
class ObjectiveRow:
    """One line of the objectives table: the same objective key in both runs when they ran on
    one computer; the n-th objective of each otherwise (different computers, different work)."""

    key: str
    a: Any
    b: Any


def compare_objectives(*, left: RunSummary, right: RunSummary, paired: bool) -> list[ObjectiveRow]:
    if paired:
        keys = sorted({o.key for o in left.objectives} | {o.key for o in right.objectives})
        by_a = {o.key: o for o in left.objectives}
        by_b = {o.key: o for o in right.objectives}
        return [ObjectiveRow(key=k, a=by_a.get(k), b=by_b.get(k)) for k in keys]
    count = max(len(left.objectives), len(right.objectives))
    return [
        ObjectiveRow(
            key=str(n + 1),
            a=left.objectives[n] if n < len(left.objectives) else None,
            b=right.objectives[n] if n < len(right.objectives) else None,
        )
        for n in range(count)
    ]
