"""What review views share: a visible simulation's turn (visibility is ``simulations.access``),
and how a request asks for JSON or pages."""

from __future__ import annotations

from django.http import Http404

from simulations import access
from simulations.models import Simulation, Turn
from simulations.review import selectors


def get_simulation_for_user(request, pk: int) -> Simulation:
    return access.simulation_or_404(request.user, pk)


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
