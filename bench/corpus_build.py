"""Building the corpus of bench/corpus.py: computers, runs, turns, mail, file changes, call
records, annotations and flags, loaded with COPY on PostgreSQL (see bench/corpus.py)."""

from __future__ import annotations

import datetime as dt
import json
import random
import time

from browse import WORDS  # bench/ is on the path

ANNOTATIONS_PER_RUN = 50
FILES_PER_COMPUTER = 110
RARE_WORD = "quetzalcoatl"  # in about one turn in 20,000
COMMON_WORD = "budget"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OFFICE = [*WORDS, "workbook", "slide", "memo"]  # the browse bench's office vocabulary
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

    with conn.cursor() as cursor:  # a GIN build sorts in memory: give it room
        cursor.execute("SET maintenance_work_mem = '512MB'")
    with conn.schema_editor(atomic=False) as editor:
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
    from corpus_calls import RunCalls  # bench/ is on the path

    from studio.models import LLMCall

    names, weights = zip(*ACTIONS, strict=True)
    turn_id = 1
    call_id = LLMCall.objects.order_by("-id").values_list("id", flat=True).first() or 0
    turn_rows, change_rows, message_rows, call_rows = [], [], [], []
    counts = dict.fromkeys(("turns", "file changes", "messages", "call records"), 0)

    def flush() -> None:
        counts["call records"] += copy_rows(
            "studio_llmcall",
            ("id", "role", "model", "backend", "schema", "prompt_tokens", "completion_tokens",
             "cost_usd", "latency_ms", "outcome", "error", "simulation_id", "created_at",
             "attempts", "cached_tokens", "reasoning_tokens", "tokens_estimated", "request_body",
             "request_base", "request_root", "request_prefix", "request_suffix", "response_body"),
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
        calls = RunCalls(sim.pk, text, rng)
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
            if actor == "system":
                calls.event(observation)
            else:
                call_id += 1
                llm = call_id
                if actor == "worker":
                    bodies = calls.worker_call(call_id, seq, action, arguments, reasoning,
                                               observation)  # fmt: skip
                else:
                    bodies = calls.collaborator_call(call_id, seq, reasoning)
                call_rows.append(
                    (call_id, actor, "gpt-5-mini", "bench", "", 9_000, 300, 0.002, 2_000, "ok",
                     "", sim.pk, when, "[]", 0, 0, False, *bodies)
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
