"""Who may see what: every view reaches a simulation through here, so one the user may not see
is a 404, exactly like one that does not exist."""

from __future__ import annotations

from django.http import Http404

from simulations.models import Simulation, Turn
from simulations.review import selectors


def get_simulation_for_user(request, pk: int) -> Simulation:
    simulation = selectors.simulation_get(user=request.user, pk=pk)
    if simulation is None:
        raise Http404("no such simulation")
    return simulation


def get_turn_for_user(request, pk: int, seq: int) -> tuple[Simulation, Turn]:
    simulation = get_simulation_for_user(request, pk)
    turn = selectors.turn_get(simulation=simulation, seq=seq)
    if turn is None:
        raise Http404("no such turn")
    return simulation, turn


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
