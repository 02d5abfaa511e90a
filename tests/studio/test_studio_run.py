"""`manage.py studio_run` on a host where another studio already runs: it must say what is
wrong and exit non-zero, never report a Redis it did not start or keep running without a child."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from studio.project import runtime

pytestmark = pytest.mark.worker


def run_studio(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "STUDIO_PORT", "STUDIO_REDIS_PORT", "STUDIO_TEST_SQLITE"}
    }
    environ.update(STUDIO_VAR_DIR=str(tmp_path), COMPUTERS_ROOT=str(tmp_path / "computers"))
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "studio_run"],
        cwd=runtime.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def other_redis(tmp_path):
    """Another studio's embedded Redis, holding the port ours would take."""
    embedded = runtime.start_embedded_redis(tmp_path / "other-redis")
    yield embedded
    embedded.stop()


def test_embedded_redis_refuses_a_port_another_redis_answers_on(other_redis, tmp_path):
    port = int(other_redis.url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(RuntimeError, match=f"port {port} is already in use.*STUDIO_REDIS_PORT"):
        runtime.start_embedded_redis(tmp_path / "ours", port=port)


def test_embedded_redis_is_the_one_answering(tmp_path):
    embedded = runtime.start_embedded_redis(tmp_path / "redis")
    try:
        port = int(embedded.url.rsplit(":", 1)[1].split("/")[0])
        assert runtime._answering_pid(port) == embedded.process.pid
    finally:
        embedded.stop()


def test_second_studio_on_the_same_redis_port_fails_loudly(other_redis, tmp_path):
    port = other_redis.url.rsplit(":", 1)[1].split("/")[0]
    result = run_studio(tmp_path, STUDIO_REDIS_PORT=port, STUDIO_PORT=str(runtime.free_port()))
    assert result.returncode != 0
    assert f"port {port} is already in use" in result.stderr
    assert "started an embedded redis-server" not in result.stdout
    assert other_redis.process.poll() is None  # the other studio's Redis is untouched


def test_second_studio_on_the_same_web_port_fails_loudly(tmp_path):
    with runtime.socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_studio(tmp_path, STUDIO_PORT=str(port), STUDIO_REDIS_PORT="0")
    assert result.returncode != 0
    assert f"port {port} is already in use" in result.stderr


def test_a_child_dying_at_start_up_stops_everything_with_a_non_zero_exit(tmp_path):
    result = run_studio(
        tmp_path,
        STUDIO_PORT=str(runtime.free_port()),
        STUDIO_REDIS_PORT="0",
        CELERY_POOL="no-such-pool",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "celery worker exited at start-up" in result.stderr
    assert "stopped." in result.stdout
    assert "is running at" not in result.stdout


def test_ports_are_settings(tmp_path):
    result = run_studio(tmp_path, STUDIO_PORT="not-a-port")
    assert result.returncode != 0
    assert "STUDIO_PORT must be an integer" in result.stderr
