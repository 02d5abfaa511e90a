"""The live page of a simulation and the JSON it reads over HTTP (older turns, a whole turn,
the file tree, one file change's diff, the mail). The socket brings what happens next."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from simulations import access
from simulations.live import selectors as live_selectors
from simulations.models import Simulation
from simulations.selectors_usage import usage_of_runs

OLDER_PAGE = 100


def _seq_param(request, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Http404(f"{name} must be a number") from None
    if value < 0:
        raise Http404(f"{name} must be >= 0")
    return value


def _control_urls(simulation: Simulation) -> dict[str, str]:
    """Pause, resume and cancel are the simulations pages' views; the live page posts to them."""
    return {
        action: reverse(f"simulations-{action}", args=[simulation.pk])
        for action in ("pause", "resume", "cancel")
    }


def _prefix(name: str, pk: int) -> str:
    """The address of item 0 without its "0/": the page appends an id."""
    return reverse(name, args=[pk, 0]).removesuffix("0/")


@require_GET
def simulation_live(request, pk: int):
    simulation = access.simulation_or_404(request.user, pk)
    status = live_selectors.simulation_status(simulation_id=simulation.pk)
    turns = live_selectors.turn_page_before(
        simulation_id=simulation.pk, before=None, limit=live_selectors.WINDOW
    )
    can_control = access.can_steer(user=request.user, simulation=simulation)
    live = {
        "simulation": simulation.pk,
        "ws_path": f"/ws/simulations/{simulation.pk}/",
        "window": live_selectors.WINDOW,
        "urls": {
            "turns": reverse("simulations-live-turns", args=[simulation.pk]),
            "turn": _prefix("simulations-live-turn", simulation.pk),
            "files": reverse("simulations-live-files", args=[simulation.pk]),
            "change": _prefix("simulations-live-change", simulation.pk),
            "messages": reverse("simulations-live-messages", args=[simulation.pk]),
        },
        "status": status,
        "objectives": live_selectors.simulation_objectives(simulation_id=simulation.pk),
        "turns": turns,
    }
    return render(
        request,
        "simulations/live.html",
        {
            "simulation": simulation,
            "computer": simulation.computer,
            "persona": simulation.computer.persona,
            "status": status,
            "usage": usage_of_runs(simulations=[simulation.pk]),
            "controls": _control_urls(simulation) if can_control else {},
            "detail_url": reverse("simulations-detail", args=[simulation.pk]),
            "live": live,
        },
    )


@require_GET
def simulation_live_turns(request, pk: int):
    """Turns as JSON: ``?before=S`` (older than S, the newest page if omitted) or ``?after=S``."""
    simulation = access.simulation_or_404(request.user, pk)
    limit = min(_seq_param(request, "limit") or OLDER_PAGE, live_selectors.PAGE)
    after = _seq_param(request, "after")
    if after is not None:
        turns = live_selectors.turn_page_after(
            simulation_id=simulation.pk, after=after, limit=limit
        )
    else:
        turns = live_selectors.turn_page_before(
            simulation_id=simulation.pk, before=_seq_param(request, "before"), limit=limit
        )
    return JsonResponse({"turns": turns, "limit": limit})


@require_GET
def simulation_live_turn(request, pk: int, seq: int):
    simulation = access.simulation_or_404(request.user, pk)
    turn = live_selectors.turn_detail(simulation_id=simulation.pk, seq=seq)
    if turn is None:
        raise Http404("no such turn")
    return JsonResponse(turn)


@require_GET
def simulation_live_files(request, pk: int):
    simulation = access.simulation_or_404(request.user, pk)
    return JsonResponse(
        {
            "files": live_selectors.simulation_files(simulation=simulation),
            "turn_count": simulation.turn_count,
        }
    )


@require_GET
def simulation_live_change(request, pk: int, change_id: int):
    simulation = access.simulation_or_404(request.user, pk)
    change = live_selectors.file_change_get(simulation_id=simulation.pk, pk=change_id)
    if change is None:
        raise Http404("no such file change")
    return JsonResponse(change)


@require_GET
def simulation_live_messages(request, pk: int):
    simulation = access.simulation_or_404(request.user, pk)
    return JsonResponse(live_selectors.simulation_messages(simulation_id=simulation.pk))
