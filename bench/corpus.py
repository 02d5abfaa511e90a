"""The paper's corpus in one studio: build N computers and N simulations x T turns on
PostgreSQL, then time the pages that have to work at that size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        python bench/corpus.py [--runs 1000] [--turns 2300] [--repeat 15] [--keep]

It creates its own database (bench_corpus) and drops it at the end; with --keep it leaves it
and a later --keep run of the same size reuses it instead of building again.

How the data is made: one computer per run (~110 file index rows each, no files on disk),
loaded with COPY; turns in the engine's shape (a day start, then worker tool calls among
collaborator replies, mail deliveries and system events), their text drawn from pools of
generated sentences with office words and a long tail of rarer ones (realistic lengths:
reasoning a few hundred characters, observations up to a read page), file changes with diffs,
messages, model call records (request bodies are left out: storing them is the delta-storage
work), process signals on a few per cent of turns, objectives, deliverables and rubric items,
trajectory flags, and 50 annotations per run from three annotators (some turns annotated by
two). A review queue is built through the studio's own service. The GIN search index is
dropped during the load and rebuilt after it, as one would for a bulk import.

Timings go through Django's test Client (view, template and database; no network), median and
95th percentile over --repeat requests after a warm-up. Export is timed once over the whole
corpus, as JSONL and as parquet shards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "bench_corpus"
PAGE_GOAL = (300.0, 1000.0)
SEARCH_GOAL = (500.0, 1000.0)
BYTES_PER_TURN_GOAL = 5 * 1024
EXPORT_GOAL_SECONDS = 180.0
ANNOTATIONS_PER_RUN = 50
FILES_PER_COMPUTER = 110
RARE_WORD = "quetzalcoatl"  # in about one turn in 20,000
COMMON_WORD = "budget"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OFFICE = [
    "audit",
    "budget",
    "rota",
    "ward",
    "shift",
    "forecast",
    "variance",
    "staffing",
    "incident",
    "review",
    "quarterly",
    "plan",
    "patient",
    "supplier",
    "invoice",
    "contract",
    "revenue",
    "margin",
    "headcount",
    "training",
    "compliance",
    "policy",
    "risk",
    "milestone",
    "deliverable",
    "pipeline",
    "inventory",
    "schedule",
    "capacity",
    "report",
    "analysis",
    "summary",
    "draft",
    "final",
    "minutes",
    "agenda",
    "action",
    "owner",
    "deadline",
    "approval",
    "escalation",
    "baseline",
    "target",
    "actual",
    "cost",
    "saving",
    "overtime",
    "agency",
    "handover",
    "discharge",
    "admission",
    "workbook",
    "slide",
    "memo",
]
FILLER = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "for",
    "on",
    "with",
    "that",
    "this",
    "is",
    "be",
    "as",
    "from",
    "by",
    "at",
    "it",
    "we",
    "I",
    "will",
    "need",
    "should",
    "check",
    "before",
    "send",
    "next",
    "update",
    "file",
    "sheet",
    "total",
    "row",
    "column",
    "numbers",
    "figures",
    "team",
]


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
    os.environ["STUDIO_VAR_DIR"] = str(var)
    os.environ["COMPUTERS_ROOT"] = str(var / "computers")
    os.environ["LLM_BASE_URL"] = "offline"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    kept = open_database(keep)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return kept


def marker(runs: int, turns: int) -> str:
    return f"bench-corpus runs={runs} turns={turns}"


def copy_rows(table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows into ``table`` through Django's own connection; returns the count."""
    from django.db import connection

    connection.ensure_connection()
    n = 0
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def reset_sequences(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1))"
            )


# -- text -----------------------------------------------------------------------------------


class Text:
    """Pools of sentences to draw turn text from: office words, filler and a long tail."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        tail = {
            "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
            for _ in range(20_000)
        }
        self.tail = sorted(tail)
        self.sentences = [self._sentence() for _ in range(6_000)]

    def _sentence(self) -> str:
        rng = self.rng
        words = []
        for _ in range(rng.randint(6, 22)):
            roll = rng.random()
            if roll < 0.55:
                words.append(rng.choice(FILLER))
            elif roll < 0.85:
                words.append(rng.choice(OFFICE))
            else:
                words.append(rng.choice(self.tail))
        return " ".join(words).capitalize() + "."

    def paragraph(self, chars: int) -> str:
        out, size = [], 0
        while size < chars:
            sentence = self.rng.choice(self.sentences)
            out.append(sentence)
            size += len(sentence) + 1
        return " ".join(out)


# -- building -------------------------------------------------------------------------------


def build(runs: int, turns: int) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from simulations.models import Simulation, SimulationBatch
    from simulations.review.search import index as search_index
    from studio.models import Computer, Persona, PersonaPool

    rng = random.Random(2026)
    text = Text(rng)
    timings: dict[str, float] = {}
    users = get_user_model().objects
    researcher = users.create_user("researcher")
    annotators = [researcher] + [users.create_user(f"annotator{n}") for n in (1, 2)]

    start = time.perf_counter()
    pool = PersonaPool.objects.create(name="bench corpus", shared=True)
    personas = Persona.objects.bulk_create(
        [
            Persona(
                pool=pool, text=f"{rng.choice(OFFICE)} lead {n}", name=f"P{n}", digest=f"{n:064x}"
            )
            for n in range(runs)
        ]
    )
    industries = ["Healthcare", "Finance", "Retail", "Education", "Logistics", "Energy"]
    jobs = ["Charge Nurse", "Financial Analyst", "Store Manager", "Teacher", "Planner"]
    computers = Computer.objects.bulk_create(
        [
            Computer(
                persona=p,
                pool=pool,
                state=Computer.State.READY,
                stage="ready",
                display_name=f"Person {n}",
                job_title=rng.choice(jobs),
                employer=f"Org {n % 97}",
                industry=rng.choice(industries),
                target_files=FILES_PER_COMPUTER,
                files_total=FILES_PER_COMPUTER,
                files_done=FILES_PER_COMPUTER,
                stats={"files": FILES_PER_COMPUTER},
            )
            for n, p in enumerate(personas)
        ]
    )
    kinds = ["docx", "xlsx", "pdf", "pptx", "md", "txt", "csv", "eml", "ics"]
    file_rows = (
        (
            c.pk, f"f{k:03d}", "home", "",
            f"Documents/{OFFICE[k % len(OFFICE)].title()}/file {k:03d}.{kinds[k % 9]}",
            f"Documents/{OFFICE[k % len(OFFICE)].title()}", f"file {k:03d}.{kinds[k % 9]}",
            kinds[k % 9], f"File {k}", "", 20_000 + k, f"{c.pk:032x}{k:032x}", T0,
            text.paragraph(160), "{}", "", text.paragraph(1_200), 3,
        )
        for c in computers
        for k in range(FILES_PER_COMPUTER)
    )  # fmt: skip
    copy_rows(
        "studio_computerfile",
        ("computer_id", "key", "scope", "owner", "path", "folder", "name", "kind", "title",
         "project", "size", "sha256", "mtime", "summary", "facts", "planted_error", "text",
         "depth"),
        file_rows,
    )  # fmt: skip
    timings["computers and file index"] = time.perf_counter() - start

    start = time.perf_counter()
    batch = SimulationBatch.objects.create(label="building")
    sims = Simulation.objects.bulk_create(
        [
            Simulation(
                computer=computers[0] if n == 1 else c,  # two runs of one computer to compare
                batch=batch,
                created_by=researcher,
                state=Simulation.State.COMPLETED,
                phase=Simulation.Phase.DONE,
                seed=n,
                sim_started_at=T0,
                sim_now=T0 + dt.timedelta(days=20),
                workday=20,
                turn_count=turns,
                outcome={"score_pct": round(rng.uniform(10, 95), 1), "score": 10, "max_score": 20},
                llm_backend="bench",
                started_at=T0,
                finished_at=T0,
            )
            for n, c in enumerate(computers)
        ]
    )
    build_plans(sims, rng)
    with connection.cursor() as cursor:  # a bulk import: index once at the end
        cursor.execute(f"DROP INDEX IF EXISTS {search_index.PG_INDEX}")
    counts = load_turns(sims, turns, text, rng)
    timings["turns, mail, file changes, calls"] = time.perf_counter() - start

    start = time.perf_counter()
    from django.db import connection as conn

    from simulations.models import Turn

    with conn.schema_editor() as editor:
        search_index.search_index_install(schema_editor=editor, turn_model=Turn)
    timings["search index"] = time.perf_counter() - start

    start = time.perf_counter()
    counts["annotations"] = load_review(sims, turns, annotators, rng)
    timings["annotations and flags"] = time.perf_counter() - start
    start = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum analyze"] = time.perf_counter() - start
    batch.label = marker(len(sims), turns)
    batch.size = len(sims)
    batch.save(update_fields=["label", "size"])
    for what, n in counts.items():
        print(f"  {what:28} {n:>12,}")
    return timings


def build_plans(sims, rng: random.Random) -> None:
    from simulations.models import Deliverable, Objective, RubricItem, Signal

    objectives = Objective.objects.bulk_create(
        [
            Objective(
                simulation=s,
                order=o,
                key=f"O{o}",
                title=f"Objective {o} of run {s.pk}",
                description="Prepare the monthly figures and the report for the team.",
                target_date=(T0 + dt.timedelta(days=7 * o)).date(),
                target_workday=5 * o,
                status=Objective.Status.JUDGED,
                score=rng.uniform(2, 8),
                max_score=10,
            )
            for s in sims
            for o in (1, 2, 3)
        ]
    )
    deliverables = Deliverable.objects.bulk_create(
        [
            Deliverable(
                objective=o,
                simulation_id=o.simulation_id,
                key=f"D{o.order * 2 - 1 + d}",
                title=f"Deliverable {d}",
                kind="xlsx" if d else "docx",
                path=f"Documents/Out/{o.key}-{d}.{'xlsx' if d else 'docx'}",
                due_date=o.target_date,
                status=Deliverable.Status.SUBMITTED,
                score=rng.uniform(1, 4),
                max_score=5,
            )
            for o in objectives
            for d in (0, 1)
        ]
    )
    RubricItem.objects.bulk_create(
        [
            RubricItem(
                objective_id=d.objective_id,
                deliverable=d,
                order=r,
                tag="spec",
                points=1,
                text="States the figures with their sources.",
            )
            for d in deliverables
            for r in (int(d.key[1:]) * 3, int(d.key[1:]) * 3 + 1, int(d.key[1:]) * 3 + 2)
        ]
    )
    Signal.objects.bulk_create(
        [
            Signal(
                simulation=s,
                kind=rng.choice(["loop", "stale_workbook", "missed_deadline"]),
                severity=rng.choice(["warning", "failure"]),
                message="Found by the detectors.",
            )
            for s in sims
            for _ in range(rng.randint(0, 4))
        ]
    )


ACTIONS = [
    ("read_file", 30), ("list_dir", 10), ("search_files", 8), ("write_file", 10),
    ("edit_file", 10), ("send_message", 6), ("read_inbox", 8), ("add_calendar_event", 3),
    ("advance_clock", 8), ("update_memory", 4), ("submit_deliverable", 1),
]  # fmt: skip


def load_turns(sims, turns: int, text: Text, rng: random.Random) -> dict[str, int]:
    """COPY every run's turns with their file changes, messages and call records."""
    import zstandard

    from studio.models import LLMCall

    names, weights = zip(*ACTIONS, strict=True)
    turn_id = 1
    call_id = LLMCall.objects.order_by("-id").values_list("id", flat=True).first() or 0
    compress = zstandard.ZstdCompressor(level=1).compress
    response = compress(
        b'{"choices":[{"message":{"tool_calls":[{"function":{"name":"read_file"}}]}}]}'
    )
    turn_rows, change_rows, message_rows, call_rows = [], [], [], []
    counts = dict.fromkeys(("turns", "file changes", "messages", "call records"), 0)

    def flush() -> None:
        counts["call records"] += copy_rows(
            "studio_llmcall",
            ("id", "role", "model", "backend", "schema", "prompt_tokens", "completion_tokens",
             "cost_usd", "latency_ms", "outcome", "error", "simulation_id", "created_at",
             "response"),
            call_rows,
        )  # fmt: skip
        counts["turns"] += copy_rows(
            "simulations_turn",
            ("id", "simulation_id", "seq", "actor", "actor_name", "action", "arguments",
             "raw_arguments", "tool_call_id", "observation", "reasoning", "error", "is_retry",
             "sim_time", "sim_minutes", "workday", "prompt_tokens", "completion_tokens",
             "cost_usd", "latency_ms", "prompt_chars", "llm_call_id", "signals", "created_at"),
            turn_rows,
        )  # fmt: skip
        counts["file changes"] += copy_rows(
            "simulations_filechange",
            ("turn_id", "simulation_id", "seq", "index", "op", "path", "source_path", "kind",
             "before_sha256", "after_sha256", "size", "diff"),
            change_rows,
        )  # fmt: skip
        counts["messages"] += copy_rows(
            "simulations_message",
            ("simulation_id", "turn_id", "direction", "sender", "sender_email", "recipients",
             "subject", "body", "attachments", "deliverable_key", "sent_at", "delivered_at",
             "delivered_seq", "answered", "meta"),
            message_rows,
        )  # fmt: skip
        for rows in (turn_rows, change_rows, message_rows, call_rows):
            rows.clear()

    for sim in sims:
        for seq in range(1, turns + 1):
            when = T0 + dt.timedelta(minutes=4 * seq)
            roll = rng.random()
            signals, error, llm = [], "", None
            if seq == 1 or roll < 0.04:
                actor, action, name = "system", "day_start", ""
                arguments = {"workday": seq // 100 + 1}
                reasoning, observation = "", text.paragraph(300)
            elif roll < 0.12:
                actor, action, name = "collaborator", "compose_reply", "Grace Hopper"
                arguments = {"message": seq, "reply_after_minutes": 30}
                reasoning, observation = text.paragraph(rng.randint(300, 900)), text.paragraph(120)
            else:
                actor, name = "worker", "Ada"
                action = rng.choices(names, weights)[0]
                path = f"Documents/{rng.choice(OFFICE).title()}/file {rng.randrange(110):03d}.xlsx"
                if action == "send_message":
                    arguments = {"to": ["grace@example.com"], "subject": text.paragraph(40),
                                 "body": text.paragraph(rng.randint(200, 800))}  # fmt: skip
                elif action in ("write_file", "edit_file"):
                    arguments = {"path": path, "content": text.paragraph(rng.randint(200, 1_500))}
                else:
                    arguments = {"path": path}
                reasoning = text.paragraph(rng.randint(150, 700))
                observation = text.paragraph(rng.choice((200, 600, 1_200, 2_500, 4_000)))
                if rng.random() < 0.03:
                    signals = ["loop"]
                if rng.random() < 0.02:
                    error = "ToolError: " + text.paragraph(80)
            if actor != "system":
                call_id += 1
                llm = call_id
                call_rows.append(
                    (call_id, actor, "gpt-5-mini", "bench", "", 9_000, 300, 0.002, 2_000, "ok",
                     "", sim.pk, when, response)
                )  # fmt: skip
            if rng.random() < 1 / 20_000:
                reasoning += " " + RARE_WORD
            turn_rows.append(
                (turn_id, sim.pk, seq, actor, name, action, json.dumps(arguments), "",
                 f"call_{turn_id}", observation, reasoning, error, False, when, 4, seq // 100 + 1,
                 9_000, 300, 0.002, 2_000, 30_000, llm, json.dumps(signals), when)
            )  # fmt: skip
            if action in ("write_file", "edit_file"):
                change_rows.append(
                    (turn_id, sim.pk, seq, 0, "edit" if action == "edit_file" else "create",
                     arguments["path"], "", "xlsx", "", f"{turn_id:064x}", 20_000,
                     text.paragraph(400))
                )  # fmt: skip
            if action == "send_message":
                message_rows.append(
                    (sim.pk, turn_id, "outgoing", "Ada", "ada@example.com",
                     json.dumps([{"name": "Grace", "email": "grace@example.com"}]),
                     arguments["subject"], arguments["body"], "[]", "", when, when, seq, True, "{}")
                )  # fmt: skip
            turn_id += 1
            if len(turn_rows) >= 20_000:
                flush()
    flush()
    reset_sequences("simulations_turn", "studio_llmcall")
    return counts


def load_review(sims, turns: int, annotators, rng: random.Random) -> int:
    """Annotations (50 per run, some turns by two annotators), trajectory flags."""
    from simulations.models import Turn
    from simulations.review.models import Label, TrajectoryFlag

    labels = list(Label.objects.order_by("order").values_list("pk", "is_bad"))
    good = [pk for pk, bad in labels if not bad]
    bad = [pk for pk, bad in labels if bad]
    annotation_rows, label_rows = [], []
    annotation_id = 0
    for sim in sims:
        seqs = rng.sample(range(2, turns + 1), min(ANNOTATIONS_PER_RUN * 3 // 4, turns - 1))
        ids = dict(Turn.objects.filter(simulation=sim, seq__in=seqs).values_list("seq", "pk"))
        made = 0
        for seq in seqs:
            people = annotators[:2] if made % 3 == 0 else [rng.choice(annotators)]
            for person in people:
                if made >= ANNOTATIONS_PER_RUN:
                    break
                annotation_id += 1
                made += 1
                when = T0 + dt.timedelta(days=30, minutes=annotation_id)
                annotation_rows.append((annotation_id, ids[seq], sim.pk, person.pk, "", when, when))
                # Bad labels in one run in twenty: most runs export whole.
                flawed = sim.pk % 20 == 0 and rng.random() < 0.2
                label = rng.choice(bad) if flawed else rng.choice(good)
                label_rows.append((annotation_id, label))
    copy_rows(
        "review_turnannotation",
        ("id", "turn_id", "simulation_id", "user_id", "comment", "created_at", "updated_at"),
        annotation_rows,
    )
    copy_rows("review_turnannotation_labels", ("turnannotation_id", "label_id"), label_rows)
    reset_sequences("review_turnannotation")
    flags = []
    for sim in rng.sample(list(sims), max(1, len(sims) // 10)):
        kind = rng.choice(["good", "good", "needs_review", "bad"])
        flags.append(TrajectoryFlag(simulation=sim, user=annotators[0], flag=kind, reason="seen"))
    TrajectoryFlag.objects.bulk_create(flags)
    return len(annotation_rows)


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


def measure(repeat: int, var: Path, turns: int) -> None:
    from django.core.management import call_command
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
        filters=SearchFilters(actor="worker"),
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

    for fmt in ("jsonl", "parquet"):
        out = var / f"export-{fmt}"
        target = out / "all.jsonl" if fmt == "jsonl" else out
        start = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("export_trajectories", "--format", fmt, "--out", str(target), stdout=quiet)
        seconds = time.perf_counter() - start
        manifest = json.loads(
            Path(f"{target}.manifest.json" if fmt == "jsonl" else out / "manifest.json").read_text()
        )
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        rate = len(sims) / seconds
        projected = 1_000 * (2_300 / turns) / rate
        verdict = "ok" if projected <= EXPORT_GOAL_SECONDS else "OVER GOAL"
        print(
            f"export whole corpus as {fmt:8} {seconds:7.1f} s  {rate:6.2f} trajectories/s "
            f"({manifest['written']} written, {manifest['cut']} cut, "
            f"{manifest['messages_total'] / seconds:,.0f} messages/s, "
            f"{size / 2**20 / seconds:5.1f} MiB/s)  -> 1,000 x 2,300 in ~{projected:,.0f} s "
            f"(goal <= {EXPORT_GOAL_SECONDS:.0f} s) {verdict}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--turns", type=int, default=2_300)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database; reuse a kept one")
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    kept = setup(var, args.keep)
    from simulations.models import SimulationBatch, Turn

    try:
        wanted = marker(args.runs, args.turns)
        if kept and SimulationBatch.objects.filter(label=wanted).exists():
            print(f"reusing the kept corpus ({wanted})")
        else:
            if kept:
                sys.exit(f"{DB_NAME} holds another corpus: run once without --keep to rebuild")
            print(f"building {args.runs:,} runs x {args.turns:,} turns …", flush=True)
            start = time.perf_counter()
            for step, seconds in build(args.runs, args.turns).items():
                print(f"  {step:28} {seconds:10.1f} s", flush=True)
            print(f"  {'built in':28} {time.perf_counter() - start:10.1f} s")
        turns_total = Turn.objects.count()
        total = size_report(turns_total)
        per_turn = total / turns_total
        verdict = "ok" if per_turn <= BYTES_PER_TURN_GOAL else "OVER GOAL"
        print(f"{'bytes per turn, all in':44} {per_turn:9.0f}   goal <= 5 KB {verdict}")
        measure(args.repeat, var, args.turns)
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
