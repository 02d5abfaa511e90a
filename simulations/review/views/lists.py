"""The dataset dashboard and the filterable lists of simulations and turns."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from simulations import access
from simulations.review import agreement, selectors
from simulations.review.dashboard import dashboard as dataset_dashboard
from simulations.review.forms import SimulationFilterForm, TurnFilterForm
from simulations.review.models import TurnAnnotation
from simulations.review.views.access import query_without_page

SIMULATIONS_PER_PAGE = 50
TURNS_PER_PAGE = 50


@require_GET
def dashboard(request):
    visible = access.visible_simulations(request.user).values("pk")
    return render(
        request,
        "review/dashboard.html",
        {
            "board": dataset_dashboard(user=request.user),
            "agreement": agreement.label_agreement(
                annotations=TurnAnnotation.objects.filter(simulation__in=visible)
            ),
        },
    )


def _filter_context(request) -> dict:
    return {
        "labels": selectors.labels_active(),
        "annotators": selectors.annotators(user=request.user),
        "query_string": query_without_page(request),
    }


@require_GET
def simulation_list(request):
    form = SimulationFilterForm(request.GET)
    filters = form.filters()
    sims = selectors.simulation_search(user=request.user, filters=filters)
    page = Paginator(sims, SIMULATIONS_PER_PAGE).get_page(request.GET.get("page"))
    flags = selectors.flags_by_simulation([s.pk for s in page])
    rows = [(sim, flags.get(sim.pk, [])) for sim in page]
    return render(
        request,
        "review/simulations.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "flag_choices": selectors.FLAG_FILTERS,
            "signal_choices": selectors.SIMULATION_SIGNALS,
            **_filter_context(request),
        },
    )


@require_GET
def turn_list(request):
    form = TurnFilterForm(request.GET)
    filters = form.filters()
    turns = selectors.turn_search(user=request.user, filters=filters)
    page = Paginator(turns, TURNS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.annotation_rows(turns=list(page), user=request.user)
    return render(
        request,
        "review/turns.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "signal_choices": form.fields["signal"].choices[1:],
            "actors": form.fields["actor"].choices[1:],
            **_filter_context(request),
        },
    )
