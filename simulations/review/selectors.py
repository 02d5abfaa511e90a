"""Reads for review: which simulations and turns a user may see, filtered; one turn's window;
annotations; comparisons; the dataset dashboard's figures.

Who may see which simulation is ``simulations.access``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from simulations import access
from simulations.models import Signal, Simulation, Turn
from simulations.review.models import Label, LabelChange, TrajectoryFlag, TurnAnnotation
from studio.selectors import matching_every_word

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


def turn_signal_q(name: str) -> Q:
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
    sims = matching_every_word(
        sims,
        filters.q,
        (
            "computer__display_name",
            "computer__job_title",
            "computer__employer",
            "computer__industry",
        ),
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
        return sims.filter(Exists(turns.filter(turn_signal_q("error"))))
    if signal == "loops":
        return sims.filter(Exists(turns.filter(turn_signal_q("loop"))))
    if signal == "retries":
        return sims.filter(Exists(turns.filter(turn_signal_q("retry"))))
    if signal == "invalid_output":
        return sims.filter(Exists(turns.filter(turn_signal_q("invalid_output"))))
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
        turns = turns.filter(turn_signal_q(filters.signal))
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
