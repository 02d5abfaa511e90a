"""Tokens and cost per arm on the results page and in the reports: sums of the runs' model
calls, and "no price" (never $0) where the model had none."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from simulations.learning.arms import arms_parse
from simulations.learning.models import ExperimentRun
from simulations.learning.services.experiments import experiment_create
from studio.models import LLMCall
from tests.review.conftest import build_simulation

pytestmark = pytest.mark.django_db


def _call(sim, prompt, cached, completion, cost):
    LLMCall.objects.create(
        role="worker", model="m", backend="b", outcome="ok", simulation_id=sim.pk,
        prompt_tokens=prompt, cached_tokens=cached, completion_tokens=completion, cost_usd=cost,
    )  # fmt: skip


@pytest.fixture
def experiment(make_pool, user):
    pool = make_pool("h", 1)
    computer = pool.computers.get()
    experiment = experiment_create(
        name="cost", heldout_pool=pool, arms=arms_parse("baseline,worker-model=m2"),
        created_by=user,
    )  # fmt: skip
    base, other, train, outsider = (build_simulation(computer, user=user) for _ in range(4))
    for sim, phase, arm in ((base, "heldout", "baseline"), (other, "heldout", "worker-model=m2"),
                            (train, "train", "")):  # fmt: skip
        ExperimentRun.objects.create(
            experiment=experiment, phase=phase, arm=arm, computer=computer, seed=1, simulation=sim
        )
    _call(base, 100, 50, 10, 0.01)
    _call(base, 200, 0, 20, 0.02)
    _call(other, 300, 100, 30, None)  # a model without a price
    _call(train, 1000, 0, 100, 0.5)
    _call(train, 10, 0, 1, None)
    _call(outsider, 999, 0, 99, 9.0)  # not the experiment's
    return experiment


EXPECTED = [
    ("train", 2, 1010, 0, 101, "$0.5000 + 1 calls no price"),
    ("baseline", 2, 300, 50, 30, "$0.0300"),
    ("worker-model=m2", 1, 300, 100, 30, "no price"),
]


def test_usage_per_arm_in_the_reports_and_on_the_page(experiment, auth_client):
    def report(fmt):
        out = io.StringIO()
        call_command("experiment", "report", str(experiment.pk), "--format", fmt, stdout=out)
        return out.getvalue()

    usage = json.loads(report("json"))["usage"]
    assert [
        (u["arm"], u["calls"], u["prompt_tokens"], u["cached_tokens"], u["completion_tokens"],
         u["cost"])
        for u in usage
    ] == EXPECTED  # fmt: skip
    assert usage[2]["cost_usd"] is None and usage[1]["cost_usd"] == pytest.approx(0.03)

    table = report("table").splitlines()
    start = next(i for i, line in enumerate(table) if line.startswith("tokens and cost"))
    assert table[start].split() == ["tokens", "and", "cost", "calls", "prompt", "cached",
                                    "completion", "cost"]  # fmt: skip
    for line, (arm, calls, prompt, cached, completion, cost) in zip(
        table[start + 1 :], EXPECTED, strict=True
    ):
        assert line.split() == [arm, str(calls), str(prompt), str(cached), str(completion),
                                *cost.split()]  # fmt: skip

    html = auth_client.get(
        reverse("learning-experiment-results", args=[experiment.pk])
    ).content.decode()
    usage_table = html[html.index('id="usage"') : html.index("</table>", html.index('id="usage"'))]
    assert "<td>worker-model=m2</td>" in usage_table and "no price" in usage_table
    assert "$0.0300" in usage_table and "$0.0000" not in usage_table and "1,010" in usage_table
