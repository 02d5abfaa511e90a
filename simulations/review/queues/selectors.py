"""Reads for review queues: a user's queues (the rule: ``review.access``), one queue's progress
and agreement."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from simulations.review import access
from simulations.review.agreement import LabelAgreement, label_agreement
from simulations.review.models import TurnAnnotation
from simulations.review.queues.models import QueueItem, QueueResponse, ReviewQueue


def queue_list(*, user) -> QuerySet[ReviewQueue]:
    """The queues ``user`` built or annotates, newest first."""
    return access.visible_queues(user).select_related("created_by").order_by("-id")


def queue_item_get(*, queue: ReviewQueue, position: int) -> QueueItem | None:
    return (
        queue.items.select_related("simulation", "simulation__computer", "turn")
        .filter(position=position)
        .first()
    )


@dataclass
class AnnotatorProgress:
    username: str
    done: int
    holding: int


@dataclass
class QueueProgress:
    items: int
    complete: int  # items annotated by ``overlap`` annotators
    started: int  # items annotated by at least one
    done_responses: int
    needed_responses: int
    annotators: list[AnnotatorProgress]
    agreement: list[LabelAgreement]

    @property
    def percent(self) -> float:
        return (
            round(100 * self.done_responses / self.needed_responses, 1)
            if self.needed_responses
            else 0.0
        )


def queue_progress(*, queue: ReviewQueue) -> QueueProgress:
    done_per_item = (
        QueueResponse.objects.filter(item__queue=queue, done_at__isnull=False)
        .values("item_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    counts = list(done_per_item)
    per_user = {
        user_id: (done, holding)
        for user_id, done, holding in QueueResponse.objects.filter(item__queue=queue)
        .values_list("user_id")
        .annotate(
            done=Count("pk", filter=Q(done_at__isnull=False)),
            holding=Count("pk", filter=Q(done_at__isnull=True)),
        )
        .order_by()
    }
    users = (
        get_user_model().objects.filter(pk__in=queue.annotators.values("pk")).order_by("username")
    )
    turn_ids = queue.items.filter(turn__isnull=False).values("turn_id")
    annotations = TurnAnnotation.objects.filter(
        turn_id__in=turn_ids, user__in=queue.annotators.values("pk")
    )
    return QueueProgress(
        items=queue.item_count,
        complete=sum(1 for n in counts if n >= queue.overlap),
        started=len(counts),
        done_responses=sum(min(n, queue.overlap) for n in counts),
        needed_responses=queue.item_count * queue.overlap,
        annotators=[
            AnnotatorProgress(u.get_username(), *per_user.get(u.pk, (0, 0))) for u in users
        ],
        agreement=label_agreement(annotations=annotations)
        if queue.kind == ReviewQueue.Kind.TURNS and queue.overlap > 1
        else [],
    )
