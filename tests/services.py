"""Pytest plugin (loaded with -p tests.services): the real services the suite talks to.

Before Django's settings load it gives the session its own var/ directory, its own
COMPUTERS_ROOT and a real Redis: an embedded redis-server on a free port, so concurrent
runs never share queues (TEST_REDIS_URL picks an existing server instead). The database
is the one DATABASE_URL names (PostgreSQL in CI's second pass), else SQLite in a file,
so worker and web subprocesses can open the same test database.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_state: dict = {}


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    from studio.project import runtime

    var = Path(tempfile.mkdtemp(prefix="studio-test-"))
    (var / "staticfiles").mkdir()  # STATIC_ROOT: whitenoise serves through the finders
    _state["var"] = var
    os.environ["STUDIO_VAR_DIR"] = str(var)
    os.environ["COMPUTERS_ROOT"] = str(var / "computers")
    os.environ.setdefault("LLM_BASE_URL", "offline")
    os.environ["LLM_MODEL"] = "offline"
    os.environ["DJANGO_DEBUG"] = "0"
    if not os.environ.get("DATABASE_URL"):
        os.environ["STUDIO_TEST_SQLITE"] = str(var / "test.sqlite3")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        embedded = runtime.start_embedded_redis(var / "redis")
        _state["redis"] = embedded
        redis_url = embedded.url
        atexit.register(embedded.stop)
    os.environ["REDIS_URL"] = redis_url
    atexit.register(shutil.rmtree, var, True)


def pytest_report_header(config):
    db = os.environ.get("DATABASE_URL") or f"sqlite {os.environ.get('STUDIO_TEST_SQLITE')}"
    return [f"studio services: redis {os.environ.get('REDIS_URL')}, database {db}"]


def pytest_unconfigure(config):
    embedded = _state.pop("redis", None)
    if embedded:
        embedded.stop()
