"""A worker frozen (SIGSTOP) between a turn's commit and its apply, for longer than the lease,
wakes to find another worker has taken over and written since: it writes nothing."""

import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from simulations.models import FileChange
from simulations.services.simulations import simulation_pause, simulation_resume
from studio.project import runtime
from tests.conftest import _log, _service_env, wait_until
from tests.simulations.checks import assert_contiguous_turns, assert_workspace_is_the_replayed_log
from tests.simulations.freezing_worker import AWAKE
from tests.simulations.test_resilience import _finished_by, _run_on, _sim, _worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _freezing_worker(env, queue, name):
    command = runtime.python_command(
        "-m", "tests.simulations.freezing_worker", "worker", "-P", "threads", "-c", "2",
        "-Q", queue, "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "INFO",
    )  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=runtime.BASE_DIR,
        env=env,
        stdout=_log(name),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_a_frozen_worker_never_writes_over_the_work_of_the_one_that_took_over(
    computer, user, tmp_path
):
    env = _service_env()
    env.update(
        SIM_LEASE_SECONDS="2",
        SIM_SWEEP_SECONDS="0.5",
        SIM_REQUEUE_AFTER_SECONDS="5",
        SIM_SLICE_TURNS="100000",
        SIM_SLICE_SECONDS="600",
    )
    queue = "sim-freeze-test"
    simulation = _run_on(queue, computer, user, seed=11)
    frozen = _freezing_worker(env, queue, "sim-frozen")
    log = Path(settings.VAR_DIR) / "log" / "sim-frozen.log"
    taker = None
    try:
        # the frozen worker committed a turn that edits a file and stopped before applying it
        edit = wait_until(
            lambda: (
                frozen.poll() is None
                and Path(f"/proc/{frozen.pid}/stat").read_text().split()[2] == "T"
                and FileChange.objects.filter(simulation=simulation, op="edit", kind="md")
                .order_by("seq")
                .first()
            ),
            timeout=120,
            message="the worker did not freeze after an edit",
        )
        taker = _worker(env, queue, "sim-taker")
        # the taker replays that turn and goes on (often writing that file again)
        wait_until(
            lambda: (
                _sim(simulation.pk).turn_count >= edit.seq + 10 or _sim(simulation.pk).is_terminal
            ),
            timeout=180,
            message="the taker made no progress",
        )
        if not _sim(simulation.pk).is_terminal:
            simulation_pause(simulation=_sim(simulation.pk))
        wait_until(lambda: _sim(simulation.pk).lease_owner == "", timeout=60)
        # the frozen worker wakes and finishes the apply it was in
        os.kill(frozen.pid, signal.SIGCONT)
        wait_until(lambda: AWAKE in log.read_text(), timeout=30, message=log.read_text()[-3000:])
        assert f"{AWAKE} applied=False" in log.read_text()  # it found the lease gone
        runtime.stop_process(frozen)
        paused = _sim(simulation.pk)
        assert "took over turn" in paused.error_detail, paused.error_detail[-3000:]
        (tmp_path / "paused").mkdir()
        assert_workspace_is_the_replayed_log(paused, tmp_path / "paused")
    finally:
        runtime.stop_process(frozen)
        if taker is not None:
            runtime.stop_process(taker)
    if _sim(simulation.pk).state == "paused":
        simulation_resume(simulation=_sim(simulation.pk))
    simulation = _finished_by(env, queue, simulation, "sim-finisher")
    assert_contiguous_turns(simulation)
    assert_workspace_is_the_replayed_log(simulation, tmp_path)
