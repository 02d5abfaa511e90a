"""The experiment pages: happy paths, bad input, wrong method, someone else's experiment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from simulations.learning.arms import arms_parse
from simulations.learning.models import Experiment, SkillVersion
from simulations.learning.services.experiments import ExperimentRequestError, experiment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment(make_pool, user):
    return experiment_create(
        name="lift", train_pool=make_pool("train", 1), heldout_pool=make_pool("heldout", 1),
        arms=arms_parse("baseline,skills"), config={"workdays": 2, "max_turns": 20},
        created_by=user,
    )  # fmt: skip


def test_list_and_detail_say_offline_engine(auth_client, experiment):
    page = auth_client.get(reverse("learning-experiments")).content.decode()
    assert "lift" in page and "offline engine" in page
    detail = auth_client.get(reverse("learning-experiment", args=[experiment.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "offline engine" in html and "no finding" in html
    assert "Held out:" in html and f"#{experiment.heldout_computers.get().pk}" in html
    partial = auth_client.get(reverse("learning-experiment-results", args=[experiment.pk]))
    assert partial.content.decode().strip().startswith('<div id="results"')
    for name, kind in (
        ("learning-experiment-csv", "text/csv"),
        ("learning-experiment-json", "application/json"),
    ):
        download = auth_client.get(reverse(name, args=[experiment.pk]))
        assert download["Content-Type"].startswith(kind) and b"offline engine" in download.content
        assert "attachment" in download["Content-Disposition"]


def test_create_starts_the_experiment(auth_client, make_pool):
    train, heldout = make_pool("t", 1), make_pool("h", 1)
    form = {"name": "from the page", "heldout_pool": heldout.pk, "train_pool": train.pk,
            "heldout_fraction": 0.5, "arms": "baseline,skills", "runs_per_computer": 1,
            "workdays": 2, "max_turns": 20}  # fmt: skip
    response = auth_client.post(reverse("learning-experiment-new"), form)
    experiment = Experiment.objects.get(name="from the page")
    assert response.status_code == 302 and response.url == reverse(
        "learning-experiment", args=[experiment.pk]
    )
    assert experiment.state == "training" and experiment.runs.filter(phase="train").count() == 1

    bad = auth_client.post(reverse("learning-experiment-new"), form | {"arms": "baseline,magic"})
    assert bad.status_code == 400 and "unknown arm" in bad.content.decode()
    same = auth_client.post(reverse("learning-experiment-new"), form | {"train_pool": heldout.pk})
    assert same.status_code == 400 and "split it with a seed" in same.content.decode()
    assert Experiment.objects.count() == 1, "bad input creates nothing"


def test_a_given_skill_version_is_refused_on_the_computers_it_came_from(
    auth_client, make_pool, user
):
    pool = make_pool("seen", 1)
    computer = pool.computers.get()
    version = SkillVersion.objects.create(occupation="x", version=1, text="t")
    sim = computer.simulations.create(seed=1, created_by=user)
    version.runs.add(sim)
    with pytest.raises(ExperimentRequestError, match=f"#{computer.pk}"):
        experiment_create(name="leak", heldout_pool=pool, arms=arms_parse("baseline,skills"),
                          skill_versions=[version])  # fmt: skip


def test_wrong_method_and_someone_elses_experiment(
    auth_client, client, experiment, other_user, user
):
    assert (
        auth_client.get(reverse("learning-experiment-start", args=[experiment.pk])).status_code
        == 405
    )
    run_retry = reverse("learning-experiment-run-retry", args=[experiment.pk, 1])
    assert auth_client.get(run_retry).status_code == 405
    experiment.heldout_pool.shared = False
    experiment.heldout_pool.save()
    client.force_login(other_user)
    for name in ("learning-experiment", "learning-experiment-results", "learning-experiment-csv"):
        assert client.get(reverse(name, args=[experiment.pk])).status_code == 404
    assert (
        client.post(reverse("learning-experiment-start", args=[experiment.pk])).status_code == 404
    )
    client.logout()
    assert client.get(reverse("learning-experiments")).status_code == 302  # to the login page


def test_a_failed_run_is_retried_alone(auth_client, make_pool, user):
    from simulations.learning.services.experiments import experiment_start
    from simulations.models import Simulation

    experiment = experiment_create(
        name="models", heldout_pool=make_pool("h", 2), arms=arms_parse("baseline,worker-model=m2"),
        config={"workdays": 2, "max_turns": 20}, created_by=user,
    )  # fmt: skip
    experiment_start(experiment=experiment)
    leaders = list(experiment.runs.exclude(simulation=None).order_by("computer_id"))
    assert [r.arm for r in leaders] == ["baseline", "baseline"], "one run per plan starts first"
    assert experiment.runs.filter(simulation=None).count() == 2, "followers wait for the plan"
    failed, other = (r.simulation for r in leaders)
    Simulation.objects.filter(pk=failed.pk).update(state="failed", error="the model went away")
    page = auth_client.get(reverse("learning-experiment", args=[experiment.pk])).content.decode()
    assert "the model went away" in page and "Retry" in page

    url = reverse("learning-experiment-run-retry", args=[experiment.pk, leaders[0].pk])
    assert auth_client.post(url).status_code == 302
    failed.refresh_from_db()
    assert failed.state == "queued" and failed.error == ""
    assert Simulation.objects.get(pk=other.pk).state == "queued" and Simulation.objects.count() == 2
    response = auth_client.post(url, follow=True)
    assert "only a failed run can be retried" in response.content.decode()
