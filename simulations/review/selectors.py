"""Reads for review: which simulations and turns a user may see, filtered; one turn's window;
annotations; comparisons; the dataset dashboard's figures.

Who may see which simulation is ``simulations.access``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, FloatField, OuterRef, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from simulations import access
from simulations.models import Deliverable, Objective, Signal, Simulation, Turn
from simulations.review.models import Label, LabelChange, TrajectoryFlag, TurnAnnotation
from studio import access as studio_access
from studio.models import ComputerFile

LOW_SCORE_PCT = 50.0
TURN_WINDOW = 25

# Per-turn process flags the engine records in Turn.signals, and what the lists call them.
TURN_SIGNALS = {
    "error": "tool or model error",
    "loop": "loop (repeated action)",
    "retry": "retried turn",
    "invalid_output": "invalid model output",
    "reask": "re-asked for valid output",
    "model_error": "model call failed",
    "no_action": "no tool called",
    "blank_message": "blank message",
    "unknown_tool": "unknown tool",
}
SIMULATION_SIGNALS = {
    "errors": "turns with errors",
    "loops": "loops",
    "retries": "retries",
    "invalid_output": "invalid model output",
    "low_score": f"low judge score (< {LOW_SCORE_PCT:g}%)",
    "failure_modes": "failure modes found",
}
FLAG_FILTERS = {
    "bad": "flagged bad",
    "needs_review": "needs review",
    "good": "flagged good",
    "unflagged": "not flagged",
}


def turn_get(*, simulation: Simulation, seq: int) -> Turn | None:
    return Turn.objects.filter(simulation=simulation, seq=seq).first()


def _turn_signal_q(name: str) -> Q:
    if name == "error":
        return ~Q(error="")
    # The first condition lets PostgreSQL read only signalled turns (index turn_signalled).
    return ~Q(signals=[]) & Q(signals__icontains=f'"{name}"')


# -- the simulations list -----------------------------------------------------------------------


@dataclass
class SimulationFilters:
    q: str = ""
    state: str = ""
    flag: str = ""
    label: int | None = None
    annotator: int | None = None
    signal: str = ""
    computer: int | None = None

    @property
    def active(self) -> bool:
        return any(
            (self.q, self.state, self.flag, self.label, self.annotator, self.signal, self.computer)
        )


def simulations_filtered(
    *, simulations: QuerySet[Simulation], filters: SimulationFilters
) -> QuerySet[Simulation]:
    """``simulations`` narrowed by ``filters`` (the list page, the export and the CLI)."""
    sims = simulations
    if filters.state:
        sims = sims.filter(state=filters.state)
    if filters.computer:
        sims = sims.filter(computer_id=filters.computer)
    for word in filters.q.split()[:6]:
        sims = sims.filter(
            Q(computer__display_name__icontains=word)
            | Q(computer__job_title__icontains=word)
            | Q(computer__employer__icontains=word)
            | Q(computer__industry__icontains=word)
        )
    flags = TrajectoryFlag.objects.filter(simulation=OuterRef("pk"))
    if filters.flag == "unflagged":
        sims = sims.filter(~Exists(flags))
    elif filters.flag in TrajectoryFlag.Flag.values:
        sims = sims.filter(Exists(flags.filter(flag=filters.flag)))
    annotations = TurnAnnotation.objects.filter(simulation=OuterRef("pk"))
    if filters.label:
        sims = sims.filter(Exists(annotations.filter(labels=filters.label)))
    if filters.annotator:
        sims = sims.filter(Exists(annotations.filter(user_id=filters.annotator)))
    return _simulation_signal(sims, filters.signal)


def simulation_search(*, user, filters: SimulationFilters) -> QuerySet[Simulation]:
    sims = simulations_filtered(simulations=access.visible_simulations(user), filters=filters)
    return (
        sims.select_related("computer", "computer__persona")
        .annotate(annotated_turns=Count("annotations__turn", distinct=True))
        .defer(
            "memory",
            "summary",
            "briefing",
            "config",
            "error_detail",
            "computer__profile",
            "computer__policy",
            "computer__persona__text",
        )
        .order_by("-id")
    )


def _simulation_signal(sims: QuerySet[Simulation], signal: str) -> QuerySet[Simulation]:
    turns = Turn.objects.filter(simulation=OuterRef("pk"))
    if signal == "errors":
        return sims.filter(Exists(turns.filter(_turn_signal_q("error"))))
    if signal == "loops":
        return sims.filter(Exists(turns.filter(_turn_signal_q("loop"))))
    if signal == "retries":
        return sims.filter(Exists(turns.filter(_turn_signal_q("retry"))))
    if signal == "invalid_output":
        return sims.filter(Exists(turns.filter(_turn_signal_q("invalid_output"))))
    if signal == "low_score":
        return sims.filter(outcome__score_pct__lt=LOW_SCORE_PCT)
    if signal == "failure_modes":
        return sims.filter(
            Exists(
                Signal.objects.filter(simulation=OuterRef("pk"), severity=Signal.Severity.FAILURE)
            )
        )
    return sims


def flags_by_simulation(simulation_ids: list[int]) -> dict[int, list[TrajectoryFlag]]:
    out: dict[int, list[TrajectoryFlag]] = defaultdict(list)
    for flag in (
        TrajectoryFlag.objects.filter(simulation_id__in=simulation_ids)
        .select_related("user")
        .order_by("-updated_at")
    ):
        out[flag.simulation_id].append(flag)
    return out


# -- turns --------------------------------------------------------------------------------------


@dataclass
class TurnFilters:
    simulation: int | None = None
    label: int | None = None
    annotator: int | None = None
    signal: str = ""
    actor: str = ""
    action: str = ""
    annotated: str = ""  # "yes", "no" or ""

    @property
    def active(self) -> bool:
        return any(
            (
                self.simulation,
                self.label,
                self.annotator,
                self.signal,
                self.actor,
                self.action,
                self.annotated,
            )
        )


def turn_search(*, user, filters: TurnFilters) -> QuerySet[Turn]:
    sims = access.visible_simulations(user)
    if filters.simulation:
        sims = sims.filter(pk=filters.simulation)
    turns = Turn.objects.filter(simulation__in=sims.values("pk"))
    annotations = TurnAnnotation.objects.filter(turn=OuterRef("pk"))
    if filters.label:
        turns = turns.filter(Exists(annotations.filter(labels=filters.label)))
    if filters.annotator:
        turns = turns.filter(Exists(annotations.filter(user_id=filters.annotator)))
    if filters.annotated == "yes":
        turns = turns.filter(Exists(annotations))
    elif filters.annotated == "no":
        turns = turns.filter(~Exists(annotations))
    if filters.signal == "low_score":
        turns = turns.filter(simulation__outcome__score_pct__lt=LOW_SCORE_PCT)
    elif filters.signal in TURN_SIGNALS:
        turns = turns.filter(_turn_signal_q(filters.signal))
    if filters.actor:
        turns = turns.filter(actor=filters.actor)
    if filters.action:
        turns = turns.filter(action=filters.action)
    return (
        turns.select_related("simulation", "simulation__computer")
        .only(
            "id",
            "seq",
            "actor",
            "actor_name",
            "action",
            "arguments",
            "error",
            "signals",
            "sim_time",
            "observation",
            "simulation__id",
            "simulation__state",
            "simulation__computer__id",
            "simulation__computer__display_name",
        )
        .order_by("-simulation_id", "seq")
    )


@dataclass
class AnnotationView:
    annotation: TurnAnnotation
    labels: list[Label]


@dataclass
class TurnRow:
    turn: Turn
    mine: AnnotationView | None = None
    others: list[AnnotationView] = field(default_factory=list)

    @property
    def my_label_ids(self) -> set[int]:
        return {label.pk for label in self.mine.labels} if self.mine else set()

    @property
    def bad(self) -> bool:
        views = ([self.mine] if self.mine else []) + self.others
        return any(label.is_bad for v in views for label in v.labels)


def annotation_rows(*, turns: list[Turn], user) -> list[TurnRow]:
    """Each turn with the user's own annotation and everyone else's."""
    by_turn: dict[int, list[TurnAnnotation]] = defaultdict(list)
    annotations = (
        TurnAnnotation.objects.filter(turn__in=[t.pk for t in turns])
        .select_related("user")
        .prefetch_related("labels")
        .order_by("created_at")
    )
    for annotation in annotations:
        by_turn[annotation.turn_id].append(annotation)
    rows = []
    for turn in turns:
        row = TurnRow(turn=turn)
        for annotation in by_turn.get(turn.pk, []):
            view = AnnotationView(annotation=annotation, labels=list(annotation.labels.all()))
            if annotation.user_id == user.pk:
                row.mine = view
            else:
                row.others.append(view)
        rows.append(row)
    return rows


@dataclass
class TurnWindow:
    simulation: Simulation
    seq: int
    rows: list[TurnRow]
    first_seq: int
    last_seq: int
    total: int

    @property
    def previous_seq(self) -> int | None:
        return self.first_seq - 1 if self.first_seq > 1 else None

    @property
    def next_seq(self) -> int | None:
        return self.last_seq + 1 if self.last_seq < self.total else None


def turn_window(*, simulation: Simulation, seq: int, user, size: int = TURN_WINDOW) -> TurnWindow:
    """The page of turns holding ``seq`` (pages are fixed blocks, so links stay stable)."""
    total = Turn.objects.filter(simulation=simulation).count()
    first = ((max(seq, 1) - 1) // size) * size + 1
    turns = list(
        Turn.objects.filter(simulation=simulation, seq__gte=first, seq__lt=first + size).order_by(
            "seq"
        )
    )
    last = turns[-1].seq if turns else first
    return TurnWindow(
        simulation=simulation,
        seq=seq,
        rows=annotation_rows(turns=turns, user=user),
        first_seq=first,
        last_seq=last,
        total=total,
    )


def labels_active() -> list[Label]:
    return list(Label.objects.filter(active=True).order_by("order", "name"))


def label_change_list(*, limit: int) -> list[LabelChange]:
    return list(LabelChange.objects.select_related("label", "user")[:limit])


def annotators(*, user) -> list[Any]:
    """Users who annotated something the user can see."""
    ids = (
        TurnAnnotation.objects.filter(simulation__in=access.visible_simulations(user).values("pk"))
        .values("user_id")
        .distinct()
    )
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))


def flag_of(*, simulation: Simulation, user) -> TrajectoryFlag | None:
    return TrajectoryFlag.objects.filter(simulation=simulation, user=user).first()


def simulation_flags(*, simulation: Simulation) -> list[TrajectoryFlag]:
    return list(simulation.flags.select_related("user").order_by("-updated_at"))


def is_flagged_bad(*, simulation: Simulation) -> bool:
    return simulation.flags.filter(flag=TrajectoryFlag.Flag.BAD).exists()


# -- comparing two runs -------------------------------------------------------------------------


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
            name: Count("id", filter=_turn_signal_q(name))
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


# -- the dataset dashboard ----------------------------------------------------------------------


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
    kinds = Counter(
        dict(
            ComputerFile.objects.filter(
                computer__in=computers.values("pk"), scope=ComputerFile.Scope.HOME
            )
            .values_list("kind")
            .annotate(n=Count("id"))
            .order_by()
        )
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
    flag_counts = Counter(
        dict(
            TrajectoryFlag.objects.filter(simulation__in=sims.values("pk"))
            .values_list("flag")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    label_counts = dict(
        TurnAnnotation.labels.through.objects.filter(
            turnannotation__simulation__in=sims.values("pk")
        )
        .values_list("label_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    # Only turns with a signal or an error count: read just those (partial indexes).
    turns = Turn.objects.filter(simulation__in=sims.values("pk")).filter(
        ~Q(signals=[]) | ~Q(error="")
    )
    process = turns.aggregate(
        **{name: Count("id", filter=_turn_signal_q(name)) for name in TURN_SIGNALS}
    )
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
    modes = Counter(
        dict(
            Signal.objects.filter(simulation__in=sims.values("pk"))
            .values_list("kind")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    flag_colours = {"bad": "#e03131", "needs_review": "#f59f00", "good": "#2f9e44"}
    by_state = dict(sims.values_list("state").annotate(n=Count("id")).order_by())
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
