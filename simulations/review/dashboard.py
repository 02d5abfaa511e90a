"""The dataset dashboard: what the visible computers and simulations hold, as bars."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, FloatField, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from simulations import access
from simulations.models import Deliverable, Objective, Signal, Simulation, Turn
from simulations.review.models import Label, TrajectoryFlag, TurnAnnotation
from simulations.review.selectors import (
    TURN_SIGNALS,
    turn_signal_q,
)
from studio import access as studio_access
from studio.models import ComputerFile


@dataclass
class Bar:
    label: str
    value: float
    colour: str = ""
    link: str = ""


@dataclass
class Dashboard:
    totals: dict[str, int]
    industries: list[Bar]
    roles: list[Bar]
    file_kinds: list[Bar]
    turns_histogram: list[Bar]
    flags: list[Bar]
    labels: list[Bar]
    process: list[Bar]
    outcome: list[Bar]
    scores_histogram: list[Bar]
    failure_modes: list[Bar]


TURN_BUCKETS = (0, 50, 100, 250, 500, 1000, 2000, 5000)
SCORE_BUCKETS = (0, 20, 40, 60, 80)


def _top(counter: Counter, limit: int = 10) -> list[Bar]:
    bars = [Bar(label=label or "(unknown)", value=n) for label, n in counter.most_common(limit)]
    rest = sum(counter.values()) - sum(b.value for b in bars)
    if rest > 0:
        bars.append(Bar(label="others", value=rest))
    return bars


def _bucket_label(edges: tuple[int, ...], index: int, unit: str = "") -> str:
    low = edges[index]
    if index + 1 < len(edges):
        return f"{low}–{edges[index + 1] - 1}{unit}"
    return f"{low}+{unit}"


def _count_by(rows: QuerySet, field: str) -> Counter:
    """Rows per value of ``field``, counted by the database; COUNT(*) so that an index holding
    ``field`` answers alone."""
    return Counter(dict(rows.values_list(field).annotate(n=Count("*")).order_by()))


def dashboard(*, user) -> Dashboard:
    computers = studio_access.visible_computers(user)
    sims = access.visible_simulations(user)
    # Personas, counted once each, by the industry and role their computers' profiles give them.
    industries = Counter(
        dict(
            computers.values_list("industry")
            .annotate(n=Count("persona_id", distinct=True))
            .order_by()
        )
    )
    roles = Counter(
        dict(
            computers.values_list("job_title")
            .annotate(n=Count("persona_id", distinct=True))
            .order_by()
        )
    )
    kinds = _count_by(
        ComputerFile.objects.filter(
            computer__in=computers.values("pk"), scope=ComputerFile.Scope.HOME
        ),
        "kind",
    )
    turn_counts = [0] * len(TURN_BUCKETS)
    score_counts = [0] * len(SCORE_BUCKETS)
    scored = 0
    score_pct = Cast(KeyTextTransform("score_pct", "outcome"), FloatField())
    for turns, pct in (
        sims.annotate(pct=score_pct).values_list("turn_count", "pct").iterator(chunk_size=2_000)
    ):
        turn_counts[max(i for i, edge in enumerate(TURN_BUCKETS) if turns >= edge)] += 1
        if pct is not None:
            scored += 1
            score_counts[max(i for i, edge in enumerate(SCORE_BUCKETS) if pct >= edge)] += 1
    flag_counts = _count_by(TrajectoryFlag.objects.filter(simulation__in=sims.values("pk")), "flag")
    label_counts = _count_by(
        TurnAnnotation.labels.through.objects.filter(
            turnannotation__simulation__in=sims.values("pk")
        ),
        "label_id",
    )
    # Errors and signals are counted apart, each from its partial index (the signalled one
    # carries the signals; COUNT(*), as the index holds no id); signals per distinct set, a
    # handful of rows, then per name here.
    turns = Turn.objects.filter(simulation__in=sims.values("pk"))
    signalled = Counter()
    for signals, n in (
        turns.filter(~Q(signals=[])).values_list("signals").annotate(n=Count("*")).order_by()
    ):
        signalled.update({name: n for name in set(signals)})
    process = {name: signalled[name] for name in TURN_SIGNALS}
    process["error"] = turns.filter(turn_signal_q("error")).count()
    deliverables = Deliverable.objects.filter(simulation__in=sims.values("pk"))
    outcome = deliverables.aggregate(
        total=Count("id"),
        submitted=Count("id", filter=Q(status=Deliverable.Status.SUBMITTED)),
        judged=Count("id", filter=Q(score__isnull=False)),
    )
    objectives = Objective.objects.filter(simulation__in=sims.values("pk")).aggregate(
        total=Count("id"),
        judged=Count("id", filter=Q(status=Objective.Status.JUDGED)),
        points=Sum("score"),
        max_points=Sum("max_score", filter=Q(status=Objective.Status.JUDGED)),
    )
    modes = _count_by(Signal.objects.filter(simulation__in=sims.values("pk")), "kind")
    flag_colours = {"bad": "#e03131", "needs_review": "#f59f00", "good": "#2f9e44"}
    by_state = _count_by(sims, "state")
    return Dashboard(
        totals={
            "computers": computers.count(),
            "personas": studio_access.visible_personas(user).count(),
            "personas_with_computer": computers.values("persona_id").distinct().count(),
            "simulations": sum(by_state.values()),
            "completed": by_state.get(Simulation.State.COMPLETED, 0),
            "running": by_state.get(Simulation.State.RUNNING, 0)
            + by_state.get(Simulation.State.QUEUED, 0),
            "turns": sims.aggregate(n=Sum("turn_count"))["n"] or 0,
            "annotations": TurnAnnotation.objects.filter(simulation__in=sims.values("pk")).count(),
            "scored": scored,
        },
        industries=_top(industries),
        roles=_top(roles),
        file_kinds=_top(kinds, 12),
        turns_histogram=[
            Bar(label=_bucket_label(TURN_BUCKETS, i), value=n) for i, n in enumerate(turn_counts)
        ],
        flags=[
            Bar(
                label=TrajectoryFlag.Flag(flag).label,
                value=flag_counts.get(flag, 0),
                colour=flag_colours[flag],
            )
            for flag in TrajectoryFlag.Flag.values
        ],
        labels=[
            Bar(label=label.name, value=label_counts.get(label.pk, 0), colour=label.colour)
            for label in Label.objects.filter(Q(active=True) | Q(pk__in=list(label_counts)))
        ],
        process=[Bar(label=TURN_SIGNALS[name], value=process[name]) for name in TURN_SIGNALS],
        outcome=[
            Bar(label="deliverables", value=outcome["total"]),
            Bar(label="submitted", value=outcome["submitted"], colour="#2f9e44"),
            Bar(label="judged", value=outcome["judged"]),
            Bar(label="objectives", value=objectives["total"]),
            Bar(label="objectives judged", value=objectives["judged"]),
        ],
        scores_histogram=[
            Bar(label=_bucket_label(SCORE_BUCKETS, i, "%"), value=n)
            for i, n in enumerate(score_counts)
        ],
        failure_modes=_top(modes),
    )
