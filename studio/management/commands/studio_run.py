import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from studio import runtime


class Command(BaseCommand):
    help = "Run the studio: Redis (embedded if none is reachable), daphne and a Celery worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("STUDIO_PORT", 8000)))
        parser.add_argument(
            "--concurrency",
            type=int,
            default=int(os.environ.get("CELERY_CONCURRENCY", 0)) or None,
            help="tasks at once (default: 200 greenlets with gevent, 16 threads otherwise)",
        )

    def handle(self, *args, port, concurrency, **options):
        children = []
        env = dict(os.environ)
        var = settings.VAR_DIR
        (var / "log").mkdir(parents=True, exist_ok=True)
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url or not runtime.redis_reachable(redis_url):
            embedded = runtime.start_embedded_redis(
                var / "redis", port=6390 if not redis_url else None
            )
            children.append(embedded.process)
            reason = "REDIS_URL is unset" if not redis_url else f"{redis_url} is unreachable"
            self.stdout.write(
                f"Redis: {reason}; started an embedded redis-server at {embedded.url}"
            )
            redis_url = embedded.url
        else:
            self.stdout.write(f"Redis: using {redis_url}")
        env["REDIS_URL"] = redis_url

        def stop(*_):
            for child in reversed(children):
                runtime.stop_process(child)
            self.stdout.write("stopped.")
            sys.exit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        worker_log = (var / "log" / "worker.log").open("ab")
        web_log = (var / "log" / "daphne.log").open("ab")
        pool = runtime.default_pool(env)
        concurrency = concurrency or (200 if pool == "gevent" else 16)
        children.append(
            runtime.start_worker(env, concurrency=concurrency, pool=pool, log_file=worker_log)
        )
        children.append(runtime.start_daphne(port, env, log_file=web_log))
        self.stdout.write(
            self.style.SUCCESS(
                f"\nSynthetic Computers Studio is running at http://127.0.0.1:{port}/\n"
                f"LLM backend: {self._backend()}\nCelery: {pool} pool x {concurrency}\nlogs: {var / 'log'}  —  Ctrl-C stops everything.\n"
            )
        )
        while True:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(f"a child process exited (code {child.returncode}); stopping")
                    stop()
            time.sleep(1)

    def _backend(self) -> str:
        from studio.llm.gateway import backend_label

        return backend_label()
