"""Building review queues and serving their items to annotators."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from simulations import access
from simulations.models import Turn
from simulations.review.queues.models import QueueItem, QueueResponse, ReviewQueue
from simulations.review.search.selectors import (
    SearchError,
    SearchFilters,
    filtered_turns,
    turn_text_search_ids,
)

SOURCE_LIMIT = 100_000  # matches a queue may be drawn from
QUEUE_LIMIT = 20_000  # items a queue may hold
CLAIM_MINUTES = 30
ID_BATCH = 5_000  # ids per IN (...): SQLite takes at most 32,766 parameters


class QueueError(ValueError):
    """A queue that cannot be built or served; the message is shown to the researcher."""


def _source_pairs(*, user, kind: str, query: str, filters: SearchFilters) -> list[tuple[int, int]]:
    """(simulation id, turn id or 0) of everything the search or filter selects, in id order."""
    turns = filtered_turns(user=user, filters=filters).order_by()
    if query:
        try:
            ids = turn_text_search_ids(user=user, query=query, filters=filters, limit=SOURCE_LIMIT)
        except SearchError as exc:
            raise QueueError(str(exc)) from exc
        pairs = [
            (sim_id, turn_id)
            for start in range(0, len(ids), ID_BATCH)
            for turn_id, sim_id in Turn.objects.filter(
                pk__in=ids[start : start + ID_BATCH]
            ).values_list("pk", "simulation_id")
        ]
        if kind == ReviewQueue.Kind.TRAJECTORIES:
            return [(sim_id, 0) for sim_id in sorted({sim_id for sim_id, _ in pairs})]
        return sorted(pairs, key=lambda pair: pair[1])
    if kind == ReviewQueue.Kind.TRAJECTORIES:
        sims = access.visible_simulations(user).filter(pk__in=turns.values("simulation_id"))
        return [(pk, 0) for pk in sims.order_by("pk").values_list("pk", flat=True)[:SOURCE_LIMIT]]
    pairs = list(turns.order_by("pk").values_list("simulation_id", "pk")[: SOURCE_LIMIT + 1])
    if len(pairs) > SOURCE_LIMIT:
        raise QueueError(f"more than {SOURCE_LIMIT:,} turns match: narrow the search")
    return pairs


def queue_create(
    *,
    user,
    name: str,
    kind: str,
    query: str,
    filters: SearchFilters,
    annotators: list,
    overlap: int = 1,
    sample_size: int | None = None,
    seed: int = 0,
) -> ReviewQueue:
    """A queue of the matches (or a seeded sample of them) for ``annotators``."""
    if kind not in ReviewQueue.Kind.values:
        raise QueueError("a queue holds turns or whole trajectories")
    if not annotators:
        raise QueueError("assign at least one annotator")
    if not 1 <= overlap <= len(annotators):
        raise QueueError(f"annotators per item is between 1 and {len(annotators)} (those assigned)")
    pairs = _source_pairs(user=user, kind=kind, query=query.strip(), filters=filters)
    if not pairs:
        raise QueueError("nothing matches this search and these filters")
    if sample_size is not None:
        if sample_size < 1:
            raise QueueError("a sample holds at least one item")
        pairs = random.Random(seed).sample(pairs, min(sample_size, len(pairs)))
    if len(pairs) > QUEUE_LIMIT:
        raise QueueError(
            f"{len(pairs):,} items match; a queue holds at most {QUEUE_LIMIT:,}: take a sample"
        )
    with transaction.atomic():
        queue = ReviewQueue.objects.create(
            name=name.strip() or f"Queue of {len(pairs)} {kind}",
            kind=kind,
            source={"query": query.strip(), "filters": filters.as_dict()},
            sample_size=sample_size,
            seed=seed,
            overlap=overlap,
            created_by=user,
            item_count=len(pairs),
        )
        queue.annotators.set(annotators)
        QueueItem.objects.bulk_create(
            [
                QueueItem(queue=queue, position=n, simulation_id=sim_id, turn_id=turn_id or None)
                for n, (sim_id, turn_id) in enumerate(pairs, start=1)
            ],
            batch_size=2_000,
        )
    return queue


def _claim_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=CLAIM_MINUTES)


def queue_next_item(*, queue: ReviewQueue, user) -> QueueItem | None:
    """The item ``user`` should annotate next: the one they hold, else the first item that
    still needs an annotator and that they have not seen. None when their part is done."""
    if not queue.annotators.filter(pk=user.pk).exists():
        raise QueueError("you are not an annotator of this queue")
    visible = access.visible_simulations(user).values("pk")
    items = QueueItem.objects.filter(queue=queue, simulation__in=visible)
    held = (
        items.filter(responses__user=user, responses__done_at__isnull=True)
        .order_by("position")
        .first()
    )
    if held is not None:
        return held
    taken = (
        QueueResponse.objects.filter(item=OuterRef("pk"))
        .filter(Q(done_at__isnull=False) | Q(claimed_at__gte=_claim_cutoff()))
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    with transaction.atomic():
        item = (
            items.filter(~Exists(QueueResponse.objects.filter(item=OuterRef("pk"), user=user)))
            .annotate(taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0))
            .filter(taken__lt=queue.overlap)
            .order_by("position")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if item is not None:
            QueueResponse.objects.create(item=item, user=user, claimed_at=timezone.now())
    return item


def queue_item_complete(*, item: QueueItem, user) -> QueueResponse:
    now = timezone.now()
    response, _ = QueueResponse.objects.update_or_create(
        item=item,
        user=user,
        defaults={"done_at": now},
        create_defaults={"claimed_at": now, "done_at": now},
    )
    return response


def queue_item_release(*, item: QueueItem, user) -> None:
    """Give back an item without annotating it (someone else may take it)."""
    QueueResponse.objects.filter(item=item, user=user, done_at__isnull=True).delete()
