"""Simulation engine figures: the cost of a turn, and the turn rate of many simulations at once.

    python bench/simulation.py [--workdays 3] [--repeats 5] [--sims 50] [--latency-ms 2000]
                               [--window 60] [--workers 3] [--threads N] [--pool gevent|threads]
                               [--warmup-max 600]
                               [--skip-single] [--skip-concurrency]

1. One simulation against the zero-latency offline engine, run in this process, ``--repeats``
   times; after each run two bare openai-client loops replay exactly its requests (recorded at
   the transport) to the same engine: through ``chat.completions.create()`` with typed
   arguments (the SDK transforms them) and through ``client.post()`` (the body as built,
   as the gateway's ``create(extra_body=...)`` sends it). Prints CPU and wall ms per turn,
   the ratios (medians of the repeats) and where the engine's CPU goes. Goal: engine / bare
   <= 1.25.
2. ``--sims`` simulations at once through real Celery workers (the studio's pool: gevent on
   PostgreSQL, threads on SQLite; ``--pool`` to compare) with every model
   call taking ``--latency-ms`` ("offline:latency=2000"). Once every run is past its objectives
   and at work, committed model turns (and calls) per second over ``--window`` seconds against
   the ideal (every simulation finishing a model call every latency), the spread of the time
   between a run's model turns, and the CPU of the workers, of this database's PostgreSQL
   backends and of the whole box; from the run's own CPU (workers + PostgreSQL), the rate the
   box's cores would sustain if nothing else ran on them. Goal at 500 simulations: >= 80 %.
   Use PostgreSQL for this part (DATABASE_URL=postgres://...): SQLite serialises every commit
   of every worker process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.simulation_measure import (  # noqa: E402
    Meter,
    box_cpu,
    children_cpu,
    postgres_cpu,
    turn_gaps,
    yardstick,
)
from bench.simulation_setup import drop_database, make_computer, setup  # noqa: E402

# -- 1. one simulation vs. a bare client loop ---------------------------------------------------


def single(computer, workdays: int, repeats: int) -> None:
    import httpx2
    import openai
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from openai.types.chat import ChatCompletion

    from simulations.services.runs import simulation_run_inline
    from simulations.services.simulations import simulation_create
    from studio.llm.gateway import OFFLINE_BASE_URL
    from studio.llm.offline import transport

    recorded: list[tuple[dict, str]] = []
    real_handle = transport.OfflineTransport.handle_request

    def recording(self, request):
        if request.method == "POST":
            recorded.append((json.loads(request.read()), self.role))
        return real_handle(self, request)

    # Warm up imports and caches as a long-running worker has them; not timed, but its
    # database statements are counted (capturing them would distort the timed runs).
    warm = simulation_create(
        computer=computer, config={"workdays": 1, "seed": 99, "max_turns": 40}, enqueue=False
    )
    with CaptureQueriesContext(connection) as statements:
        warm = simulation_run_inline(simulation=warm)
    kinds = Counter(q["sql"].split(None, 1)[0].upper() for q in statements.captured_queries)

    clients: dict[str, openai.OpenAI] = {}

    def client(role):  # one per role, as the gateway has them (the role stays in the transport)
        if role not in clients:
            clients[role] = openai.OpenAI(
                base_url=OFFLINE_BASE_URL,
                api_key="offline",
                max_retries=0,
                http_client=httpx2.Client(transport=transport.OfflineTransport(role)),
            )
        return clients[role]

    def typed(body, role):  # the SDK's typed method with typed arguments
        extra = {k: body[k] for k in ("tools", "response_format") if k in body}
        client(role).chat.completions.create(
            model=body["model"], messages=body["messages"], seed=body.get("seed"), **extra
        )

    def posted(body, role):  # the same body, posted as built (skipping the SDK's transform)
        client(role).post("/chat/completions", body=body, cast_to=ChatCompletion)

    # The same run (same seed, so the same turns and requests) several times, each followed
    # by the bare loops replaying its requests: a shared machine's speed drifts by tens of
    # per cent over seconds, so each ratio compares neighbours and the medians are reported.
    rows: list[dict[str, tuple[float, float]]] = []
    spent = None
    for _ in range(repeats):
        recorded.clear()
        transport.OfflineTransport.handle_request = recording
        meter = Meter()
        sim = simulation_create(
            computer=computer, config={"workdays": workdays, "seed": 1}, enqueue=False
        )
        wall, cpu, engine_thread = time.perf_counter(), time.process_time(), time.thread_time()
        sim = simulation_run_inline(simulation=sim)
        row = {"engine": (time.perf_counter() - wall, time.process_time() - cpu)}
        engine_thread = time.thread_time() - engine_thread
        meter.stop()
        transport.OfflineTransport.handle_request = real_handle
        if sim.state != "completed":
            raise SystemExit(f"the simulation ended {sim.state}: {sim.error}")
        for name, call in (("typed", typed), ("posted", posted)):
            wall, cpu = time.perf_counter(), time.process_time()
            for body, role in recorded:
                call(body, role)
            row[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        turns = sim.turn_count  # (ids differ between repeats, so the runs may too, a little)
        rows.append({name: (w / turns, c / turns) for name, (w, c) in row.items()})
        if spent is None or rows[-1]["engine"][1] < spent[0]:  # the quietest repeat's breakdown
            spent = (rows[-1]["engine"][1], engine_thread / turns, meter.cpu, turns)
    print(
        f"1. one simulation, zero-latency offline engine: {turns} turns, {len(recorded)} model calls, "
        f"{workdays} workdays, {json.dumps(sim.outcome.get('failure_modes', {}))} failure modes; "
        f"median of {repeats} interleaved repeats"
    )
    print(f"   {'':<26}{'wall ms/turn':>14}{'CPU ms/turn':>14}")
    for name, label in (
        ("engine", "simulation engine"),
        ("typed", "bare loop, create()"),
        ("posted", "bare loop, client.post()"),
    ):
        wall = statistics.median(r[name][0] for r in rows)
        cpu = statistics.median(r[name][1] for r in rows)
        print(f"   {label:<26}{1000 * wall:>14.1f}{1000 * cpu:>14.1f}")
    for name, label in (("typed", "ratio to create() loop"), ("posted", "ratio to post() loop")):
        wall = statistics.median(r["engine"][0] / r[name][0] for r in rows)
        cpu = statistics.median(r["engine"][1] / r[name][1] for r in rows)
        each = ", ".join(f"{r['engine'][1] / r[name][1]:.2f}" for r in rows)
        print(f"   {label:<26}{wall:>14.2f}{cpu:>14.2f}   (CPU, each repeat: {each})")
    cpu, engine_thread, parts, turns = spent
    parts = {name: seconds / turns for name, seconds in parts.items()}
    parts["engine: everything else"] = engine_thread - sum(parts.values())
    parts["other threads (live broadcast sender, heartbeat)"] = cpu - engine_thread
    per_turn = ", ".join(f"{n / warm.turn_count:.1f} {kind}" for kind, n in kinds.most_common())
    print(f"   database statements per turn (the warm-up run): {per_turn}")
    print("   where the engine's CPU goes in the quietest repeat (ms per turn):")
    for name, seconds in parts.items():
        print(f"     {name:<52}{1000 * seconds:>7.1f}")


# -- 2. many simulations through Celery -----------------------------------------------------------


def concurrent(
    computer,
    *,
    sims: int,
    latency_ms: int,
    window: float,
    workers: int,
    threads: int,
    var: Path,
    pool: str = "",
    warmup_max: float = 600.0,
) -> None:
    from django.db import connection
    from django.utils import timezone

    from simulations.models import Simulation, Turn
    from simulations.services.simulations import simulation_batch_create, simulation_cancel
    from studio.models import LLMCall
    from studio.project import runtime

    env = dict(os.environ)
    env.update(
        {
            "SIM_SWEEP_SECONDS": "0",
            "LLM_LOG_BODIES": os.environ.get("LLM_LOG_BODIES", "1"),
        }
    )
    # PostgreSQL's default max_connections is 100: share 80 of them among the workers' pools.
    env.setdefault("DB_POOL_SIZE", str(max(4, 80 // workers)))
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    pool = pool or runtime.default_pool(env)
    (var / "log").mkdir(exist_ok=True)
    procs = [
        runtime.start_worker(
            env,
            queues="simulations",
            concurrency=threads,
            pool=pool,
            log_file=(var / "log" / f"worker{n}.log").open("ab"),
            name=f"bench{n}",
        )
        for n in range(workers)
    ]
    try:
        model = f"offline:latency={latency_ms}"
        config = {
            "workdays": 20,
            "max_turns": 100_000,
            "models": {
                role: {"model": model} for role in ("objectives", "worker", "collaborator", "judge")
            },
        }
        warm_from = time.monotonic()
        batch = simulation_batch_create(computers=[computer], per_computer=sims, config=config)
        ids = list(batch.simulations.values_list("id", flat=True))
        model_turns = Turn.objects.filter(simulation_id__in=ids, llm_call_id__isnull=False)
        calls = LLMCall.objects.filter(simulation_id__in=ids)
        # Measure the steady state: every run past its objectives and its first working day's
        # start (copying the computer, writing objectives) before the window opens.
        warm_until = time.monotonic() + warmup_max
        while time.monotonic() < warm_until:
            working = Simulation.objects.filter(
                pk__in=ids, phase=Simulation.Phase.WORK, turn_count__gte=4
            ).count()
            if working == sims:
                break
            time.sleep(1)
        print(
            f"   warm-up: {working}/{sims} runs working after {time.monotonic() - warm_from:.0f} s"
        )
        time.sleep(2 * latency_ms / 1000)
        start_count, start_calls, start = model_turns.count(), calls.count(), time.monotonic()
        start_wall = timezone.now()
        database = connection.settings_dict["NAME"]
        cpu_start, box_start = children_cpu(procs), box_cpu()
        pg_start = postgres_cpu(database)
        time.sleep(window)
        end_count, end_calls = model_turns.count(), calls.count()
        elapsed = time.monotonic() - start
        cpu = children_cpu(procs) - cpu_start
        box = box_cpu() - box_start
        pg = postgres_cpu(database) - pg_start
        rate = (end_count - start_count) / elapsed
        ideal = sims / (latency_ms / 1000)
        running = Simulation.objects.filter(pk__in=ids, state="running").count()
        print(
            f"2. {sims} simulations at once, every model call {latency_ms} ms, {workers} Celery worker "
            f"process(es) x {threads} {pool}, {connection.vendor}"
        )
        print(
            f"   model turns/s {rate:.1f} of an ideal {ideal:.1f} = {100 * rate / ideal:.0f} % "
            f"(goal >= 80 %); {running}/{sims} running at the end"
        )
        call_rate = (end_calls - start_calls) / elapsed
        print(
            f"   model calls/s {call_rate:.1f} = {100 * call_rate / ideal:.0f} % of the ideal (a turn "
            f"re-asked after invalid output takes two calls)"
        )
        gaps = turn_gaps(ids, since=start_wall)
        if gaps:
            print(
                "   seconds between a simulation's model turns: "
                + ", ".join(
                    f"p{q} {gaps[min(len(gaps) - 1, len(gaps) * q // 100)]:.2f}"
                    for q in (10, 50, 90, 99)
                )
                + f", max {gaps[-1]:.2f}"
            )
        turns = max(1, end_count - start_count)
        print(
            f"   the whole box: {box / elapsed:.2f} of {os.cpu_count()} cores busy "
            f"(workers, database, Redis, this process), {1000 * box / turns:.0f} ms CPU per "
            "model turn"
        )
        if cpu is not None and end_count > start_count:
            print(
                f"   worker CPU {cpu / elapsed:.2f} cores busy, {1000 * cpu / turns:.1f} "
                f"ms CPU per model turn -> one core sustains ~{turns / cpu:.0f} turns/s"
            )
            if connection.vendor == "postgresql":
                # What the run itself costs, whatever else shares the box: the workers (with
                # the offline engine in them) and this database's own PostgreSQL backends.
                own = cpu + pg
                cores = os.cpu_count() or 1
                print(
                    f"   PostgreSQL (this database's backends) {pg / elapsed:.2f} cores busy, "
                    f"{1000 * pg / turns:.1f} ms CPU per model turn; workers + PostgreSQL "
                    f"{1000 * own / turns:.1f} ms -> {cores} idle cores would sustain "
                    f"~{cores * turns / own:.0f} turns/s = {100 * cores * turns / own / ideal:.0f} % "
                    f"of the ideal; the rest of the box took {max(0.0, box - own) / elapsed:.2f} cores"
                )
        for sim in Simulation.objects.filter(pk__in=ids).exclude(
            state__in=Simulation.TERMINAL_STATES
        ):
            simulation_cancel(simulation=sim)
    finally:
        for proc in procs:
            runtime.stop_process(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdays", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sims", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=2000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=0, help="tasks per worker (default: sims/workers)"
    )
    parser.add_argument(
        "--warmup-max", type=float, default=600.0, help="seconds to wait for every run to work"
    )
    parser.add_argument(
        "--pool", default="", help="Celery pool (default: the studio's, gevent on PostgreSQL)"
    )
    parser.add_argument("--skip-concurrency", action="store_true")
    parser.add_argument("--skip-single", action="store_true")
    args = parser.parse_args()
    print(f"0. this box's speed now: {yardstick():.1f} ms for a fixed piece of Python work")
    print("   (a shared machine's speed drifts by up to 2x; compare figures at similar values)")
    var = Path(tempfile.mkdtemp(prefix="bench-sim-"))
    redis = None
    try:
        redis = setup(var)
        computer = make_computer()
        if not args.skip_single:
            single(computer, args.workdays, args.repeats)
        if not args.skip_concurrency:
            threads = args.threads or max(1, -(-args.sims // args.workers))
            concurrent(
                computer,
                sims=args.sims,
                latency_ms=args.latency_ms,
                window=args.window,
                workers=args.workers,
                threads=threads,
                var=var,
                pool=args.pool,
                warmup_max=args.warmup_max,
            )
    finally:
        if redis is not None:
            redis.stop()
        drop_database()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
