"""Reads: which simulations a user may see and control, and what the pages show.

A simulation is visible exactly when its computer is (the studio's pool rule); it may be
controlled (pause, resume, cancel) by the researcher who launched it, the owner of the
computer's pool and superusers.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from simulations.models import Simulation, Turn
from studio import selectors as studio_selectors
from studio.models import Computer

LIST_STATES = tuple(Simulation.State.values)


def simulation_list(
    *, user, state: str = "", computer_id: int | None = None
) -> QuerySet[Simulation]:
    if not getattr(user, "is_authenticated", False):
        return Simulation.objects.none()
    visible = studio_selectors.computer_list(user=user).values("pk")
    qs = Simulation.objects.filter(computer__in=visible).select_related(
        "computer", "created_by", "skill_version", "experiment_run"
    )
    if state in LIST_STATES:
        qs = qs.filter(state=state)
    if computer_id:
        qs = qs.filter(computer_id=computer_id)
    return qs.order_by("-id")


def simulation_get(*, user, pk: int) -> Simulation | None:
    return (
        simulation_list(user=user)
        .select_related("computer__pool", "computer__persona", "batch")
        .filter(pk=pk)
        .first()
    )


def simulation_can_control(*, user, simulation: Simulation) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        user.is_superuser
        or simulation.created_by_id == user.pk
        or simulation.computer.pool.owner_id == user.pk
    )


def simulation_state_counts(*, user) -> dict[str, int]:
    rows = dict(simulation_list(user=user).values_list("state").annotate(n=Count("id")).order_by())
    return {state: rows.get(state, 0) for state in LIST_STATES}


def launchable_computers(*, user) -> QuerySet[Computer]:
    return (
        studio_selectors.computer_list(user=user).filter(state=Computer.State.READY).order_by("-id")
    )


def turn_page(*, simulation: Simulation, before: int | None = None, size: int = 50) -> list[Turn]:
    """The newest ``size`` turns before seq ``before`` (newest first)."""
    qs = simulation.turns.all()
    if before:
        qs = qs.filter(seq__lt=before)
    return list(qs.order_by("-seq")[:size])
