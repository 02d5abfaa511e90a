"""Generation: wall time with a model that takes seconds per call, and CPU cost.

    python bench/generation.py [--computers 3] [--files 100] [--latency-ms 2000]
                               [--batch 10] [--worker-concurrency 4]

1. Wall time of one computer with every model call taking --latency-ms (the offline engine's
   ``latency`` option), against the goal 1.5 x (stages before the first file + depth of the
   file graph) x latency: files are generated concurrently along their dependency graph.
2. Wall time of a --batch of computers on a real Celery worker (embedded Redis, SQLite), as
   the test suite starts one.
3. CPU at 0 ms, a regression guard: the whole pipeline in this process (gateway, openai
   client, offline engine, pydantic validation, writers, hashing, DB index) against
   replaying the same content objects through the writers alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.studio_env import offline_studio  # noqa: E402

PERSONAS = b"\n".join(
    [
        b'{"persona": "A pediatric nurse who coordinates night shifts on a busy ward."}',
        b'{"persona": "The CFO of a mid-sized food manufacturer preparing the annual budget."}',
        b'{"persona": "A backend software engineer on a payments platform team."}',
        b'{"persona": "A secondary-school chemistry teacher and head of year."}',
    ]
)


def setup(var: Path) -> None:
    offline_studio(var)
    os.environ["LLM_LOG_BODIES"] = os.environ.get("LLM_LOG_BODIES", "1")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--computers", type=int, default=3, help="for the CPU guard")
    parser.add_argument("--files", type=int, default=100, help="files per computer")
    parser.add_argument("--latency-ms", type=int, default=2000, help="per model call")
    parser.add_argument("--batch", type=int, default=10, help="computers on the worker; 0: skip")
    parser.add_argument("--worker-concurrency", type=int, default=4)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="bench-gen-"))
    redis = None
    try:
        if args.batch:
            from studio.project import runtime

            redis = runtime.start_embedded_redis(var / "redis")
            os.environ["REDIS_URL"] = redis.url
        setup(var)
        from studio.services.personas import persona_pool_import

        pool = persona_pool_import(pool_name="bench", source=PERSONAS, filename="p.jsonl").pool
        one_computer(pool, args.files, args.latency_ms)
        if args.batch:
            batch_on_worker(pool, args.batch, args.files, args.latency_ms, args, var)
        cpu_guard(pool, args.computers, args.files, var)
    finally:
        if redis is not None:
            redis.stop()
        shutil.rmtree(var, ignore_errors=True)


def _slow_model(latency_ms: int) -> str:
    return f"offline:latency={latency_ms}" if latency_ms else "offline"


def _depth(computer) -> int:
    """Files in the longest chain of the computer's dependency graph."""
    from studio.generation.graph_runner import topological_order

    deps: dict[str, list[str]] = {key: [] for key in computer.files.values_list("key", flat=True)}
    for source, target in computer.edges.values_list("source__key", "target__key"):
        deps[source].append(target)
    depth: dict[str, int] = {}
    for key in topological_order(deps):
        depth[key] = 1 + max((depth[d] for d in deps[key]), default=0)
    return max(depth.values(), default=0)


def one_computer(pool, files: int, latency_ms: int) -> None:
    from django.conf import settings

    from studio.generation import pipeline
    from studio.services.computers import computer_batch_create

    default_roles = settings.LLM_ROLE_CONFIG
    settings.LLM_ROLE_CONFIG = {
        role: {**cfg, "model": _slow_model(latency_ms)} for role, cfg in default_roles.items()
    }
    try:
        batch = computer_batch_create(pool=pool, count=1, target_files=files, seed=5, enqueue=False)
        computer = batch.computers.select_related("persona").get()
        started = time.perf_counter()
        pipeline.computer_generate(computer=computer)
        wall = time.perf_counter() - started
    finally:
        settings.LLM_ROLE_CONFIG = default_roles
    if computer.state != "ready":
        raise SystemExit(f"computer {computer.pk} failed: {computer.error}")
    stages, depth = pipeline.STAGES_BEFORE_FILES, _depth(computer)
    seconds = latency_ms / 1000
    goal = 1.5 * (stages + depth) * seconds
    print(
        f"one computer, {computer.files.count()} files, {seconds:g} s per model call, "
        f"{settings.GENERATION_CONCURRENCY} calls in flight per computer "
        f"({computer.llm_calls.count()} calls)"
    )
    print(
        f"  stages before the first file {stages} (profile, policy, outline, "
        f"{stages - 3} plan rounds), dependency depth {depth} files: "
        f"ideal {(stages + depth) * seconds:.0f} s"
    )
    verdict = "met" if wall <= goal else "MISSED"
    print(
        f"  wall {wall:.1f} s   goal <= 1.5 x ({stages} + {depth}) x {seconds:g} s = {goal:.0f} s: {verdict}"
    )


def batch_on_worker(pool, count: int, files: int, latency_ms: int, args, var: Path) -> None:
    from django.conf import settings
    from django.db import connection

    from studio.models import Computer
    from studio.project import runtime
    from studio.project.celery import app
    from studio.services.computers import computer_batch_create

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "LLM_MODEL": _slow_model(latency_ms),
    }
    log = (var / "worker.log").open("ab")
    worker = runtime.start_worker(env, concurrency=args.worker_concurrency, log_file=log)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Celery worker did not start; see {var / 'worker.log'}")
        started = time.perf_counter()
        batch = computer_batch_create(pool=pool, count=count, target_files=files, seed=7)
        pending = Computer.objects.filter(batch=batch).exclude(state__in=["ready", "failed"])
        while pending.exists():
            time.sleep(0.5)
        wall = time.perf_counter() - started
    finally:
        runtime.stop_process(worker)
    computers = list(batch.computers.all())
    failed = [c.error for c in computers if c.state != "ready"]
    if failed:
        raise SystemExit(f"{len(failed)} computers failed: {failed[0]}")
    each = sorted((c.finished_at - c.started_at).total_seconds() for c in computers)
    print(
        f"batch of {count} computers x {files} files on a Celery worker "
        f"({runtime.default_pool(env)} x {args.worker_concurrency}, "
        f"{settings.GENERATION_MAX_IN_FLIGHT} calls in flight per process), "
        f"{latency_ms / 1000:g} s per model call"
    )
    print(
        f"  wall {wall:.1f} s; per computer {each[0]:.1f}-{each[-1]:.1f} s "
        f"(median {each[len(each) // 2]:.1f} s)"
    )


def cpu_guard(pool, count: int, files: int, var: Path) -> None:
    from studio.generation import artifacts, pipeline
    from studio.services.computers import computer_batch_create

    batch = computer_batch_create(pool=pool, count=count, target_files=files, seed=1, enqueue=False)
    recorded: list[tuple] = []
    real_write = artifacts.write_artifact

    def recording_write(path, kind, content, **kwargs):
        recorded.append((kind, content, kwargs))
        return real_write(path, kind, content, **kwargs)

    # Warm up (imports, caches, writers' templates) as a long-running worker is: not counted.
    warm = computer_batch_create(pool=pool, count=1, target_files=30, seed=99, enqueue=False)
    pipeline.computer_generate(computer=warm.computers.get())
    artifacts.write_artifact = recording_write
    print(
        f"CPU guard: {count} computers x {files} files, offline engine at 0 ms, SQLite, CPU seconds (process time)"
    )
    print(f"{'computer':>8} {'files':>6} {'pipeline s':>11} {'raw writers s':>14} {'ratio':>6}")
    totals = [0.0, 0.0]
    files_written = 0
    for computer in batch.computers.select_related("persona").order_by("id"):
        recorded.clear()
        started = time.process_time()
        pipeline.computer_generate(computer=computer)
        pipeline_cpu = time.process_time() - started
        if computer.state != "ready":
            raise SystemExit(f"computer {computer.pk} failed: {computer.error}")
        raw_dir = var / "raw" / str(computer.pk)
        started = time.process_time()
        for index, (kind, content, kwargs) in enumerate(recorded):
            real_write(raw_dir / f"{index}.{kind}", kind, content, **kwargs)
        raw_cpu = time.process_time() - started
        totals[0] += pipeline_cpu
        totals[1] += raw_cpu
        files_written += len(recorded)
        print(
            f"{computer.pk:>8} {len(recorded):>6} {pipeline_cpu:>11.2f} {raw_cpu:>14.2f} "
            f"{pipeline_cpu / raw_cpu:>6.2f}"
        )
    artifacts.write_artifact = real_write
    print(
        f"{'mean':>8} {'':>6} {totals[0] / count:>11.2f} {totals[1] / count:>14.2f} "
        f"{totals[0] / totals[1]:>6.2f}   (guard: <= 1.50)"
    )
    # The ratio's denominator is our own writers: as they get faster the ratio rises even
    # when the pipeline's own work is unchanged, so its cost per file is printed as well.
    overhead = (totals[0] - totals[1]) / max(1, files_written)
    print(f"pipeline work beyond the writers: {1000 * overhead:.1f} ms per file")


if __name__ == "__main__":
    main()
