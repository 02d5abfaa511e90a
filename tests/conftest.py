from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

from studio.project import runtime

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("ada", password="pw-ada-123456")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", password="pw-bob-123456")


@pytest.fixture
def auth_client(client, user):
    client.force_login(user)
    return client


def _service_env() -> dict[str, str]:
    """Environment for subprocesses: same Redis, same test database, same disk."""
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        user = db.get("USER") or ""
        auth = f"{user}:{db.get('PASSWORD') or ''}@" if user else ""
        env["DATABASE_URL"] = (
            f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
        )
    env["COMPUTERS_ROOT"] = str(settings.COMPUTERS_ROOT)
    env["STUDIO_VAR_DIR"] = str(settings.VAR_DIR)
    env.pop("STUDIO_TEST_SQLITE", None)
    return env


def _log(name: str):
    path = Path(settings.VAR_DIR) / "log"
    path.mkdir(parents=True, exist_ok=True)
    return (path / f"{name}.log").open("ab")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test database and the session's Redis."""
    with django_db_blocker.unblock():
        env = _service_env()
    process = runtime.start_worker(env, concurrency=4, log_file=_log("worker"), name="test-worker")
    from studio.project.celery import app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early, see {settings.VAR_DIR}/log/worker.log")
        replies = app.control.ping(timeout=0.5)
        if replies:
            break
    else:
        raise RuntimeError("celery worker did not answer a ping within 30s")
    yield process
    runtime.stop_process(process)


@pytest.fixture(scope="session")
def live_studio(django_db_setup, django_db_blocker, celery_worker_process):
    """The studio served by daphne (HTTP and websockets), as `make run` serves it."""
    with django_db_blocker.unblock():
        env = _service_env()
    port = runtime.free_port()
    process = runtime.start_daphne(port, env, log_file=_log("daphne"))
    yield f"http://127.0.0.1:{port}"
    runtime.stop_process(process)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright, for one test module at a time.

    Playwright's sync API keeps an asyncio loop running in the test thread while it is
    open, which makes Django refuse ORM calls (a false alarm here: the tests' ORM calls are
    plain synchronous code) and makes async_to_sync fail. So the browser lives only as long
    as a browser module, and the async-safety override only as long as the browser.
    """
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium):
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.2, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout}s")
