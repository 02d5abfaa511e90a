"""The paper's corpus in one studio: build N computers and N simulations x T turns on
PostgreSQL, then time the pages that have to work at that size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        python bench/corpus.py [--runs 1000] [--turns 2300] [--repeat 15] [--keep]

It creates its own database (bench_corpus, or --database NAME) and drops it at the end; with
--keep it leaves it and a later --keep run of the same size reuses it instead of building
again.

How the data is made: one computer per run (~110 file index rows each, no files on disk),
loaded with COPY; turns in the engine's shape (a day start, then worker tool calls among
collaborator replies, mail deliveries and system events), their text drawn from pools of
generated sentences with office words and a long tail of rarer ones (realistic lengths:
reasoning a few hundred characters, observations up to a read page), file changes with diffs,
messages, model call records (request bodies are left out: storing them is the delta-storage
work), process signals on a few per cent of turns, objectives, deliverables and rubric items,
trajectory flags, and 50 annotations per run from three annotators (some turns annotated by
two). A review queue is built through the studio's own service. Turns are loaded by two
processes (one per core: bench/corpus_turns.py); the GIN search index is dropped during the
load and built once after it, as one would for a bulk import; its build is single-threaded, so
on a fresh build the exports run meanwhile on the other core (they do not read that index, and
their figures include the sharing). Each build step prints its time as it ends.

Timings go through Django's test Client (view, template and database; no network), median and
95th percentile over --repeat requests after a warm-up. Export is timed once over the whole
corpus, as JSONL and as parquet shards. The last line is the whole bench's time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus_build import build, build_search_index, marker  # noqa: E402 (bench/ is on the path)
from corpus_text import COMMON_WORD, RARE_WORD  # noqa: E402

from bench.studio_env import offline_studio  # noqa: E402

DB_NAME = "bench_corpus"
PAGE_GOAL = (300.0, 1000.0)
SEARCH_GOAL = (500.0, 1000.0)
BYTES_PER_TURN_GOAL = 5 * 1024
EXPORT_GOAL_SECONDS = 180.0


# -- the database ---------------------------------------------------------------------------


def open_database(keep: bool) -> bool:
    """Point Django at bench_corpus (created if needed); True when a kept corpus is there."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/corpus.py runs on PostgreSQL: set DATABASE_URL=postgres://...")
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and not keep:
            admin.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"
    return bool(exists)


def drop_database() -> None:
    import psycopg
    from django.db import connection

    connection.close()
    connection.close_pool()
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def setup(var: Path, keep: bool) -> bool:
    offline_studio(var)
    kept = open_database(keep)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return kept


# -- measuring ------------------------------------------------------------------------------


def size_report(turns_total: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6"
        )
        tables = cursor.fetchall()
        cursor.execute("SELECT pg_relation_size(%s)", ["turn_search_document"])
        search_index_bytes = cursor.fetchone()[0]
    print(f"\nsize on disk: {total / 2**20:,.0f} MiB for {turns_total:,} turns")
    for name, size in tables:
        print(f"  {name:34} {size / 2**20:10,.0f} MiB  {size / turns_total:8,.0f} B/turn")
    print(f"  {'(of which the search index)':34} {search_index_bytes / 2**20:10,.0f} MiB  "
          f"{search_index_bytes / turns_total:8,.0f} B/turn")  # fmt: skip
    return total


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (from /proc: the bench runs
    beside its database); 0 when that cannot be read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(client, url: str, repeat: int, before=None) -> tuple[float, float, int]:
    """(median ms, p95 ms, status) over ``repeat`` requests after one warm-up."""
    times = []
    status = 0
    for n in range(repeat + 1):
        if before:
            before()
        start = time.perf_counter()
        response = client.get(url)
        elapsed = 1000 * (time.perf_counter() - start)
        status = response.status_code
        if hasattr(response, "streaming_content"):
            for _ in response.streaming_content:
                pass
        if n:
            times.append(elapsed)
    return statistics.median(times), percentile(times, 0.95), status


def line(label: str, median: float, p95: float, goal: tuple[float, float], note: str = "") -> None:
    verdict = "ok" if median <= goal[0] and p95 <= goal[1] else "OVER GOAL"
    goal_text = f"goal <= {goal[0]:.0f} / {goal[1]:.0f}"
    print(f"{label:44} {median:9.1f} {p95:9.1f}   {goal_text:20} {verdict} {note}", flush=True)


def time_pages(repeat: int, turns: int) -> None:
    from django.test import Client

    from simulations.models import Simulation
    from simulations.review.models import Label
    from simulations.review.queues import services as queue_services
    from simulations.review.queues.models import ReviewQueue
    from simulations.review.search.selectors import SearchFilters

    users = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    researcher = users.objects.get(username="researcher")
    client = Client(SERVER_NAME="localhost")
    client.force_login(researcher)
    sims = list(Simulation.objects.order_by("pk").values_list("pk", flat=True))
    a, b = sims[0], sims[1]  # the two runs of one computer
    at = min(2_000, turns)
    label = Label.objects.get(name="good example")

    start = time.perf_counter()
    queue = ReviewQueue.objects.filter(name="bench queue").first() or queue_services.queue_create(
        user=researcher,
        name="bench queue",
        kind="turns",
        query=COMMON_WORD,
        filters=SearchFilters(actor="worker", signal="loop"),  # under the 100,000 a queue takes
        annotators=list(users.objects.filter(username__startswith="annotator")) + [researcher],
        overlap=2,
        sample_size=2_000,
        seed=1,
    )
    print(f"\nqueue of {queue.item_count:,} sampled hits built in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip

    def finish_held():
        item = queue_services.queue_next_item(queue=queue, user=researcher)
        if item is not None:
            queue_services.queue_item_complete(item=item, user=researcher)

    pages = [
        ("review list filtered by label", f"/review/simulations/?label={label.pk}", PAGE_GOAL),
        ("review list filtered by signal", "/review/simulations/?signal=loops", PAGE_GOAL),
        ("review list filtered by signal, page 2", "/review/simulations/?signal=loops&page=2",
         PAGE_GOAL),
        ("turn list filtered by signal", "/review/turns/?signal=loop", PAGE_GOAL),
        ("dashboard", "/review/", PAGE_GOAL),
        (f"one run's review page at turn {at:,}", f"/review/simulations/{a}/turns/{at}/",
         PAGE_GOAL),
        (f"time travel at turn {at:,}", f"/review/simulations/{a}/files/?at={at}", PAGE_GOAL),
        ("compare two runs", f"/review/compare/?a={a}&b={b}", PAGE_GOAL),
        ("export page", "/review/export/", PAGE_GOAL),
        (f"search rare word ({RARE_WORD})", f"/review/search/?q={RARE_WORD}", SEARCH_GOAL),
        (f"search common word ({COMMON_WORD})", f"/review/search/?q={COMMON_WORD}", SEARCH_GOAL),
        ("search common word, filtered (actor, label)",
         f"/review/search/?q={COMMON_WORD}&actor=worker&label={label.pk}", SEARCH_GOAL),
        ("search phrase (\"budget variance\")", "/review/search/?q=%22budget+variance%22",
         SEARCH_GOAL),
        ("search two words (budget variance)", "/review/search/?q=budget+variance", SEARCH_GOAL),
    ]  # fmt: skip
    print(f"\n{'page (server time, ms)':44} {'median':>9} {'p95':>9}")
    for name, url, goal in pages:
        median, p95, status = timed(client, url, repeat)
        line(name, median, p95, goal, "" if status == 200 else f"(status {status})")
    median, p95, status = timed(client, f"/review/queues/{queue.pk}/next", repeat, finish_held)
    line("a queue's next item", median, p95, PAGE_GOAL, "" if status == 302 else f"({status})")


def time_exports(var: Path, turns: int) -> None:
    from django.core.management import call_command

    from simulations.models import Simulation

    sims = Simulation.objects.count()
    for fmt in ("jsonl", "parquet"):
        out = var / f"export-{fmt}"
        target = out / "all.jsonl" if fmt == "jsonl" else out
        start, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu()
        with open(os.devnull, "w") as quiet:
            call_command("export_trajectories", "--format", fmt, "--out", str(target), stdout=quiet)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        db_cpu = backend_cpu() - db_cpu
        manifest = json.loads(
            Path(f"{target}.manifest.json" if fmt == "jsonl" else out / "manifest.json").read_text()
        )
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        rate = sims / seconds
        projected = 1_000 * (2_300 / turns) / rate
        verdict = "ok" if projected <= EXPORT_GOAL_SECONDS else "OVER GOAL"
        print(
            f"export whole corpus as {fmt:8} {seconds:7.1f} s  {rate:6.2f} trajectories/s "
            f"({manifest['written']} written, {manifest['cut']} cut, "
            f"{manifest['messages_total'] / seconds:,.0f} messages/s, "
            f"{size / 2**20 / seconds:5.1f} MiB/s, CPU per trajectory {1000 * cpu / sims:,.0f} "
            f"ms Python + {1000 * db_cpu / sims:,.0f} ms PostgreSQL, load "
            f"{os.getloadavg()[0]:.1f})  -> 1,000 x 2,300 in ~{projected:,.0f} s "
            f"(goal <= {EXPORT_GOAL_SECONDS:.0f} s) {verdict}",
            flush=True,
        )


def main() -> None:
    global DB_NAME
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--turns", type=int, default=2_300)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database; reuse a kept one")
    parser.add_argument("--database", default=DB_NAME, help=f"its name (default {DB_NAME})")
    args = parser.parse_args()
    began = time.perf_counter()
    DB_NAME = args.database
    var = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    kept = setup(var, args.keep)
    from simulations.models import SimulationBatch, Turn

    try:
        wanted = marker(args.runs, args.turns)
        built = False
        if kept and SimulationBatch.objects.filter(label=wanted).exists():
            print(f"reusing the kept corpus ({wanted})")
        else:
            if kept:
                sys.exit(f"{DB_NAME} holds another corpus: run once without --keep to rebuild")
            print(f"building {args.runs:,} runs x {args.turns:,} turns …", flush=True)
            for step, seconds in build(args.runs, args.turns):
                print(f"  {step:28} {seconds:10.1f} s", flush=True)
            built = True
        if built:
            # The exports do not read the search index: they run while it builds, on the
            # core its single-threaded build leaves idle (their figures include the sharing).
            print("\nexporting while the search index builds beside it …", flush=True)
            with ThreadPoolExecutor(max_workers=1) as pool:
                index = pool.submit(build_search_index)
                time_exports(var, args.turns)
                index_seconds = index.result()
            print(f"  {'search index':28} {index_seconds:10.1f} s (then VACUUM ANALYZE)")
            print(f"  {'built and exported in':28} {time.perf_counter() - began:10.1f} s")
        turns_total = Turn.objects.count()
        total = size_report(turns_total)
        per_turn = total / turns_total
        verdict = "ok" if per_turn <= BYTES_PER_TURN_GOAL else "OVER GOAL"
        print(f"{'bytes per turn, all in':44} {per_turn:9.0f}   goal <= 5 KB {verdict}")
        time_pages(args.repeat, args.turns)
        if not built:
            time_exports(var, args.turns)
        print(f"\nthe whole bench: {(time.perf_counter() - began) / 60:.1f} min (goal <= 25 min)")
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
