"""Experiment pages: list, create, results (live while runs go), downloads, retry a run;
skill versions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from simulations.learning.access import experiment_get, visible_experiments
from simulations.learning.chart import results_chart
from simulations.learning.forms import ExperimentForm
from simulations.learning.models import Experiment, SkillVersion
from simulations.learning.report import report_csv, report_json
from simulations.learning.results import experiment_results
from simulations.learning.services.experiments import (
    ExperimentRequestError,
    experiment_create,
    experiment_run_retry,
    experiment_start,
)
from studio.access import visible_pools


def _get_experiment_for_user(request, pk: int) -> Experiment:
    experiment = experiment_get(user=request.user, pk=pk)
    if experiment is None:
        raise Http404("no such experiment")
    return experiment


@require_GET
def experiment_list_view(request):
    return render(
        request,
        "learning/experiments.html",
        {"experiments": visible_experiments(request.user).order_by("-id")[:200]},
    )


@require_http_methods(["GET", "POST"])
def experiment_new(request):
    form = ExperimentForm(request.POST or None, pools=visible_pools(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            experiment = experiment_create(
                name=data["name"],
                heldout_pool=data["heldout_pool"],
                train_pool=data["train_pool"],
                split_seed=data["split_seed"],
                heldout_fraction=data["heldout_fraction"],
                arms=data["arms"],
                runs_per_computer=data["runs_per_computer"],
                config=form.config(),
                created_by=request.user,
            )
            experiment_start(experiment=experiment)
        except ExperimentRequestError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("learning-experiment", experiment.pk)
    return render(
        request, "learning/experiment_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _results_context(experiment: Experiment) -> dict:
    results = experiment_results(experiment=experiment)
    return {
        "experiment": experiment,
        "results": results,
        "chart": results_chart(results),
    }


@require_GET
def experiment_detail(request, pk: int):
    experiment = _get_experiment_for_user(request, pk)
    return render(request, "learning/experiment.html", _results_context(experiment))


@require_GET
def experiment_results_partial(request, pk: int):
    """The live part of the results page; the page polls it while the experiment runs."""
    experiment = _get_experiment_for_user(request, pk)
    return render(request, "learning/_results.html", _results_context(experiment))


@require_GET
def experiment_download(request, pk: int, fmt: str):
    experiment = _get_experiment_for_user(request, pk)
    results = experiment_results(experiment=experiment)
    body, kind = (
        (report_csv(results), "text/csv")
        if fmt == "csv"
        else (report_json(results), "application/json")
    )
    response = HttpResponse(body, content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="experiment-{experiment.pk}.{fmt}"'
    return response


@require_POST
def experiment_start_view(request, pk: int):
    experiment = _get_experiment_for_user(request, pk)
    try:
        experiment_start(experiment=experiment)
    except ExperimentRequestError as exc:
        messages.error(request, str(exc))
    return redirect("learning-experiment", experiment.pk)


@require_POST
def experiment_run_retry_view(request, pk: int, run_pk: int):
    experiment = _get_experiment_for_user(request, pk)
    run = get_object_or_404(experiment.runs.select_related("simulation"), pk=run_pk)
    try:
        experiment_run_retry(run=run)
    except ExperimentRequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Retrying simulation {run.simulation_id}.")
    return redirect("learning-experiment", experiment.pk)


@require_GET
def skill_version_list(request):
    versions = SkillVersion.objects.prefetch_related("runs").order_by("occupation", "-version")
    return render(request, "learning/skill_versions.html", {"versions": versions[:500]})


@require_GET
def skill_version_detail(request, pk: int):
    version = get_object_or_404(SkillVersion, pk=pk)
    return render(request, "learning/skill_version.html", {"version": version})
