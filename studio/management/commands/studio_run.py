import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from studio.project import runtime
from studio.project.env import env_int, env_str

# The embedded Redis listens on a fixed port so that workers started by hand can find it.
DEFAULT_REDIS_PORT = 6390
# A child that dies within this many seconds of start-up failed to start.
START_UP_SECONDS = 5.0


class Command(BaseCommand):
    help = "Run the studio: Redis (embedded if none is reachable), daphne and a Celery worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="web port (default: STUDIO_PORT, else 8000)",
        )
        parser.add_argument(
            "--redis-port",
            type=int,
            default=None,
            help="embedded Redis port when REDIS_URL is unset or unreachable "
            f"(default: STUDIO_REDIS_PORT, else {DEFAULT_REDIS_PORT}; 0 = any free port)",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=None,
            help="tasks at once (default: CELERY_CONCURRENCY, else 200 greenlets with gevent, "
            "16 threads otherwise)",
        )

    def handle(self, *args, port, redis_port, concurrency, **options):
        port = port if port is not None else env_int("STUDIO_PORT", 8000, minimum=1)
        if redis_port is None:
            redis_port = env_int("STUDIO_REDIS_PORT", DEFAULT_REDIS_PORT, minimum=0)
        concurrency = concurrency or env_int("CELERY_CONCURRENCY", 0, minimum=0) or None
        if runtime.port_in_use(port):
            raise CommandError(
                f"port {port} is already in use (another studio?): set STUDIO_PORT or --port"
            )
        self.children = []
        env = dict(os.environ)
        var = settings.VAR_DIR
        (var / "log").mkdir(parents=True, exist_ok=True)
        redis_url = env_str("REDIS_URL")
        if not redis_url or not runtime.redis_reachable(redis_url):
            try:
                embedded = runtime.start_embedded_redis(var / "redis", port=redis_port or None)
            except RuntimeError as error:
                raise CommandError(f"Redis: {error}") from None
            self.children.append(("redis", embedded.process))
            reason = "REDIS_URL is unset" if not redis_url else f"{redis_url} is unreachable"
            self.stdout.write(
                f"Redis: {reason}; started an embedded redis-server at {embedded.url}"
            )
            redis_url = embedded.url
        else:
            self.stdout.write(f"Redis: using {redis_url}")
        env["REDIS_URL"] = redis_url

        signal.signal(signal.SIGINT, lambda *_: self._stop(0))
        signal.signal(signal.SIGTERM, lambda *_: self._stop(0))
        worker_log = (var / "log" / "worker.log").open("ab")
        web_log = (var / "log" / "daphne.log").open("ab")
        pool = runtime.default_pool(env)
        concurrency = concurrency or (200 if pool == "gevent" else 16)
        started = time.monotonic()
        self.children.append(
            (
                "celery worker",
                runtime.start_worker(env, concurrency=concurrency, pool=pool, log_file=worker_log),
            )
        )
        try:
            self.children.append(("daphne", runtime.start_daphne(port, env, log_file=web_log)))
        except RuntimeError as error:
            self._fail(f"daphne did not start: {error}; see {var / 'log' / 'daphne.log'}")
        # A worker that cannot start (bad pool, broker refused) exits within seconds.
        while time.monotonic() - started < START_UP_SECONDS:
            self._check_children(var, " at start-up")
            time.sleep(0.2)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nSynthetic Computers Studio is running at http://127.0.0.1:{port}/\n"
                f"LLM backend: {self._backend()}\nCelery: {pool} pool x {concurrency}\n"
                f"logs: {var / 'log'}  —  Ctrl-C stops everything.\n"
            )
        )
        while True:
            self._check_children(var, "")
            time.sleep(1)

    def _check_children(self, var, when: str) -> None:
        for name, child in self.children:
            if child.poll() is not None:
                self._fail(f"{name} exited{when} with code {child.returncode}; see {var / 'log'}")

    def _fail(self, message: str) -> None:
        self.stderr.write(self.style.ERROR(f"{message}; stopping"))
        self._stop(1)

    def _stop(self, code: int) -> None:
        for _, child in reversed(self.children):
            runtime.stop_process(child)
        self.stdout.write("stopped.")
        sys.exit(code)

    def _backend(self) -> str:
        from studio.llm.gateway import backend_label

        return backend_label()
