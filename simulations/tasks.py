"""Celery tasks: thin wrappers that fetch by id and call the service.

``advance_simulation`` runs one bounded slice and re-enqueues itself through the service.
Each worker process also runs a small sweeper thread that re-enqueues simulations whose
worker died (expired lease) or whose task message was lost, so a run never depends on one
worker staying alive or on the broker's visibility timeout; it also re-schedules overdue
experiment checks (learning.services.experiments.experiments_recover_stalled).
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown, worker_shutting_down

log = logging.getLogger(__name__)
_sweeper_halt = threading.Event()


@shared_task(acks_late=True, ignore_result=True)
def advance_simulation(simulation_id: int) -> None:
    from simulations.services.runs import simulation_advance

    simulation_advance(simulation_id=simulation_id)


@shared_task(ignore_result=True)
def recover_stalled_simulations() -> None:
    from simulations.services.runs import simulations_recover_stalled

    simulations_recover_stalled()


def _sweep_forever(interval: float) -> None:
    from django.db import close_old_connections, connection

    from simulations.learning.services.experiments import experiments_recover_stalled
    from simulations.services.runs import simulations_recover_stalled

    while not _sweeper_halt.wait(interval):
        try:
            close_old_connections()
            simulations_recover_stalled()
            experiments_recover_stalled()
        except Exception:  # noqa: BLE001 - the sweeper must outlive a failed round
            log.warning("stalled-simulation sweep failed", exc_info=True)
        finally:
            connection.close()


@worker_ready.connect
def _start_sweeper(**_kwargs) -> None:
    from simulations.config import sweep_seconds

    interval = sweep_seconds()
    if interval > 0:
        threading.Thread(
            target=_sweep_forever, args=(interval,), daemon=True, name="simulation-sweeper"
        ).start()


@worker_shutdown.connect
def _stop_sweeper(**_kwargs) -> None:
    _sweeper_halt.set()


@worker_shutting_down.connect
def _drain_slices(**_kwargs) -> None:
    from simulations.services.leases import drain

    drain()
