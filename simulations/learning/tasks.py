"""Celery tasks of the learning app: thin wrappers around its services."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def advance_experiment(experiment_id: int, tick: int) -> None:
    from simulations.learning.services.experiments import experiment_advance

    experiment_advance(experiment_id=experiment_id, tick=tick)
