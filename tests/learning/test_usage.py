"""An experiment's results page totals its runs' tokens and cost."""

import pytest
from django.urls import reverse

from simulations.learning.arms import arms_parse
from simulations.learning.models import ExperimentRun
from simulations.learning.services.experiments import experiment_create
from simulations.services.simulations import simulation_create
from studio.models import LLMCall

pytestmark = pytest.mark.django_db


def test_the_results_page_totals_the_experiments_runs(auth_client, make_pool, user):
    experiment = experiment_create(
        name="lift", train_pool=make_pool("train", 1), heldout_pool=make_pool("heldout", 1),
        arms=arms_parse("baseline,skills"), config={"workdays": 2, "max_turns": 20},
        created_by=user,
    )  # fmt: skip
    computer = experiment.heldout_computers.get()
    mine = simulation_create(computer=computer, created_by=user, enqueue=False, config={})
    ExperimentRun.objects.create(
        experiment=experiment, phase=ExperimentRun.Phase.HELDOUT, arm="baseline",
        computer=computer, seed=1, simulation=mine,
    )  # fmt: skip
    stranger = simulation_create(computer=computer, created_by=user, enqueue=False, config={})
    for simulation, prompt in ((mine, 2_000), (stranger, 90_000)):
        LLMCall.objects.create(
            role="worker", model="offline", backend="offline engine", outcome="ok",
            simulation_id=simulation.pk, prompt_tokens=prompt, cached_tokens=500,
            completion_tokens=50, cost_usd=None,
        )  # fmt: skip
    for name in ("learning-experiment", "learning-experiment-results"):
        html = auth_client.get(reverse(name, args=[experiment.pk])).content.decode()
        assert '<span id="experiment-usage">' in html
        assert "2,050</span> tokens" in html and "90,000" not in html
        assert '<span class="usage-cost">no price</span>' in html
