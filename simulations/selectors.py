"""Reads for the simulations pages: the list, its state counts, launchable computers and a
page of turns. Who may see what is ``simulations.access``."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from simulations import access
from simulations.models import Simulation, Turn
from studio import access as studio_access
from studio.models import Computer

LIST_STATES = tuple(Simulation.State.values)


def simulation_list(
    *, user, state: str = "", computer_id: int | None = None
) -> QuerySet[Simulation]:
    qs = access.visible_simulations(user).select_related(
        "computer", "created_by", "skill_version", "experiment_run"
    )
    if state in LIST_STATES:
        qs = qs.filter(state=state)
    if computer_id:
        qs = qs.filter(computer_id=computer_id)
    return qs.order_by("-id")


def simulation_state_counts(*, user) -> dict[str, int]:
    rows = dict(
        access.visible_simulations(user).values_list("state").annotate(n=Count("id")).order_by()
    )
    return {state: rows.get(state, 0) for state in LIST_STATES}


def launchable_computers(*, user) -> QuerySet[Computer]:
    return (
        studio_access.visible_computers(user)
        .select_related("pool", "persona")
        .filter(state=Computer.State.READY)
        .order_by("-id")
    )


def turn_page(*, simulation: Simulation, before: int | None = None, size: int = 50) -> list[Turn]:
    """The newest ``size`` turns before seq ``before`` (newest first)."""
    qs = simulation.turns.all()
    if before:
        qs = qs.filter(seq__lt=before)
    return list(qs.order_by("-seq")[:size])
