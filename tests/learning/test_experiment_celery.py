"""The whole protocol of one experiment through the real Celery worker and Redis: train runs
on the train pool, their retrospectives, a skill version distilled from them, then a
baseline and a skills arm on the held-out pool with paired runs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from simulations.learning.arms import arms_parse
from simulations.learning.models import Experiment, ExperimentRun
from simulations.learning.services.experiments import ExperimentRequestError, experiment_create
from simulations.models import Simulation
from studio.models import LLMCall


def _plan(simulation: Simulation) -> list:
    return [
        (
            o.key, o.title, o.description, o.target_workday, o.reviewer,
            [(d.key, d.path) for d in o.deliverables.order_by("key")],
            [(r.order, r.tag, r.points, r.text) for r in o.rubric.order_by("order")],
        )
        for o in simulation.objectives.order_by("order")
    ]  # fmt: skip


@pytest.mark.worker
@pytest.mark.timeout(600)
@pytest.mark.django_db(transaction=True)
def test_an_experiment_trains_distils_and_runs_paired_arms(celery_worker_process, make_pool, user):
    train, heldout = make_pool("train", 2), make_pool("heldout", 2)
    out = io.StringIO()
    call_command(
        "experiment", "create", "--name", "skills lift", "--train-pool", "train",
        "--heldout-pool", str(heldout.pk), "--arms", "baseline,skills", "--workdays", "2",
        "--turns", "60", "--fresh-train-runs", stdout=out,
    )  # fmt: skip
    first, *rest = out.getvalue().splitlines()
    experiment = Experiment.objects.get(pk=int(first))
    assert experiment.created_by is None and experiment.config["workdays"] == 2
    assert "offline engine: its lift is no finding" in rest
    call_command("experiment", "run", first, "--wait", "--timeout", "500", stdout=io.StringIO())
    experiment.refresh_from_db()
    assert experiment.state == "done", experiment.error

    # train runs on the train computers only; the version records exactly them
    train_sims = Simulation.objects.filter(experiment_run__experiment=experiment,
                                           experiment_run__phase="train")  # fmt: skip
    assert {s.computer_id for s in train_sims} == set(train.computers.values_list("pk", flat=True))
    assert all(s.state == "completed" and s.retrospective.get("lessons") for s in train_sims)
    [version] = experiment.skill_versions.all()
    assert set(version.runs.values_list("pk", flat=True)) == {s.pk for s in train_sims}

    # held-out: every computer x arm, one plan per computer, written once, same seeds
    runs = ExperimentRun.objects.filter(experiment=experiment, phase="heldout")
    assert runs.count() == 4
    for computer in heldout.computers.all():
        mine = {r.arm: r for r in runs.filter(computer=computer).select_related("simulation")}
        base, skilled = mine["baseline"].simulation, mine["skills"].simulation
        assert base.state == skilled.state == "completed"
        assert base.skill_version is None and skilled.skill_version == version
        assert base.seed == skilled.seed and base.shared_plan_id == skilled.shared_plan_id
        assert _plan(base) and _plan(base) == _plan(skilled)
        planners = LLMCall.objects.filter(simulation_id__in=[base.pk, skilled.pk],
                                          role="objectives", outcome="ok")  # fmt: skip
        assert planners.count() == 1, "the objective agent wrote the plan once"
        assert base.shared_plan.source_id in (base.pk, skilled.pk)
        assert {o.score is not None for o in skilled.objectives.all()} == {True}

    # no leakage: the version cannot be evaluated on the computers that taught it
    with pytest.raises(ExperimentRequestError) as refused:
        experiment_create(
            name="leaky",
            heldout_pool=train,
            arms=arms_parse("baseline,skills"),
            skill_versions=[version],
        )
    for computer in train.computers.all():
        assert f"#{computer.pk}" in str(refused.value)
    assert "cannot be evaluated on them" in str(refused.value)

    # the reports: a table line per arm, JSON with the statistics, CSV per computer and arm
    def report(fmt):
        out = io.StringIO()
        call_command("experiment", "report", first, "--format", fmt, stdout=out)
        return out.getvalue()

    table = report("table").splitlines()
    assert table[1].startswith("WARNING offline engine")
    assert table[2].split() == [
        "arm",
        "n",
        "mean",
        "ci",
        "lift",
        "lift",
        "ci",
        "wins",
        "ties",
        "losses",
    ]
    base_line, skills_line = table[3].split(), table[4].split()
    data = json.loads(report("json"))
    base, skills = data["arms"]
    assert base_line[:3] == ["baseline", "2", f"{base['mean']:.1f}"]
    assert skills_line[0] == "skills" and skills_line[-3:] == [
        str(skills["wins"]),
        str(skills["ties"]),
        str(skills["losses"]),
    ]
    assert skills["wins"] + skills["ties"] + skills["losses"] == 2
    scores = {
        (r.computer_id, r.arm): r.simulation.outcome["score_pct"]
        for r in runs.select_related("simulation")
    }
    assert base["mean"] == pytest.approx(
        sum(v for (c, a), v in scores.items() if a == "baseline") / 2, abs=0.1
    )
    assert data["experiment"]["offline"] and data["experiment"]["warning"]
    assert set(data["by_tag"]) == {"spec", "interaction", "expertise", "reference", "quality"}
    assert [p["runs"] for p in data["process"]] == [2, 2]
    lines = report("csv").splitlines()
    assert lines[0].startswith("# offline engine")
    rows = list(csv.DictReader(lines[1:]))
    assert len(rows) == 4
    for row in rows:
        assert float(row["score_pct"]) == pytest.approx(
            scores[(int(row["computer"]), row["arm"])], abs=0.1
        )
        assert (row["lift_vs_baseline"] == "") == (row["arm"] == "baseline")
