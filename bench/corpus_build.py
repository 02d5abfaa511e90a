"""Building the corpus of bench/corpus.py: computers, runs, turns, mail, file changes, call
records, annotations and flags, loaded with COPY on PostgreSQL (see bench/corpus.py); the turns
are bench/corpus_turns.py's, their text bench/corpus_text.py's."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator

from corpus_text import OFFICE, T0, Text  # bench/ is on the path
from corpus_turns import copy_rows, load_turns, reset_sequences

ANNOTATIONS_PER_RUN = 50
FILES_PER_COMPUTER = 110


def marker(runs: int, turns: int) -> str:
    return f"bench-corpus runs={runs} turns={turns}"


# -- building -------------------------------------------------------------------------------


def build(runs: int, turns: int) -> Iterator[tuple[str, float]]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from simulations.models import Simulation, SimulationBatch
    from simulations.review.search import index as search_index
    from studio.models import Computer, Persona, PersonaPool

    rng = random.Random(2026)
    text = Text(rng)
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
    yield "computers and file index", time.perf_counter() - start

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
    counts = load_turns(sims, turns, text)
    yield "turns, mail, file changes, calls", time.perf_counter() - start

    start = time.perf_counter()
    counts["annotations"] = load_review(sims, turns, annotators, rng)
    yield "annotations and flags", time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:  # statistics for the exports' plans (no index yet)
        cursor.execute("ANALYZE")
    yield "analyze", time.perf_counter() - start
    batch.label = marker(len(sims), turns)
    batch.size = len(sims)
    batch.save(update_fields=["label", "size"])
    for what, n in counts.items():
        print(f"  {what:28} {n:>12,}")


def build_search_index() -> float:
    """The GIN index over every turn, built once after the load (as for a bulk import), on
    this thread's own connection; then VACUUM ANALYZE. Returns the index's seconds."""
    from django.db import connection

    from simulations.models import Turn
    from simulations.review.search import index as search_index

    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            # A GIN build sorts its entries in memory and merges each spill into the index:
            # room for them all keeps it one pass. Not concurrently: nothing else writes.
            cursor.execute("SET maintenance_work_mem = '2GB'")
            with connection.schema_editor(atomic=False) as editor:
                editor.execute(search_index.pg_index().create_sql(Turn, editor))
        seconds = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        return seconds
    finally:
        connection.close()


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
