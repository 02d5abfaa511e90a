import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from studio.project.env import env_bool, env_int, env_list

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def test_typed_env_helpers_fail_fast(monkeypatch):
    monkeypatch.setenv("X_INT", "12x")
    with pytest.raises(ImproperlyConfigured, match="X_INT must be an integer"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "-3")
    with pytest.raises(ImproperlyConfigured, match=">= 0"):
        env_int("X_INT", 1, minimum=0)
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL must be a boolean"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_list("X_LIST", []) == ["a", "b", "c"]


def _manage(*args, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_setting_stops_startup():
    result = _manage("check", LLM_TIMEOUT="soon")
    assert result.returncode != 0
    assert "LLM_TIMEOUT must be a number" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_PRODUCTION="1",
        DJANGO_SECRET_KEY="k" * 64 + "-production-secret-value",
        DJANGO_ALLOWED_HOSTS="studio.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("debug", ["0", "1"])
def test_production_refuses_missing_secret_whatever_debug_says(debug):
    result = _manage("check", DJANGO_PRODUCTION="1", DJANGO_DEBUG=debug)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set" in result.stderr
