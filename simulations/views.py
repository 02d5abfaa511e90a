"""Launching, listing and controlling simulations. The live page is in live/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from simulations import access, selectors, selectors_usage
from simulations.forms import LaunchForm, estimate_inputs
from simulations.models import Simulation
from simulations.services.simulations import (
    SimulationRequestError,
    simulation_batch_create,
    simulation_cancel,
    simulation_delete_workspace,
    simulation_pause,
    simulation_resume,
)

PAGE_SIZE = 50


def _get_steerable(request, pk: int) -> Simulation:
    simulation = access.simulation_or_404(request.user, pk)
    if not access.can_steer(user=request.user, simulation=simulation):
        raise PermissionDenied(
            "only the researcher who launched it or the pool's owner may do this"
        )
    return simulation


def _back(request, simulation: Simulation):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("simulations-detail", simulation.pk)


@require_GET
def simulation_list(request):
    state = request.GET.get("state", "")
    computer = request.GET.get("computer", "")
    simulations = selectors.simulation_list(
        user=request.user, state=state, computer_id=int(computer) if computer.isdigit() else None
    )
    page = Paginator(simulations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.simulation_state_counts(user=request.user)
    usage = selectors_usage.usage_by_run(simulation_ids=[s.pk for s in page])
    for simulation in page:
        simulation.usage = usage.get(simulation.pk, selectors_usage.Usage())
    return render(
        request,
        "simulations/list.html",
        {
            "page": page,
            "state": state,
            "states": [(value, label, counts[value]) for value, label in Simulation.State.choices],
            "query_string": query.urlencode(),
            "totals": selectors_usage.usage_of_runs(simulations=simulations),
        },
    )


@require_http_methods(["GET", "POST"])
def simulation_new(request):
    computers = selectors.launchable_computers(user=request.user)
    initial = {}
    if request.GET.get("computer", "").isdigit():
        initial["computers"] = computers.filter(pk=int(request.GET["computer"]))
    form = LaunchForm(request.POST or None, computers=computers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            batch = simulation_batch_create(
                computers=form.cleaned_data["computers"],
                per_computer=form.cleaned_data["per_computer"],
                created_by=request.user,
                config=form.config(),
                label=form.cleaned_data["label"],
                skill_version=form.cleaned_data["skill_version"],
            )
        except SimulationRequestError as exc:
            form.add_error(None, str(exc))
        else:
            sims = list(batch.simulations.values_list("id", flat=True))
            messages.success(
                request, f"Launched {len(sims)} simulation{'s' if len(sims) != 1 else ''}."
            )
            if len(sims) == 1:
                # A researcher who launches one run wants to see it start: the live page.
                return redirect("simulations-live", sims[0])
            return redirect(reverse("simulations-list"))
    estimate = selectors_usage.batch_estimate(**estimate_inputs(request.POST or request.GET))
    return render(
        request,
        "simulations/new.html",
        {"form": form, "estimate": estimate},
        status=400 if form.errors else 200,
    )


@require_GET
def simulation_estimate(request):
    """The launch form's estimate, refreshed as the form changes."""
    estimate = selectors_usage.batch_estimate(**estimate_inputs(request.GET))
    return render(request, "simulations/_estimate.html", {"estimate": estimate})


@require_GET
def simulation_detail(request, pk: int):
    """The run's record. While it runs, its figures and newest turns refresh themselves (the
    same partial renders the page and each update: ``?part=progress``)."""
    simulation = access.simulation_or_404(request.user, pk)
    before = request.GET.get("before", "")
    turns = selectors.turn_page(
        simulation=simulation, before=int(before) if before.isdigit() else None
    )
    context = {
        "simulation": simulation,
        "options": simulation.options,
        "turns": turns,
        "older": turns[-1].seq if turns and turns[-1].seq > 1 else None,
        "refreshing": not simulation.is_terminal and not before,
        "usage": selectors_usage.usage_of_runs(simulations=[simulation.pk]),
    }
    if request.GET.get("part") == "progress":
        return render(request, "simulations/_detail_progress.html", context)
    objectives = list(
        simulation.objectives.prefetch_related("deliverables", "rubric").order_by("order")
    )
    return render(
        request,
        "simulations/detail.html",
        context
        | {
            "objectives": objectives,
            "signals": list(simulation.signals.order_by("id")[:50]),
            "can_control": access.can_steer(user=request.user, simulation=simulation),
        },
    )


def _control(request, pk: int, action, done: str):
    simulation = _get_steerable(request, pk)
    try:
        action(simulation=simulation)
    except SimulationRequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Simulation {simulation.pk} {done}.")
    return _back(request, simulation)


@require_POST
def simulation_pause_view(request, pk: int):
    return _control(request, pk, simulation_pause, "paused: it stops after its current turn")


@require_POST
def simulation_resume_view(request, pk: int):
    return _control(request, pk, simulation_resume, "resumed")


@require_POST
def simulation_cancel_view(request, pk: int):
    return _control(request, pk, simulation_cancel, "cancelled")


@require_POST
def simulation_delete_workspace_view(request, pk: int):
    return _control(
        request, pk, simulation_delete_workspace, "workspace deleted; its records are kept"
    )
