"""Real worker processes: one killed with SIGKILL mid-run and replaced; faults injected by the
offline engine (429, 500, hangs, invalid tool JSON) survived and recorded."""

import os
import signal

import pytest

from simulations.models import Simulation, Turn
from simulations.services.simulations import simulation_create
from studio.models import LLMCall
from studio.project import runtime
from tests.conftest import _log, _service_env, wait_until
from tests.simulations.checks import assert_contiguous_turns, assert_workspace_is_the_replayed_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker(env, queue, name):
    return runtime.start_worker(env, queues=queue, concurrency=2, name=name, log_file=_log(name))


def _sim(pk):
    return Simulation.objects.get(pk=pk)


def _run_on(queue, computer, user, *, seed, models=None):
    models = models or {"worker": {"model": "offline:latency=30"}}
    return simulation_create(
        computer=computer,
        created_by=user,
        config={"workdays": 2, "seed": seed, "queue": queue, "models": models},
    )


def _signalled(env, queue, simulation, name, *, after_turns, sig, exit_within):
    """Start a worker on ``queue``, send its process group ``sig`` once the run has
    ``after_turns`` turns, and wait up to ``exit_within`` s for it to exit
    (TimeoutExpired fails the test); return the run as the worker left it."""
    worker = _worker(env, queue, name)
    try:
        wait_until(
            lambda: _sim(simulation.pk).turn_count >= after_turns,
            timeout=90,
            message="no progress",
        )
        os.killpg(worker.pid, sig)
        worker.wait(exit_within)
    finally:
        runtime.stop_process(worker)
    return _sim(simulation.pk)


def _finished_by(env, queue, simulation, name, timeout=180):
    """Start a worker on ``queue``, wait until the run ends, stop the worker; the run must
    have completed."""
    worker = _worker(env, queue, name)
    try:
        wait_until(
            lambda: _sim(simulation.pk).is_terminal,
            timeout=timeout,
            message="the run did not finish",
        )
    finally:
        runtime.stop_process(worker)
    simulation = _sim(simulation.pk)
    assert simulation.state == "completed", simulation.error or simulation.error_detail
    return simulation


def test_a_worker_killed_mid_run_is_replaced_and_no_turn_is_lost_or_doubled(
    computer, user, tmp_path
):
    env = _service_env()
    env.update(
        SIM_LEASE_SECONDS="3",
        SIM_SWEEP_SECONDS="0.5",
        SIM_REQUEUE_AFTER_SECONDS="5",
        SIM_SLICE_TURNS="100000",  # killed inside a slice, holding the lease
        SIM_SLICE_SECONDS="600",
    )
    queue = "sim-crash-test"
    simulation = _run_on(queue, computer, user, seed=3)
    at_kill = _signalled(
        env, queue, simulation, "sim-doomed", after_turns=40, sig=signal.SIGKILL, exit_within=10
    )
    # Killed inside its slice (the slice never ends on its own here), the dead worker still
    # holds the lease; the diagnostics say otherwise if a slice ended early (a crash, say).
    assert at_kill.state == "running" and at_kill.lease_owner, (
        at_kill.state,
        at_kill.error,
        at_kill.error_detail[-3000:],
    )
    simulation = _finished_by(env, queue, simulation, "sim-replacement")
    assert simulation.turn_count > at_kill.turn_count
    # the replacement took the dead worker's lease once it expired
    assert "took over turn" in simulation.error_detail, simulation.error_detail[-3000:]
    assert_contiguous_turns(simulation)
    assert_workspace_is_the_replayed_log(simulation, tmp_path)
    assert simulation.attempts == 0 and simulation.lease_owner == ""


def test_a_worker_told_to_stop_hands_its_runs_over_after_one_turn(computer, user, tmp_path):
    """SIGTERM is Celery's warm shutdown: it waits for running tasks. A slice of ten minutes
    would hold a deploy for ten minutes; instead the slice ends after its current turn, lets
    go of the lease and re-enqueues the run for another worker."""
    env = _service_env()
    env.update(SIM_SLICE_TURNS="100000", SIM_SLICE_SECONDS="600", SIM_SWEEP_SECONDS="0")
    queue = "sim-drain-test"
    simulation = _run_on(queue, computer, user, seed=5)
    # it must exit well before the slice's ten minutes are up
    handed_over = _signalled(
        env, queue, simulation, "sim-leaving", after_turns=20, sig=signal.SIGTERM, exit_within=20
    )
    assert handed_over.state == "running" and handed_over.lease_owner == "", handed_over.error
    assert handed_over.attempts == 0  # ended cleanly, not counted as a crash
    simulation = _finished_by(env, queue, simulation, "sim-successor")  # the re-enqueued slice
    assert "took over" not in simulation.error_detail  # no lease had to expire
    assert_contiguous_turns(simulation)
    assert_workspace_is_the_replayed_log(simulation, tmp_path)


def test_injected_faults_are_survived_and_recorded(computer, user):
    env = _service_env()
    env.update(
        LLM_MAX_RETRIES="0",
        LLM_TIMEOUT="1",
        SIM_ERROR_BACKOFF_SECONDS="0.01",
        SIM_SWEEP_SECONDS="1",
    )
    queue = "sim-fault-test"
    faulty = "offline:faults=429@0.08,500@0.08,hang@0.08,badjson@0.08;hang=1.5"
    models = {"worker": {"model": faulty}, "collaborator": {"model": faulty}}
    simulation = _run_on(queue, computer, user, seed=8, models=models)
    simulation = _finished_by(env, queue, simulation, "sim-faults", timeout=240)
    assert_contiguous_turns(simulation)
    errors = list(
        Turn.objects.filter(simulation=simulation, action="model_error").values_list(
            "error", flat=True
        )
    )
    assert any("rate-limiting" in e for e in errors), errors
    assert any("HTTP 500" in e for e in errors), errors
    assert any("timed out" in e for e in errors), errors
    # every failed call was retried by the next turn
    for seq in Turn.objects.filter(simulation=simulation, action="model_error").values_list(
        "seq", flat=True
    ):
        assert Turn.objects.get(simulation=simulation, seq=seq + 1).is_retry
    # invalid tool JSON came back to the model as an observation and was recorded
    bad = Turn.objects.filter(
        simulation=simulation, actor="worker", arguments__isnull=True
    ).exclude(action="")
    bad = [t for t in bad if t.action != "model_error"]
    assert bad and all("not a valid JSON object" in t.observation and t.raw_arguments for t in bad)
    assert all("invalid_arguments" in t.signals for t in bad)
    outcomes = set(
        LLMCall.objects.filter(simulation_id=simulation.pk).values_list("outcome", flat=True)
    )
    assert outcomes == {"ok", "invalid", "error"}
    process = simulation.outcome["process"]
    assert process["model_errors"] == len(errors) and process["invalid_arguments"] >= len(bad)
