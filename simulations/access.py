"""Who may see and steer a simulation, each rule written once.

A simulation is visible exactly when its computer is (the studio's rule, ``studio.access``);
its turns, files, mail, annotations and queue items with it. It may be steered (paused,
resumed, cancelled, its workspace deleted) by the researcher who launched it, the owner of
its computer's pool and superusers. Pages, the socket, selectors and exports all read through
here; a simulation the user may not see is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from simulations.models import Simulation
from studio import access as studio_access


def visible_simulations(user) -> QuerySet[Simulation]:
    return Simulation.objects.filter(
        computer__in=studio_access.visible_computers(user).values("pk")
    )


def simulation_get(*, user, pk: int) -> Simulation | None:
    return (
        visible_simulations(user)
        .select_related("computer__pool", "computer__persona", "created_by", "batch")
        .filter(pk=pk)
        .first()
    )


def simulation_visible(*, user, pk: int) -> bool:
    return visible_simulations(user).filter(pk=pk).exists()


def simulation_or_404(user, pk: int) -> Simulation:
    simulation = simulation_get(user=user, pk=pk)
    if simulation is None:
        raise Http404("no such simulation")
    return simulation


def steerable_simulations(user) -> QuerySet[Simulation]:
    visible = visible_simulations(user)
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return visible
    return visible.filter(Q(created_by=user) | Q(computer__pool__owner=user))


def can_steer(*, user, simulation: Simulation) -> bool:
    return steerable_simulations(user).filter(pk=simulation.pk).exists()
