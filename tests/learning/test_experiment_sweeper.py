"""A lost experiment-check message (a broker restart) does not stall the experiment: the
workers' sweeper schedules a fresh check once the latest is long overdue."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db.models import F
from django.utils import timezone

from simulations.learning.arms import arms_parse
from simulations.learning.models import Experiment, SharedPlan
from simulations.learning.services.experiments import (
    experiment_advance,
    experiment_create,
    experiment_start,
    experiments_recover_stalled,
)


def _experiment(pool, user, name="sweep"):
    return experiment_create(
        name=name, heldout_pool=pool, arms=arms_parse("baseline,worker-model=m2"),
        config={"workdays": 1, "max_turns": 20}, created_by=user,
    )  # fmt: skip


def _lose_the_check(experiment: Experiment) -> None:
    """The scheduled check's message never arrives: its tick is no longer the latest, and it
    was scheduled long ago."""
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Experiment.objects.filter(pk=experiment.pk).update(tick=F("tick") + 1, checked_at=long_ago)


@pytest.mark.django_db
def test_the_sweeper_reschedules_only_overdue_active_experiments(
    make_pool, user, django_capture_on_commit_callbacks
):
    pool = make_pool("h", 1)
    lost, fresh, draft = (_experiment(pool, user, name) for name in ("lost", "fresh", "draft"))
    for experiment in (lost, fresh):
        experiment_start(experiment=experiment)
    _lose_the_check(lost)
    Experiment.objects.filter(pk=draft.pk).update(checked_at=None)
    distilling = _experiment(pool, user, "distilling")
    Experiment.objects.filter(pk=distilling.pk).update(state="distilling", checked_at=None)
    lost.refresh_from_db()
    before = lost.tick

    with django_capture_on_commit_callbacks() as sent:
        assert experiments_recover_stalled() == [lost.pk]
    assert len(sent) == 1  # one fresh check message, for the lost experiment only
    lost.refresh_from_db()
    assert lost.tick == before + 1 and lost.checked_at > timezone.now() - dt.timedelta(minutes=1)
    assert experiments_recover_stalled() == [], "no longer overdue"

    # the fresh check advances the experiment; the lost one, should it turn up, does nothing
    followers = lost.runs.filter(simulation=None)
    assert followers.count() == 1
    SharedPlan.objects.filter(runs__experiment=lost).update(plan={"objectives": []})  # written
    experiment_advance(experiment_id=lost.pk, tick=before)
    assert followers.count() == 1
    experiment_advance(experiment_id=lost.pk, tick=lost.tick)
    assert followers.count() == 0


@pytest.mark.worker
@pytest.mark.timeout(600)
@pytest.mark.django_db(transaction=True)
def test_an_experiment_whose_check_was_lost_finishes_through_the_worker(
    celery_worker_process, make_pool, user
):
    experiment = _experiment(make_pool("h", 1), user)
    experiment_start(experiment=experiment)
    _lose_the_check(experiment)
    # only a check starts the follower (once the leader wrote the plan) and finishes the
    # experiment, so it gets done only if the worker's sweeper schedules one
    deadline = time.monotonic() + 500
    while time.monotonic() < deadline:
        experiment.refresh_from_db()
        if experiment.state in ("done", "failed"):
            break
        time.sleep(1)
    assert experiment.state == "done", experiment.error
    assert experiment.runs.filter(simulation__state="completed").count() == 2
