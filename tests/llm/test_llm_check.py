"""``manage.py llm_check`` against the offline engine (plain, with quirks, with faults) and
against an address where nothing listens."""

import socket

import pytest
from django.core.management import CommandError, call_command

from studio.llm import gateway, server_quirks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    server_quirks.forget_endpoints()
    gateway._client.cache_clear()
    yield
    server_quirks.forget_endpoints()
    gateway._client.cache_clear()


def _configure(settings, **models):
    config = dict(settings.LLM_ROLE_CONFIG)
    for role, model in models.items():
        config[role] = {"base_url": "offline", "api_key": "", "model": model}
    settings.LLM_ROLE_CONFIG = config


def _check(*roles):
    from io import StringIO

    out = StringIO()
    call_command("llm_check", *[f"--role={r}" for r in roles], stdout=out)
    return out.getvalue().splitlines()


def test_the_offline_engine_is_ok_for_every_role():
    lines = _check()
    assert len(lines) == 7
    assert all(": OK (offline engine, " in line and "ms per call" in line for line in lines)


def test_quirks_show_as_degraded_with_the_fallback_named(settings):
    _configure(
        settings,
        worker="offline:quirks=noschema,nousage,multitool,reasoning",
        judge="offline:quirks=fences",
    )
    worker, judge = _check("worker", "judge")
    assert worker.startswith("worker: DEGRADED")
    for note in ("schema goes in the prompt", "no usage", "several tool calls", "reasoning"):
        assert note in worker
    assert judge.startswith("judge: OK")  # a fenced JSON reply is unwrapped: nothing lost


def test_transient_faults_are_survived_and_the_verdict_stays_ok(settings):
    _configure(settings, judge="offline:faults=500@0.5,429@0.5")
    (judge,) = _check("judge")
    assert judge.startswith("judge: OK")


def test_a_server_refusing_everything_is_failing_with_the_reason(settings):
    settings.LLM_MAX_RETRIES = 0
    _configure(settings, judge="offline:faults=500")
    with pytest.raises(CommandError, match="failing: judge"):
        _check("judge")


def test_an_unreachable_url_is_failing_quickly(settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = dict(settings.LLM_ROLE_CONFIG)
    config["judge"] = {"base_url": f"http://127.0.0.1:{port}/v1", "api_key": "k", "model": "m"}
    settings.LLM_ROLE_CONFIG = config
    from studio.llm.check import llm_check

    (verdict,) = llm_check(roles=("judge",))
    assert verdict.status == "failing" and "cannot reach" in verdict.line
