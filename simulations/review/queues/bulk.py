"""One label applied to every hit of a search, as one operation that can be undone.

The researcher's own annotation on each hit gains the label (an annotation is created where
they had none). The operation keeps each (annotation, label) pair it added; undo removes exactly
those, and deletes the annotations it created when nothing else was put on them since.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from simulations.review.models import Label, TurnAnnotation
from simulations.review.queues.models import BulkLabelChange, BulkLabelOperation
from simulations.review.search.selectors import SearchFilters, turn_text_search_ids
from simulations.review.services.annotations import label_add

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
    with transaction.atomic():
        operation = BulkLabelOperation.objects.create(
            user=user,
            label=label,
            source={"query": query, "filters": filters.as_dict()},
            matched=len(turn_ids),
        )
        for start in range(0, len(turn_ids), BATCH):
            added = label_add(user=user, label=label, turn_ids=turn_ids[start : start + BATCH])
            BulkLabelChange.objects.bulk_create(
                [
                    BulkLabelChange(
                        operation=operation,
                        annotation_id=a,
                        created_annotation=a in added.created_ids,
                    )
                    for a in added.annotation_ids
                ]
            )
            operation.added += len(added.annotation_ids)
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
