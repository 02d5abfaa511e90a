"""A model call in flight never pins a worker: the offline engine's options are bounded at
launch, its latency obeys the client's timeout, and cancel and a warm shutdown end a run whose
call is still waiting (the call's result is dropped, the lease released)."""

import os
import signal
import time

import httpx2
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from simulations.engine import runner
from simulations.engine.world import World
from simulations.models import Simulation
from simulations.services.simulations import simulation_cancel
from studio.llm.offline.transport import OfflineTransport
from tests.conftest import _service_env, wait_until
from tests.simulations.test_resilience import _run_on, _sim, _worker

PINNED = {"worker": {"model": "offline:latency=600000"}}  # ten minutes a call


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["offline:latency=100000000", "offline:hang=1e9", "offline:faults=429@2"]
)
def test_out_of_range_offline_options_are_refused_on_the_form_and_the_cli(
    auth_client, computer, model
):
    response = auth_client.post(
        reverse("simulations-new"),
        {
            "computers": [computer.pk],
            "per_computer": 1,
            "workdays": 2,
            "max_turns": 50,
            "model_worker": model,
        },
    )
    assert response.status_code == 400
    assert "out of range" in response.context["form"].errors["model_worker"][0]
    with pytest.raises(CommandError, match="out of range"):
        call_command("simulate", "--computer", str(computer.pk), "--worker-model", model)
    assert not Simulation.objects.exists()


def test_the_offline_latency_obeys_the_clients_timeout():
    body = {"model": "offline:latency=5000", "messages": [{"role": "user", "content": "hi"}]}
    with httpx2.Client(transport=OfflineTransport("chat"), timeout=0.2) as client:
        with pytest.raises(httpx2.ReadTimeout, match="latency"):
            client.post("http://offline.invalid/v1/chat/completions", json=body)
        fast = client.post(
            "http://offline.invalid/v1/chat/completions",
            json={**body, "model": "offline:latency=10"},
        )
    assert fast.status_code == 200


def _env(**extra):
    env = _service_env()
    env.update(LLM_TIMEOUT="900", SIM_LEASE_SECONDS="3", SIM_SWEEP_SECONDS="0", **extra)
    return env


def _in_flight(simulation):
    """Wait until the run is past its first turns and its next turn is the worker's, whose
    model call never returns in time: whatever the worker process is doing, no turn can
    commit until that call does."""

    def worker_next():
        sim = _sim(simulation.pk)
        if not (sim.turn_count >= 1 and sim.lease_owner):
            return False
        return runner.next_step(World.load(simulation.pk)) == "worker"

    wait_until(worker_next, timeout=90, message="the run did not reach the worker's turn")
    turns = _sim(simulation.pk).turn_count
    time.sleep(3)  # a call of ten minutes is surely in flight now
    assert _sim(simulation.pk).turn_count == turns


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_cancel_ends_a_run_whose_model_call_is_in_flight(computer, user):
    queue = "sim-pinned-cancel"
    simulation = _run_on(queue, computer, user, seed=31, models=PINNED)
    worker = _worker(_env(), queue, "sim-pinned")
    try:
        _in_flight(simulation)
        turns = _sim(simulation.pk).turn_count
        simulation_cancel(simulation=_sim(simulation.pk))
        wait_until(
            lambda: _sim(simulation.pk).lease_owner == "",
            timeout=15,
            message="the lease was not released after cancel",
        )
        beat = _sim(simulation.pk).heartbeat_at
        time.sleep(3)  # more than a heartbeat of this lease (1 s)
        after = _sim(simulation.pk)
        assert after.state == "cancelled" and after.turn_count == turns
        assert after.heartbeat_at == beat and after.lease_owner == ""
        assert worker.poll() is None  # the worker itself goes on
    finally:
        from studio.project import runtime

        runtime.stop_process(worker)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_warm_shutdown_drops_the_call_in_flight_and_requeues_the_run(computer, user):
    queue = "sim-pinned-shutdown"
    simulation = _run_on(queue, computer, user, seed=32, models=PINNED)
    worker = _worker(_env(SIM_DRAIN_GRACE_SECONDS="2"), queue, "sim-pinned-leaving")
    try:
        _in_flight(simulation)
        turns = _sim(simulation.pk).turn_count
        told = timezone.now()
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(20)  # well within any deploy's stop timeout, with a ten-minute call pending
    finally:
        from studio.project import runtime

        runtime.stop_process(worker)
    left = _sim(simulation.pk)
    assert left.state == "running" and left.lease_owner == "" and left.turn_count == turns
    assert left.enqueued_at > told  # re-enqueued for another worker
    simulation_cancel(simulation=left)
