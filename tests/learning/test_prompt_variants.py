"""Arms that differ in the worker's prompt: each run reads its variant's file, records it in its
config, and works the same plan as the other arm."""

from __future__ import annotations

import shutil

import pytest

from simulations.learning.arms import ArmError, arms_parse
from simulations.learning.services.experiments import (
    experiment_advance,
    experiment_create,
    experiment_start,
)
from simulations.models import Simulation
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import SimulationRequestError, simulation_create
from studio.llm import prompts
from studio.models import LLMCall
from tests.learning.test_experiment_celery import _plan

pytestmark = pytest.mark.django_db

TERSE_SYSTEM = "You are a terse office worker: do the work, say little."


@pytest.fixture
def prompts_dir(tmp_path, monkeypatch):
    """The studio's prompts plus worker.terse.md (worker.md with another system part)."""
    folder = tmp_path / "prompts"
    shutil.copytree(prompts.PROMPTS_DIR, folder)
    _, _, instruction = (folder / "worker.md").read_text().partition("\n---\n")
    (folder / "worker.terse.md").write_text(f"{TERSE_SYSTEM}\n---\n{instruction}")
    (folder / "worker.broken.md").write_text("system\n---\nan instruction in one part\n")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", folder)
    prompts.load_prompt.cache_clear()
    yield folder
    prompts.load_prompt.cache_clear()


def _systems(simulation: Simulation) -> set[str]:
    calls = LLMCall.objects.filter(simulation_id=simulation.pk, role="worker")
    return {c.request["messages"][0]["content"] for c in calls}


def test_two_prompt_variants_send_different_system_prompts_on_one_plan(
    prompts_dir, make_pool, user, fast_engine
):
    experiment = experiment_create(
        name="terse", heldout_pool=make_pool("h", 1), arms=arms_parse("baseline,worker-prompt=terse"),
        config={"workdays": 2, "max_turns": 40}, created_by=user, seed=5,
    )  # fmt: skip
    experiment_start(experiment=experiment)
    for _ in range(4):  # the leader writes the plan; the follower starts at the next check
        for run in experiment.runs.exclude(simulation=None).select_related("simulation"):
            if run.simulation.state not in ("completed", "cancelled"):
                simulation_run_inline(simulation=run.simulation)
        experiment_advance(experiment_id=experiment.pk)
    experiment.refresh_from_db()
    assert experiment.state == "done", experiment.error
    runs = {r.arm: r.simulation for r in experiment.runs.select_related("simulation")}
    base, terse = runs["baseline"], runs["worker-prompt=terse"]
    assert base.options.worker_prompt_variant == ""
    assert terse.options.worker_prompt_variant == "terse"  # recorded on the run
    assert _systems(terse) == {TERSE_SYSTEM}
    assert _systems(base) == {prompts.load_prompt("worker").system} != _systems(terse)
    # the one declared setting is all that differs: same seed, same plan, same other settings
    assert base.seed == terse.seed and base.shared_plan_id == terse.shared_plan_id
    assert _plan(base) and _plan(base) == _plan(terse)
    assert base.config | {"worker_prompt_variant": "terse"} == terse.config


def test_a_missing_or_malformed_variant_is_refused_at_launch(prompts_dir, make_pool):
    with pytest.raises(ArmError, match="no worker prompt variant 'nope'"):
        arms_parse("baseline,worker-prompt=nope")
    with pytest.raises(ArmError, match="three parts"):
        arms_parse("baseline,worker-prompt=broken")
    with pytest.raises(ArmError, match="one declared setting"):
        arms_parse("worker-prompt=terse,worker-model=m2")
    computer = make_pool("p", 1).computers.get()
    with pytest.raises(SimulationRequestError, match="worker.nope.md"):
        simulation_create(computer=computer, config={"worker_prompt_variant": "nope"})
    with pytest.raises(SimulationRequestError, match="worker_prompt_variant"):
        simulation_create(computer=computer, config={"worker_prompt_variant": "../judge"})
    assert not Simulation.objects.exists()
