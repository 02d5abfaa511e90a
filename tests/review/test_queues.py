"""Review queues (built from a search or filters, sampled with a seed, assigned, served with
overlap, progress and agreement), bulk labels with undo, and the annotations export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from simulations.models import Turn
from simulations.review import access as review_access
from simulations.review.models import TrajectoryFlag, TurnAnnotation
from simulations.review.queues import bulk, services
from simulations.review.queues.models import QueueResponse, ReviewQueue
from simulations.review.queues.selectors import queue_progress
from simulations.review.search.selectors import SearchFilters
from tests.review.conftest import build_simulation, clone_computer

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(computer, user):
    """Two runs of 12 turns; turns 3, 6, 9 and 12 of each mention a heron."""
    sims = [build_simulation(computer, turns=12, user=user) for _ in range(2)]
    for sim in sims:
        Turn.objects.filter(simulation=sim, seq__in=[3, 6, 9, 12]).update(
            reasoning="I saw a heron in the budget."
        )
    return sims


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user("carol", password="pw-carol-123456")


def _queue(user, annotators, **kwargs):
    defaults = {"name": "herons", "kind": "turns", "query": "heron", "filters": SearchFilters()}
    return services.queue_create(user=user, annotators=annotators, **(defaults | kwargs))


def test_a_queue_is_its_builders_and_its_annotators(corpus, client, user, carol, other_user):
    queue = _queue(user, [carol])
    for who, sees in [(user, True), (carol, True), (other_user, False)]:
        assert (queue in review_access.visible_queues(who)) is sees
        assert (review_access.queue_get(user=who, pk=queue.pk) is not None) is sees
        client.force_login(who)
        assert client.get(reverse("review-queue", args=[queue.pk])).status_code == (
            200 if sees else 404
        )


def test_a_queue_from_a_search_holds_every_hit(corpus, user):
    queue = _queue(user, [user])
    items = list(queue.items.order_by("position"))
    assert queue.item_count == len(items) == 8
    assert {i.turn.seq for i in items} == {3, 6, 9, 12}
    assert all(i.simulation_id == i.turn.simulation_id for i in items)
    assert queue.source == {"query": "heron", "filters": {}}


def test_a_seeded_sample_is_reproducible(corpus, user):
    a = _queue(user, [user], sample_size=3, seed=7)
    b = _queue(user, [user], sample_size=3, seed=7)
    c = _queue(user, [user], sample_size=3, seed=8)
    turns = [
        list(q.items.order_by("position").values_list("turn_id", flat=True)) for q in (a, b, c)
    ]
    assert len(turns[0]) == 3 and turns[0] == turns[1]
    assert turns[0] != turns[2] or set(turns[0]) != set(turns[2])


def test_a_queue_of_trajectories_from_filters(corpus, computer_template, user, other_user):
    private = clone_computer(computer_template, owner=other_user, shared=False)
    build_simulation(private, turns=3, user=other_user)  # not visible to user
    queue = _queue(
        user, [user], kind="trajectories", query="", filters=SearchFilters(signal="loop")
    )
    assert sorted(queue.items.values_list("simulation_id", flat=True)) == [s.pk for s in corpus]
    assert not queue.items.filter(turn__isnull=False).exists()
    by_search = _queue(user, [user], kind="trajectories")
    assert by_search.item_count == 2


def test_bad_queues_are_clear_errors(corpus, user, carol):
    with pytest.raises(services.QueueError, match="annotator"):
        _queue(user, [])
    with pytest.raises(services.QueueError, match="between 1 and 1"):
        _queue(user, [user], overlap=2)
    with pytest.raises(services.QueueError, match="nothing matches"):
        _queue(user, [user], query="zeppelin")
    assert ReviewQueue.objects.count() == 0


def test_next_item_with_overlap_and_progress(corpus, user, carol, other_user, labels):
    queue = _queue(user, [user, carol, other_user], overlap=2, sample_size=3, seed=1)
    first = services.queue_next_item(queue=queue, user=user)
    assert first.position == 1
    # Until they submit, they hold it.
    assert services.queue_next_item(queue=queue, user=user) == first
    assert services.queue_next_item(queue=queue, user=carol) == first  # the second place
    # Two hold item 1: the third annotator starts on item 2.
    assert services.queue_next_item(queue=queue, user=other_user).position == 2
    services.queue_item_complete(item=first, user=user)
    assert services.queue_next_item(queue=queue, user=user).position == 2
    services.queue_item_complete(item=first, user=carol)
    progress = queue_progress(queue=queue)
    assert (progress.items, progress.complete, progress.started) == (3, 1, 1)
    assert (progress.done_responses, progress.needed_responses) == (2, 6)
    assert {a.username: (a.done, a.holding) for a in progress.annotators} == {
        "ada": (1, 1),
        "bob": (0, 1),
        "carol": (1, 0),
    }
    # Everyone finishes: nothing left for anyone, and no item got a third annotator.
    for person in (user, carol, other_user):
        while (item := services.queue_next_item(queue=queue, user=person)) is not None:
            services.queue_item_complete(item=item, user=person)
    progress = queue_progress(queue=queue)
    assert (progress.complete, progress.done_responses) == (3, 6)
    assert not QueueResponse.objects.filter(item__queue=queue, done_at__isnull=True).exists()
    per_item = [q.responses.count() for q in queue.items.all()]
    assert per_item == [2, 2, 2]


def test_only_annotators_are_served(corpus, user, carol):
    queue = _queue(user, [user])
    with pytest.raises(services.QueueError, match="not an annotator"):
        services.queue_next_item(queue=queue, user=carol)


def test_agreement_over_a_queue(corpus, user, carol, labels):
    queue = _queue(user, [user, carol], overlap=2)
    loop = labels["loop or repetition"]
    for item in queue.items.all():
        for person in (user, carol):
            annotation = TurnAnnotation.objects.create(
                turn=item.turn, simulation_id=item.simulation_id, user=person
            )
            if item.turn.seq in (3, 6):
                annotation.labels.add(loop)
    agreement = {a.label.name: a for a in queue_progress(queue=queue).agreement}
    assert agreement["loop or repetition"].kappa == 1.0
    assert agreement["loop or repetition"].table.n == 8


def test_bulk_label_and_undo(corpus, user, labels):
    loop, good = labels["loop or repetition"], labels["good example"]
    turn3 = Turn.objects.get(simulation=corpus[0], seq=3)
    turn2 = Turn.objects.get(simulation=corpus[0], seq=2)
    # A hand-made annotation on a hit, already carrying the label, and one off the search.
    mine = TurnAnnotation.objects.create(
        turn=turn3, simulation=corpus[0], user=user, comment="by hand"
    )
    mine.labels.add(loop, good)
    TurnAnnotation.objects.create(turn=turn2, simulation=corpus[0], user=user).labels.add(loop)
    operation = bulk.bulk_label_apply(user=user, label=loop, query="heron", filters=SearchFilters())
    assert (operation.matched, operation.added) == (8, 7)
    labelled = TurnAnnotation.objects.filter(user=user, labels=loop)
    assert labelled.count() == 9
    removed = bulk.bulk_label_undo(operation=operation, user=user)
    assert removed == 7
    # Exactly what was there before: the hand-made annotations, untouched.
    assert {(a.turn_id, a.comment) for a in TurnAnnotation.objects.filter(user=user)} == {
        (turn3.pk, "by hand"),
        (turn2.pk, ""),
    }
    assert set(mine.labels.values_list("name", flat=True)) == {loop.name, good.name}
    with pytest.raises(bulk.BulkLabelError, match="already undone"):
        bulk.bulk_label_undo(operation=operation, user=user)


def test_bulk_label_through_the_pages(corpus, auth_client, user, other_user, labels):
    loop = labels["loop or repetition"]
    response = auth_client.post(
        reverse("review-bulk-label"), {"label": loop.pk, "query_string": "q=heron&actor=worker"}
    )
    assert response.status_code == 302 and "q=heron" in response["Location"]
    assert TurnAnnotation.objects.filter(user=user, labels=loop).count() == 8
    operation = user.bulk_labels.get()
    page = auth_client.get(reverse("review-queue-list"))
    assert f'data-operation="{operation.pk}"'.encode() in page.content
    # Someone else cannot undo it.
    auth_client.force_login(other_user)
    url = reverse("review-bulk-label-undo", args=[operation.pk])
    assert auth_client.post(url).status_code == 404
    auth_client.force_login(user)
    assert auth_client.get(url).status_code == 405
    assert auth_client.post(url).status_code == 302
    assert not TurnAnnotation.objects.filter(user=user).exists()
    # A bad query string is a message, not an error page.
    response = auth_client.post(
        reverse("review-bulk-label"), {"label": loop.pk, "query_string": "q=%22%22\n"}
    )
    assert response.status_code == 302


def test_annotations_export(corpus, auth_client, user, carol, labels):
    queue = _queue(user, [user, carol], overlap=2)
    item = queue.items.order_by("position").first()
    annotation = TurnAnnotation.objects.create(
        turn=item.turn, simulation_id=item.simulation_id, user=carol, comment='says "hi", twice'
    )
    annotation.labels.add(labels["loop or repetition"], labels["good example"])
    outside = Turn.objects.get(simulation=corpus[1], seq=1)
    TurnAnnotation.objects.create(turn=outside, simulation=corpus[1], user=user, comment="x")
    response = auth_client.get(reverse("review-queue-annotations", args=[queue.pk, "jsonl"]))
    assert response.status_code == 200
    rows = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert row["annotator"] == "carol" and row["comment"] == 'says "hi", twice'
    assert sorted(row["labels"]) == ["good example", "loop or repetition"]
    assert row["bad"] is True
    assert (row["simulation_id"], row["seq"]) == (item.simulation_id, item.turn.seq)
    assert row["created_at"] == annotation.created_at.isoformat()
    response = auth_client.get(reverse("review-annotations-export", args=["csv"]))
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {(r["annotator"], r["comment"]) for r in table} == {
        ("carol", 'says "hi", twice'),
        ("ada", "x"),
    }
    assert auth_client.get("/review/annotations.exe").status_code == 404


def test_annotating_from_the_queue_pages(corpus, auth_client, user, carol, labels):
    create = auth_client.get(reverse("review-queue-create"), {"q": "heron", "actor": "worker"})
    assert create.status_code == 200 and b'value="heron"' in create.content
    response = auth_client.post(
        reverse("review-queue-create"),
        {"name": "first pass", "kind": "turns", "q": "heron", "overlap": 1,
         "annotators": [user.pk, carol.pk], "sample_size": 2, "seed": 3},
    )  # fmt: skip
    queue = ReviewQueue.objects.get()
    assert response["Location"] == reverse("review-queue", args=[queue.pk])
    assert auth_client.get(response["Location"]).status_code == 200
    response = auth_client.get(reverse("review-queue-next", args=[queue.pk]))
    assert response["Location"] == reverse("review-queue-item", args=[queue.pk, 1])
    item_url = response["Location"]
    assert auth_client.get(item_url).status_code == 200
    loop = labels["loop or repetition"]
    response = auth_client.post(
        item_url, {"labels": [loop.pk], "comment": "again", "flag": "needs_review"}
    )
    assert response["Location"] == reverse("review-queue-next", args=[queue.pk])
    item = queue.items.get(position=1)
    annotation = TurnAnnotation.objects.get(turn=item.turn, user=user)
    assert (list(annotation.labels.all()), annotation.comment) == ([loop], "again")
    assert TrajectoryFlag.objects.get(simulation=item.simulation, user=user).flag == "needs_review"
    assert QueueResponse.objects.get(item=item, user=user).done_at is not None
    # A bad flag (bad without a reason) keeps the item open and says why.
    second = reverse("review-queue-item", args=[queue.pk, 2])
    response = auth_client.post(second, {"flag": "bad"})
    assert response.status_code == 400 and b"say why" in response.content
    # Someone with no part in the queue does not see it.
    auth_client.force_login(type(user).objects.create_user("mallory", password="pw-mallory-12345"))
    assert auth_client.get(reverse("review-queue", args=[queue.pk])).status_code == 404
    assert auth_client.get(item_url).status_code == 404


def test_trajectory_items_set_the_flag(corpus, auth_client, user):
    queue = _queue(user, [user], kind="trajectories")
    url = reverse("review-queue-item", args=[queue.pk, 1])
    assert b"deliverables submitted" in auth_client.get(url).content
    auth_client.post(url, {"flag": "good"})
    sim = queue.items.get(position=1).simulation
    assert TrajectoryFlag.objects.get(simulation=sim, user=user).flag == "good"
