"""What the export reads for a batch of simulations (simulations/review/export.py shapes it
into records): their turns from one query, streamed in (simulation, seq) order as rows rather
than model instances, and everything else a record needs from one query each."""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby, islice
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from django.db.models import OuterRef, Subquery

from simulations.models import Objective, Signal, Simulation, Turn
from simulations.review.models import TrajectoryFlag, TurnAnnotation
from studio.llm import bodies
from studio.models import LLMCall

TURN_CHUNK = 2000


class TurnRow(SimpleNamespace):
    """The columns of a turn the export reads (``TURN_FIELDS``), without a model instance per
    turn; ``memory.history_messages`` renders it as it renders a Turn."""


TURN_FIELDS = (
    "simulation_id",
    "seq",
    "actor",
    "actor_name",
    "action",
    "arguments",
    "raw_arguments",
    "tool_call_id",
    "observation",
    "reasoning",
    "error",
    "is_retry",
    "sim_time",
    "sim_minutes",
    "prompt_tokens",
    "completion_tokens",
    "signals",
)


@dataclass
class Batch:
    """What the records of a batch of simulations need besides their turns, one query each,
    keyed by simulation id."""

    labels: dict[int, dict[int, list[str]]]  # label names per turn seq
    first_bad: dict[int, int]  # the first seq carrying a bad label
    requests: dict[int, Any]  # the worker's first logged model call
    objectives: dict[int, list[Objective]]
    models: dict[int, dict[str, list[dict[str, str]]]]
    signals: dict[int, list[dict[str, Any]]]
    flags: dict[int, list[str]]


def batch_read(sims: list[Simulation]) -> Batch:
    """``sims`` annotated with ``first_worker_call``."""
    ids = [sim.pk for sim in sims]
    labels: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    first_bad: dict[int, int] = {}
    for sim_id, seq, name, is_bad in (
        TurnAnnotation.labels.through.objects.filter(turnannotation__simulation_id__in=ids)
        .values_list("turnannotation__simulation_id", "turnannotation__turn__seq", "label__name",
                     "label__is_bad")
        .order_by("id")
    ):  # fmt: skip
        if name not in labels[sim_id][seq]:
            labels[sim_id][seq].append(name)
        if is_bad and seq < first_bad.get(sim_id, seq + 1):
            first_bad[sim_id] = seq
    call_ids = [sim.first_worker_call for sim in sims if sim.first_worker_call]
    by_call = {c.pk: c.request for c in bodies.read(LLMCall.objects.filter(pk__in=call_ids))}
    objectives: dict[int, list[Objective]] = defaultdict(list)
    for o in (
        Objective.objects.filter(simulation_id__in=ids)
        .prefetch_related("rubric", "deliverables")
        .order_by("simulation_id", "order")
    ):
        objectives[o.simulation_id].append(o)
    models: dict[int, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for sim_id, role, model, backend in (
        LLMCall.objects.filter(simulation_id__in=ids)
        .values_list("simulation_id", "role", "model", "backend")
        .distinct()
        .order_by("simulation_id", "role", "model", "backend")
    ):
        models[sim_id][role].append({"model": model, "backend": backend})
    signals: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for sim_id, kind, severity, message, seq in (
        Signal.objects.filter(simulation_id__in=ids)
        .order_by("id")
        .values_list("simulation_id", "kind", "severity", "message", "turn__seq")
    ):
        signals[sim_id].append({"kind": kind, "severity": severity, "message": message, "seq": seq})
    flags: dict[int, list[str]] = defaultdict(list)
    for sim_id, flag in TrajectoryFlag.objects.filter(simulation_id__in=ids).values_list(
        "simulation_id", "flag"
    ):
        flags[sim_id].append(flag)
    return Batch(
        labels=labels,
        first_bad=first_bad,
        requests={sim.pk: by_call.get(sim.first_worker_call) for sim in sims},
        objectives=objectives,
        models=models,
        signals=signals,
        flags=flags,
    )


def first_worker_call() -> Subquery:
    """The id of a simulation's first logged worker call, to annotate simulations with."""
    return Subquery(
        Turn.objects.filter(
            simulation=OuterRef("pk"), actor=Turn.Actor.WORKER, llm_call_id__isnull=False
        )
        .order_by("seq")
        .values("llm_call_id")[:1]
    )


def turns_by_simulation(ids: list[int]) -> Iterator[tuple[int, Iterator[TurnRow]]]:
    """The turns of ``ids`` in one query, streamed in (simulation, seq) order and grouped."""
    if not ids:
        return iter(())
    rows = (
        Turn.objects.filter(simulation_id__in=ids)
        .order_by("simulation_id", "seq")
        .values_list(*TURN_FIELDS)
        .iterator(chunk_size=TURN_CHUNK)
    )
    turns = (
        TurnRow(**dict(zip(TURN_FIELDS, row, strict=True))) for row in read_ahead(rows, TURN_CHUNK)
    )
    return groupby(turns, key=attrgetter("simulation_id"))


def read_ahead(rows: Iterator[Any], chunk: int, depth: int = 2) -> Iterator[Any]:
    """``rows``, with the next ``depth`` chunks read by a thread while these are used: the
    database sends rows while Python builds records, two cores instead of one in turn.

    The query runs here, on this thread's connection (a transaction's rows are seen); the
    thread only fetches more from its open cursor. It stops when the reader does."""
    first = list(islice(rows, chunk))
    if len(first) < chunk:
        yield from first
        return
    chunks: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            while block := list(islice(rows, chunk)):
                if not offer(block):
                    return
        except BaseException as exc:  # raised again in the reader, which would wait for ever
            offer(exc)
            return
        offer(None)

    thread = threading.Thread(target=fetch, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        yield from first
        while (block := chunks.get()) is not None:
            if isinstance(block, BaseException):
                raise block
            yield from block
    finally:
        stop.set()
        thread.join()
        close = getattr(rows, "close", None)
        if close:
            close()  # the server-side cursor, once the thread is done with it
