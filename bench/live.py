"""Delay from a turn's commit to its arrival at websocket clients, with 200 simulations running.

    python bench/live.py [--simulations 200] [--rate 100] [--seconds 30] [--clients-per-sim 1]
                         [--drivers 2]

What runs: an embedded Redis, SQLite (WAL), daphne serving studio.project.asgi (the real consumer,
behind the origin check and session auth) and one websocket client per simulation (autobahn,
logged in with a real session cookie, connected with ``?last_seq=0``). Driver processes
commit turns through the engine's own ``turn_commit`` (lease check, counters, file-change and
message rows, ``transaction.on_commit`` -> ``simulations.broadcast``), round-robin over the
simulations at ``--rate`` turns per second in total — 100/s is 200 runs each waiting ~2 s on
its model per turn. The model calls themselves are not made: this measures the live path
(commit -> broadcast -> channels-redis -> daphne consumer -> socket), not the engine.

Delay = the wall-clock time a client read the turn's frame minus the time the turn's
transaction committed (taken in an on_commit callback registered before the broadcast's).
Every process runs on this machine, so the clocks agree. Turns of the first two seconds are
warm-up and not counted. The report splits the delay at the moment the committing process's
group_send returned. BENCH_DEBUG=1 keeps the run's folder (daphne.log).
Goal: p95 <= 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ws_client import Socket  # noqa: E402

LEASE = "bench-live"
WARMUP = 2.0
OBSERVATION = ("Quarterly figures: revenue 1,204,332; cost of sales 804,120; margin 33.2%. " * 20)[
    :1500
]


def configure(var: Path, redis_url: str) -> dict[str, str]:
    env = {
        "STUDIO_VAR_DIR": str(var),
        "COMPUTERS_ROOT": str(var / "computers"),
        "DJANGO_SETTINGS_MODULE": "studio.project.settings",
        "LLM_BASE_URL": "offline",
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return dict(os.environ)


def django_setup() -> None:
    import django

    django.setup()


# -- setup: a computer, N simulations holding our lease, a user with a session ------------------


def create_world(simulations: int) -> tuple[list[int], str]:
    import datetime as dt
    import hashlib

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from simulations.models import Simulation
    from simulations.services.simulations import simulation_batch_create
    from studio.models import Computer, Persona, PersonaPool

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=None)
    pool = PersonaPool.objects.create(name="bench-live", owner=user)
    text = "A logistics planner who schedules deliveries for a regional freight company."
    persona = Persona.objects.create(
        pool=pool, text=text, digest=hashlib.sha256(text.encode()).hexdigest()
    )
    computer = Computer.objects.create(
        persona=persona,
        pool=pool,
        created_by=user,
        state=Computer.State.READY,
        display_name="Bench Planner",
    )
    batch = simulation_batch_create(
        computers=[computer],
        per_computer=simulations,
        created_by=user,
        config={"max_turns": 200_000},
        enqueue=False,
    )
    start = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)
    ids = list(batch.simulations.order_by("id").values_list("id", flat=True))
    Simulation.objects.filter(pk__in=ids).update(
        state=Simulation.State.RUNNING,
        phase=Simulation.Phase.WORK,
        lease_owner=LEASE,
        sim_started_at=start,
        sim_now=start,
    )
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return ids, cookie


# -- drivers: commit turns through the engine's commit -----------------------------------------------


def drive(
    env: dict[str, str], simulation_ids: list[int], rate: float, seconds: float, ready, go, out
) -> None:
    os.environ.update(env)
    django_setup()
    import datetime as dt

    from django.db import transaction

    from simulations import broadcast
    from simulations.engine.draft import MessageDraft, TurnDraft
    from simulations.models import Simulation
    from simulations.services.turns import turn_commit

    # Stage timing: when the sender thread's group_send for a turn returned (Redis has it).
    sent: dict[tuple[int, int], float] = {}
    batches: list[int] = []  # (one message per send since broadcasts left their thread)
    layer = broadcast.get_channel_layer()
    build = broadcast.turn_message

    class TimedLayer:
        async def group_send(self, group, envelope):
            await layer.group_send(group, envelope)
            message = envelope["message"]
            if message.get("type") == "turn":
                sent[(envelope["simulation"], message["turn"]["seq"])] = time.time()

    def counted_build(turn):
        batches.append(1)
        return build(turn)

    broadcast.get_channel_layer = TimedLayer
    broadcast.turn_message = counted_build

    start = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)
    seqs = {sid: 0 for sid in simulation_ids}
    simulations = Simulation.objects.in_bulk(simulation_ids)
    commits: list[tuple[int, int, float, float]] = []
    interval = 1.0 / rate
    ready.put(os.getpid())  # Django is loaded: the clock starts when every driver is
    go.wait()
    until = time.time() + seconds
    next_at = time.time()
    n = 0
    while time.time() < until:
        sid = simulation_ids[n % len(simulation_ids)]
        n += 1
        seq = seqs[sid] + 1
        seqs[sid] = seq
        when = start + dt.timedelta(minutes=5 * seq)
        messages = []
        if seq % 20 == 0:
            messages = [
                MessageDraft(
                    direction="outgoing",
                    sender="Bench Planner",
                    sender_email="p@x.test",
                    recipients=[{"name": "Rosa", "email": "r@x.test"}],
                    subject="Route plan",
                    body="Could you check the Monday routes? " * 10,
                    sent_at=when,
                )
            ]
        draft = TurnDraft(
            actor="worker",
            action="read_file",
            actor_name="Bench Planner",
            sim_time=when,
            arguments={"path": f"Reports/q{seq % 4 + 1}.xlsx"},
            observation=OBSERVATION,
            reasoning="Checking the quarter's figures before the review.",
            sim_minutes=5,
            prompt_tokens=3_000,
            completion_tokens=120,
            cost_usd=0.002,
            messages=messages,
            simulation={"sim_now": when + dt.timedelta(minutes=5)},
        )
        committed: dict[str, float] = {}
        simulation = simulations[sid]
        with transaction.atomic():
            transaction.on_commit(lambda c=committed: c.setdefault("t", time.time()))
            turn_commit(simulation=simulation, lease_token=LEASE, seq=seq, draft=draft)
        commits.append((sid, seq, committed["t"]))
        next_at += interval
        pause = next_at - time.time()
        if pause > 0:
            time.sleep(pause)
    out.put(([(sid, seq, t, sent.get((sid, seq))) for sid, seq, t in commits], batches))


# -- clients ----------------------------------------------------------------------------------------


async def watch(
    port: int,
    cookie: str,
    simulation_ids: list[int],
    per_sim: int,
    arrivals: list,
    connected: asyncio.Event,
) -> None:
    async def listen(socket: Socket, simulation_id: int) -> None:
        try:
            async for frame in socket.frames():
                now = time.time()
                message = json.loads(frame)
                if message.get("type") == "turn":
                    arrivals.append((simulation_id, message["turn"]["seq"], now))
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    listeners = []
    for sid in simulation_ids:
        for _ in range(per_sim):
            socket = await Socket.connect(port, f"/ws/simulations/{sid}/?last_seq=0", cookie)
            listeners.append((socket, asyncio.create_task(listen(socket, sid))))
    connected.set()
    try:
        await asyncio.Event().wait()
    finally:
        for socket, task in listeners:
            task.cancel()
            socket.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=200)
    parser.add_argument(
        "--rate", type=float, default=100.0, help="turns per second, all simulations"
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients-per-sim", type=int, default=1)
    parser.add_argument("--drivers", type=int, default=2, help="processes committing turns")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="bench-live-"))
    from studio.project import runtime

    redis = runtime.start_embedded_redis(var / "redis")
    daphne = None
    try:
        env = configure(var, redis.url)
        django_setup()
        ids, cookie = create_world(args.simulations)
        port = runtime.free_port()
        daphne = runtime.start_daphne(port, env, log_file=(var / "daphne.log").open("ab"))

        arrivals: list[tuple[int, int, float]] = []
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()

        async def run() -> list:
            connected = asyncio.Event()
            started = time.time()
            watcher = asyncio.create_task(
                watch(port, cookie, ids, args.clients_per_sim, arrivals, connected)
            )
            await asyncio.wait_for(connected.wait(), 120)
            print(
                f"{len(ids) * args.clients_per_sim} websocket clients connected in "
                f"{time.time() - started:.1f}s"
            )
            shares = [
                share for share in (ids[k :: args.drivers] for k in range(args.drivers)) if share
            ]
            ready, go = ctx.Queue(), ctx.Event()
            rate = args.rate / len(shares)
            procs = [
                ctx.Process(target=drive, args=(env, share, rate, args.seconds, ready, go, results))
                for share in shares
            ]
            for proc in procs:
                proc.start()
            for _ in procs:
                await asyncio.get_running_loop().run_in_executor(None, ready.get)
            begin = time.time()
            go.set()
            commits, batches = [], []
            for _ in procs:
                done, sizes = await asyncio.get_running_loop().run_in_executor(None, results.get)
                commits.extend(done)
                batches.extend(sizes)
            for proc in procs:
                proc.join()
            await asyncio.sleep(2.0)  # the last frames
            watcher.cancel()
            return [begin, commits, batches]

        begin, commits, batches = asyncio.run(run())
        report(args, begin, commits, arrivals, batches)
    finally:
        if daphne is not None:
            runtime.stop_process(daphne)
        redis.stop()
        if os.environ.get("BENCH_DEBUG"):
            print(f"kept {var} (daphne.log)")
        else:
            shutil.rmtree(var, ignore_errors=True)


def report(args, begin: float, commits: list, arrivals: list, batches: list[int]) -> None:
    counted = {(sid, seq): (t, sent) for sid, seq, t, sent in commits if t >= begin + WARMUP}
    span = max(t for _, _, t, _ in commits) - begin if commits else 0
    print(
        f"{args.simulations} simulations, {args.clients_per_sim} client(s) each, "
        f"{args.drivers} driver process(es); {len(commits)} turns committed in {span:.1f}s = "
        f"{len(commits) / max(span, 1e-9):.1f} turns/s (target {args.rate:g}); "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    delays, to_redis, from_redis, seen = [], [], [], set()
    for sid, seq, arrived in arrivals:
        if (sid, seq) in counted:
            committed, sent = counted[(sid, seq)]
            delays.append((arrived - committed) * 1000)
            if sent:
                to_redis.append((sent - committed) * 1000)
                from_redis.append((arrived - sent) * 1000)
            seen.add((sid, seq))
    if not delays:
        print("no turn arrived: see the daphne log")
        return
    print(f"commit -> websocket client, {len(delays)} deliveries after {WARMUP:g}s of warm-up:")
    print(
        f"  p50 {statistics.median(delays):7.1f} ms   p95 {percentile(delays, 95):7.1f} ms   "
        f"p99 {percentile(delays, 99):7.1f} ms   max {max(delays):7.1f} ms   goal p95 <= 250 ms"
    )
    if to_redis:
        print(
            f"  of which commit -> group_send done ({len(batches)} sends): "
            f"p50 {statistics.median(to_redis):.1f} ms, "
            f"p95 {percentile(to_redis, 95):.1f} ms;"
        )
        print(
            f"  and Redis -> daphne -> client: p50 {statistics.median(from_redis):.1f} ms, "
            f"p95 {percentile(from_redis, 95):.1f} ms"
        )
    missing = len(counted) - len(seen)
    print(
        f"  turns never delivered live: {missing} of {len(counted)} (a client would backfill them)"
    )


if __name__ == "__main__":
    main()
