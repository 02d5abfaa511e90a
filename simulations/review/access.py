"""Who may do what in review, each rule written once. Which simulations, turns and
annotations a user sees is ``simulations.access`` (a simulation's rule covers them).

A review queue is seen by who built it and by its annotators. A label is lab-wide: renaming
it or marking it bad changes what every export cuts, so only staff or the user who made it
may change it (anyone may add one).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from simulations.review.models import Label
from simulations.review.queues.models import ReviewQueue


def visible_queues(user) -> QuerySet[ReviewQueue]:
    if not getattr(user, "is_authenticated", False):
        return ReviewQueue.objects.none()
    return ReviewQueue.objects.filter(Q(created_by=user) | Q(annotators=user)).distinct()


def queue_get(*, user, pk: int) -> ReviewQueue | None:
    return visible_queues(user).select_related("created_by").filter(pk=pk).first()


def label_editable(*, label: Label, user) -> bool:
    return bool(user.is_staff or (label.created_by_id and label.created_by_id == user.pk))
