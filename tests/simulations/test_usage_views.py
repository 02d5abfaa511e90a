"""Tokens (prompt cached and not, completion) and cost per run, per filtered batch and before
a launch; "no price" where a model has none."""

import pytest
from django.urls import reverse

from simulations.models import Simulation
from simulations.selectors_usage import DEFAULT_PROMPT_TOKENS_PER_TURN, batch_estimate
from simulations.services.simulations import simulation_create
from studio.models import LLMCall

pytestmark = pytest.mark.django_db


def _run(computer, user, **fields):
    simulation = simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 2, "seed": 1}
    )
    Simulation.objects.filter(pk=simulation.pk).update(**fields)
    return simulation


def _call(simulation, *, prompt, cached, completion, cost, model="gpt-4o"):
    LLMCall.objects.create(
        role="worker", model=model, backend=model, outcome="ok", simulation_id=simulation.pk,
        prompt_tokens=prompt, cached_tokens=cached, completion_tokens=completion, cost_usd=cost,
    )  # fmt: skip


def test_a_run_shows_cached_and_uncached_tokens_and_its_cost(auth_client, computer, user):
    simulation = _run(computer, user)
    _call(simulation, prompt=10_000, cached=8_000, completion=300, cost=0.0123)
    _call(simulation, prompt=5_000, cached=1_000, completion=200, cost=0.0100)
    page = auth_client.get(reverse("simulations-detail", args=[simulation.pk])).content.decode()
    assert "15,500</span> tokens" in page
    assert '9,000</span> cached, <span class="usage-uncached">6,000</span> not' in page
    assert '<span class="usage-completion">500</span>' in page and "$0.0223" in page
    live = auth_client.get(reverse("simulations-live", args=[simulation.pk])).content.decode()
    assert '<dd class="usage-cached"' in live and "9000" in live
    assert 'data-status="cost_usd"' in live and "no price" not in live


def test_a_model_without_a_price_says_so_instead_of_zero(auth_client, computer, user):
    simulation = _run(computer, user)
    _call(simulation, prompt=1_000, cached=0, completion=10, cost=None, model="mystery")
    page = auth_client.get(reverse("simulations-detail", args=[simulation.pk])).content.decode()
    assert '<span class="usage-cost">no price</span>' in page and "$0" not in page
    live = auth_client.get(reverse("simulations-live", args=[simulation.pk])).content.decode()
    assert "no price" in live and 'data-status="cost_usd"' not in live
    _call(simulation, prompt=1_000, cached=0, completion=10, cost=0.5)
    page = auth_client.get(reverse("simulations-detail", args=[simulation.pk])).content.decode()
    assert "$0.5000 + no price for 1 call" in page


def test_the_list_totals_the_runs_it_shows(auth_client, computer, user):
    done = _run(computer, user, state="completed")
    failed = _run(computer, user, state="failed")
    _call(done, prompt=1_000, cached=400, completion=100, cost=1.0)
    _call(failed, prompt=7_000, cached=0, completion=700, cost=2.0)
    everything = auth_client.get(reverse("simulations-list")).content.decode()
    assert "These 2 runs" in everything and "8,800</span> tokens" in everything
    assert "$3.0000" in everything
    completed = auth_client.get(reverse("simulations-list") + "?state=completed").content.decode()
    assert "These 1 run:" in completed and "1,100</span> tokens" in completed
    assert "$1.0000" in completed and "$3.0000" not in completed
    assert "(400 cached)" in completed  # the run's own row


def test_the_estimate_uses_defaults_then_measured_runs(auth_client, computer, user, settings):
    settings.LLM_PRICES = {"offline": (1.0, 0.5, 2.0)}
    first = batch_estimate(runs=3, workdays=2, max_turns=10_000)
    assert first.measured_runs == 0 and first.turns_per_run == 200
    assert first.prompt_tokens == 3 * 200 * DEFAULT_PROMPT_TOKENS_PER_TURN
    assert first.cost_usd > 0
    measured = _run(computer, user, state="completed", turn_count=40, llm_backend="offline engine")
    _call(measured, prompt=40_000, cached=30_000, completion=800, cost=None)
    second = batch_estimate(runs=3, workdays=2, max_turns=50)
    assert second.measured_runs == 1 and second.turns_per_run == 40  # 20 turns a day × 2
    assert (second.prompt_tokens, second.cached_tokens) == (3 * 40 * 1_000, 3 * 40 * 750)
    capped = batch_estimate(runs=1, workdays=20, max_turns=50)
    assert capped.turns_per_run == 50
    settings.LLM_PRICES = {}
    unpriced = batch_estimate(runs=1, workdays=2, max_turns=50)
    assert unpriced.cost_usd is None and unpriced.tokens > 0

    url = reverse("simulations-estimate")
    part = auth_client.get(url, {"computers": [computer.pk], "per_computer": "4", "workdays": "2"})
    html = part.content.decode()
    assert part.status_code == 200 and '<span id="estimate-runs">4</span>' in html
    assert "measured on the latest 1 completed run" in html
    html = auth_client.get(url, {"per_computer": "x"}).content.decode()
    assert '<span id="estimate-runs">1</span>' in html and "no price for offline engine" in html
    assert auth_client.post(url).status_code == 405
    new = auth_client.get(reverse("simulations-new")).content.decode()
    assert (
        'id="estimate"' in new
        and 'data-estimate-url="/simulations/new/estimate/"' in new
        and "estimate.js" in new
    )
