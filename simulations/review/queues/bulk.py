"""One label applied to every hit of a search, as one operation that can be undone.

The researcher's own annotation on each hit gains the label (an annotation is created where
they had none). The operation keeps each (annotation, label) pair it added; undo removes exactly
those, and deletes the annotations it created when nothing else was put on them since.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from simulations.models import Turn
from simulations.review.models import Label, TurnAnnotation
from simulations.review.queues.models import BulkLabelChange, BulkLabelOperation
from simulations.review.search.selectors import SearchFilters, turn_text_search_ids

BULK_LIMIT = 10_000
BATCH = 1_000


class BulkLabelError(ValueError):
    """A bulk label that cannot be applied or undone; the message is shown."""


def bulk_label_apply(
    *, user, label: Label, query: str, filters: SearchFilters
) -> BulkLabelOperation:
    if not label.active:
        raise BulkLabelError(f"the label “{label.name}” is archived")
    turn_ids = turn_text_search_ids(user=user, query=query, filters=filters, limit=BULK_LIMIT)
    through = TurnAnnotation.labels.through
    with transaction.atomic():
        operation = BulkLabelOperation.objects.create(
            user=user,
            label=label,
            source={"query": query, "filters": filters.as_dict()},
            matched=len(turn_ids),
        )
        for start in range(0, len(turn_ids), BATCH):
            batch = turn_ids[start : start + BATCH]
            existing = dict(
                TurnAnnotation.objects.filter(user=user, turn_id__in=batch).values_list(
                    "turn_id", "pk"
                )
            )
            sims = dict(Turn.objects.filter(pk__in=batch).values_list("pk", "simulation_id"))
            created = TurnAnnotation.objects.bulk_create(
                [
                    TurnAnnotation(turn_id=t, simulation_id=sims[t], user=user)
                    for t in batch
                    if t not in existing
                ]
            )
            created_ids = {a.pk for a in created}
            annotation_ids = [*existing.values(), *created_ids]
            labelled = set(
                through.objects.filter(
                    turnannotation_id__in=annotation_ids, label=label
                ).values_list("turnannotation_id", flat=True)
            )
            adding = [a for a in annotation_ids if a not in labelled]
            through.objects.bulk_create(
                [through(turnannotation_id=a, label_id=label.pk) for a in adding]
            )
            BulkLabelChange.objects.bulk_create(
                [
                    BulkLabelChange(
                        operation=operation, annotation_id=a, created_annotation=a in created_ids
                    )
                    for a in adding
                ]
            )
            operation.added += len(adding)
        operation.save(update_fields=["added"])
    return operation


def bulk_label_undo(*, operation: BulkLabelOperation, user) -> int:
    """Take back what ``operation`` added; returns how many labels were removed."""
    if operation.user_id != user.pk:
        raise BulkLabelError("only who applied a bulk label can undo it")
    if operation.undone_at is not None:
        raise BulkLabelError("this bulk label was already undone")
    through = TurnAnnotation.labels.through
    with transaction.atomic():
        changes = operation.changes.all()
        removed, _ = through.objects.filter(
            turnannotation_id__in=changes.values("annotation_id"), label_id=operation.label_id
        ).delete()
        # Annotations the operation created and that are empty again go too.
        TurnAnnotation.objects.filter(
            pk__in=changes.filter(created_annotation=True).values("annotation_id"),
            comment="",
            labels__isnull=True,
        ).delete()
        operation.undone_at = timezone.now()
        operation.save(update_fields=["undone_at"])
    return removed
