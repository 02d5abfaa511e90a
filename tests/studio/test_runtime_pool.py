"""The Celery pool: gevent on PostgreSQL, threads on SQLite, CELERY_POOL wins; and the suite's
own worker runs the pool the studio would choose for the suite's database."""

import pytest
from django.db import connection

from studio.project import runtime


@pytest.mark.parametrize(
    ("env", "pool"),
    [
        ({"DATABASE_URL": "postgres://u@db/studio"}, "gevent"),
        ({"DATABASE_URL": "postgresql://u@db/studio"}, "gevent"),
        ({"DATABASE_URL": "sqlite:////tmp/db.sqlite3"}, "threads"),
        ({}, "threads"),
        ({"DATABASE_URL": "postgres://u@db/studio", "CELERY_POOL": "threads"}, "threads"),
        ({"CELERY_POOL": " gevent "}, "gevent"),
    ],
)
def test_default_pool(env, pool):
    assert runtime.default_pool(env) == pool


@pytest.mark.worker
def test_the_suites_worker_runs_the_studios_pool(celery_worker_process):
    from studio.project.celery import app

    stats = app.control.inspect(timeout=5).stats() or {}
    assert stats, "the worker did not answer"
    implementation = next(iter(stats.values()))["pool"]["implementation"]
    expected = "gevent" if connection.vendor == "postgresql" else "thread"
    assert expected in implementation, implementation


@pytest.mark.worker
def test_the_worker_runs_the_collector_less_often(celery_worker_process):
    from studio.project.celery import WORKER_GC_THRESHOLD, app

    replies = app.control.broadcast("gc_stats", reply=True, timeout=5)
    assert replies, "the worker did not answer"
    stats = next(iter(replies[0].values()))
    assert tuple(stats["threshold"]) == WORKER_GC_THRESHOLD
    assert stats["frozen"] > 10_000  # start-up's objects are out of the collector's way
