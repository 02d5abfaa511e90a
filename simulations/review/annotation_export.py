"""Annotations as data: one row per (annotation, turn) with its annotator, labels, comment and
times, as JSONL or CSV, streamed. Scope: what the user may see, optionally one queue's items."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from simulations import access
from simulations.review.models import TurnAnnotation

FIELDS = (
    "annotation_id",
    "simulation_id",
    "turn_id",
    "seq",
    "actor",
    "action",
    "annotator",
    "labels",
    "bad",
    "comment",
    "created_at",
    "updated_at",
)
CHUNK = 2_000


def annotation_export_queryset(*, user, queue=None) -> QuerySet[TurnAnnotation]:
    annotations = TurnAnnotation.objects.filter(
        simulation__in=access.visible_simulations(user).values("pk")
    )
    if queue is not None:
        annotations = annotations.filter(
            turn_id__in=queue.items.filter(turn__isnull=False).values("turn_id"),
            user__in=queue.annotators.values("pk"),
        )
    return annotations.select_related("user", "turn")


def annotation_rows(annotations: QuerySet[TurnAnnotation]) -> Iterator[dict[str, Any]]:
    through = TurnAnnotation.labels.through
    last = 0
    while True:  # keyset pages in id order: constant memory, no growing OFFSET
        page = list(
            annotations.filter(pk__gt=last)
            .only(
                "pk", "simulation_id", "comment", "created_at", "updated_at",
                "user__username", "turn__seq", "turn__actor", "turn__action",
            )
            .order_by("pk")[:CHUNK]
        )  # fmt: skip
        if not page:
            return
        last = page[-1].pk
        names: dict[int, list[tuple[str, bool]]] = {}
        for annotation_id, name, bad in (
            through.objects.filter(turnannotation_id__in=[a.pk for a in page])
            .order_by("label__order", "label__name")
            .values_list("turnannotation_id", "label__name", "label__is_bad")
        ):
            names.setdefault(annotation_id, []).append((name, bad))
        for a in page:
            labels = names.get(a.pk, [])
            yield {
                "annotation_id": a.pk,
                "simulation_id": a.simulation_id,
                "turn_id": a.turn_id,
                "seq": a.turn.seq,
                "actor": a.turn.actor,
                "action": a.turn.action,
                "annotator": a.user.get_username(),
                "labels": [name for name, _ in labels],
                "bad": any(bad for _, bad in labels),
                "comment": a.comment,
                "created_at": a.created_at.isoformat(),
                "updated_at": a.updated_at.isoformat(),
            }


def annotations_jsonl(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def annotations_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV with a header; labels joined by "; "."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "labels": "; ".join(row["labels"])})
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
