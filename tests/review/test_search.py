"""Full-text search across turns, on whichever database the run uses (SQLite FTS5 by default,
PostgreSQL's GIN index with DATABASE_URL): matches in every text field, ranking, snippets,
filters, visibility, the index following inserts, edits and deletes, and hostile input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from simulations.models import Turn
from simulations.review.models import TrajectoryFlag, TurnAnnotation
from simulations.review.search.selectors import (
    CANDIDATES,
    SearchError,
    SearchFilters,
    turn_text_search,
    turn_text_search_ids,
)
from tests.review.conftest import T0, build_simulation, clone_computer

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"',
    '""',
    "'",
    "AND",
    "OR NOT",
    "a AND (b",
    "NEAR(x y)",
    "reasoning:foo",
    "^start",
    "*",
    "x*",
    "-",
    "--",
    "'; DROP TABLE simulations_turn; --",
    "\\",
    "{}[]()",
    "😀 ünïcödé",
    "a\x00b",
    ":",
    "!!!",
]


def _turn(sim, seq, **fields) -> Turn:
    return Turn.objects.create(
        simulation=sim, seq=seq, actor=fields.pop("actor", Turn.Actor.WORKER), sim_time=T0, **fields
    )


@pytest.fixture
def sim(computer, user):
    return build_simulation(computer, turns=4, user=user)


def search(user, query, **filters):
    return turn_text_search(user=user, query=query, filters=SearchFilters(**filters))


def test_matches_in_every_text_field_with_a_link_and_a_snippet(sim, user):
    _turn(sim, 10, reasoning="The variance in the quarterly forecast worries me.")
    _turn(sim, 11, action="send_message", arguments={"subject": "Rota", "body": "Zanzibar plan"})
    _turn(sim, 12, observation="File saved: Documents/kestrel-budget.xlsx")
    _turn(sim, 13, error="PermissionError: kestrel is read only")
    assert [h.turn.seq for h in search(user, "quarterly forecasts").hits] == [10]  # stemmed
    assert [h.turn.seq for h in search(user, "zanzibar").hits] == [11]
    assert sorted(h.turn.seq for h in search(user, "kestrel").hits) == [12, 13]
    hit = search(user, "variance").hits[0]
    assert "<mark>variance</mark>" in hit.snippet.lower()
    assert hit.turn.simulation_id == sim.pk


def test_ranking_puts_the_denser_match_first(sim, user):
    _turn(sim, 10, observation="audit " + "filler words here " * 30)
    _turn(sim, 11, observation="audit audit audit: the audit of the audit trail")
    assert [h.turn.seq for h in search(user, "audit").hits] == [11, 10]


def test_phrases_and_all_words(sim, user):
    _turn(sim, 10, reasoning="the staffing plan for the ward")
    _turn(sim, 11, reasoning="plan the staffing of the ward")
    assert [h.turn.seq for h in search(user, '"staffing plan"').hits] == [10]
    assert sorted(h.turn.seq for h in search(user, "staffing ward").hits) == [10, 11]
    assert search(user, "staffing zebra").hits == []


def test_snippets_escape_the_turns_own_html(sim, user):
    _turn(sim, 10, observation="<script>alert('pelican')</script> pelican")
    snippet = str(search(user, "pelican").hits[0].snippet)
    assert "<script>" not in snippet and "</script>" not in snippet
    assert "script" in snippet  # shown as text (escaped; PostgreSQL shows its parsed text)
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 1


def test_the_index_follows_inserts_edits_and_deletes(sim, user):
    turn = _turn(sim, 10, reasoning="osprey")
    assert [h.turn.pk for h in search(user, "osprey").hits] == [turn.pk]
    Turn.objects.filter(pk=turn.pk).update(reasoning="heron")
    assert search(user, "osprey").hits == []
    assert [h.turn.pk for h in search(user, "heron").hits] == [turn.pk]
    turn.delete()
    assert search(user, "heron").hits == []


def test_only_what_the_user_may_see(computer_template, sim, user, other_user):
    private = clone_computer(computer_template, owner=other_user, shared=False)
    hidden = build_simulation(private, turns=2, user=other_user)
    _turn(hidden, 10, reasoning="albatross")
    _turn(sim, 10, reasoning="albatross")
    assert [h.turn.simulation_id for h in search(user, "albatross").hits] == [sim.pk]
    assert {h.turn.simulation_id for h in search(other_user, "albatross").hits} == {
        sim.pk,
        hidden.pk,
    }
    assert turn_text_search_ids(
        user=user, query="albatross", filters=SearchFilters(), limit=10
    ) == [Turn.objects.get(simulation=sim, seq=10).pk]


def test_filters(sim, user, labels):
    a = _turn(sim, 10, reasoning="cormorant", action="read_file", signals=["loop"])
    b = _turn(sim, 11, reasoning="cormorant", actor=Turn.Actor.COLLABORATOR, action="compose_reply")
    annotation = TurnAnnotation.objects.create(turn=a, simulation=sim, user=user)
    annotation.labels.add(labels["loop or repetition"])
    assert [h.turn.pk for h in search(user, "cormorant", action="read_file").hits] == [a.pk]
    assert [h.turn.pk for h in search(user, "cormorant", actor="collaborator").hits] == [b.pk]
    label = labels["loop or repetition"].pk
    assert [h.turn.pk for h in search(user, "cormorant", label=label).hits] == [a.pk]
    assert [h.turn.pk for h in search(user, "cormorant", signal="loop").hits] == [a.pk]
    assert len(search(user, "cormorant", flag="unflagged").hits) == 2
    assert search(user, "cormorant", flag="good").hits == []
    TrajectoryFlag.objects.create(simulation=sim, user=user, flag="good")
    assert len(search(user, "cormorant", flag="good").hits) == 2
    assert len(search(user, "cormorant", computer=sim.computer_id).hits) == 2
    assert search(user, "cormorant", computer=sim.computer_id + 1000).hits == []
    job = sim.computer.job_title.split()[0]
    assert len(search(user, "cormorant", occupation=job).hits) == 2
    assert search(user, "cormorant", occupation="astronaut-xyz").hits == []
    assert search(user, "cormorant", model="no-such-model").hits == []
    today = a.created_at.date()
    assert len(search(user, "cormorant", date_from=today, date_to=today).hits) == 2
    assert search(user, "cormorant", date_to=today.replace(year=2000)).hits == []


def test_paging_and_the_cap(sim, user):
    Turn.objects.bulk_create(
        [
            Turn(simulation=sim, seq=100 + n, actor="worker", sim_time=T0, observation="kittiwake")
            for n in range(45)
        ]
    )
    first = search(user, "kittiwake")
    assert (first.total, len(first.hits), first.next_offset) == (45, 20, 20)
    third = turn_text_search(user=user, query="kittiwake", filters=SearchFilters(), offset=40)
    assert len(third.hits) == 5 and third.next_offset is None
    seen = {h.turn.pk for o in (0, 20, 40) for h in search_page(user, o)}
    assert len(seen) == 45
    assert not first.capped and CANDIDATES > 45
    with pytest.raises(SearchError, match="more than 10"):
        turn_text_search_ids(user=user, query="kittiwake", filters=SearchFilters(), limit=10)


def search_page(user, offset):
    return turn_text_search(
        user=user, query="kittiwake", filters=SearchFilters(), offset=offset
    ).hits


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(sim, user, auth_client, query):
    _turn(sim, 10, reasoning="start AND near x y foo")
    search(user, query)  # no exception
    response = auth_client.get(reverse("review-search"), {"q": query})
    assert response.status_code in (200, 400)
    if response.status_code == 400:  # only the NUL byte, which the form refuses
        assert "\x00" in query


def test_a_query_too_long_is_a_clear_error(auth_client):
    response = auth_client.get(reverse("review-search"), {"q": "word " * 100})
    assert response.status_code == 400
    assert b"at most 300 characters" in response.content


def test_the_search_page(sim, auth_client, client, user):
    _turn(sim, 10, reasoning="The grebe report is late.")
    response = auth_client.get(reverse("review-search"), {"q": "grebe"})
    assert response.status_code == 200
    link = reverse("review-turn", args=[sim.pk, 10])
    assert link.encode() in response.content
    assert link == f"/review/simulations/{sim.pk}/turns/10/"
    assert b"<mark>grebe</mark>" in response.content
    assert b'role="search"' in response.content  # the box in the nav
    assert auth_client.post(reverse("review-search"), {"q": "grebe"}).status_code == 405
    client.logout()
    assert client.get(reverse("review-search"), {"q": "grebe"}).status_code == 302


def test_the_database_keeps_the_index(sim, user):
    """PostgreSQL: the GIN index exists and the search's own query is answered from it (so its
    expression is the index's). SQLite: the FTS5 table and triggers exist, and a rebuilt turn
    table (how Django alters one on SQLite) gets its triggers back after migrate."""
    from django.core.management import call_command
    from django.db import connection

    from simulations.review.search import index
    from simulations.review.search.selectors import _pg_query, filtered_turns, turn_document

    _turn(sim, 10, reasoning="wagtail")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index.PG_INDEX])
            assert "gin" in cursor.fetchone()[0].lower()
            # only a bitmap scan left to the planner: can the GIN index answer this expression?
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_indexscan = off")
        plan = (
            filtered_turns(user=user, filters=SearchFilters())
            .annotate(document=turn_document())
            .filter(document=_pg_query([["wagtail"]]))
            .explain()
        )
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
        assert index.PG_INDEX in plan
        return
    with connection.cursor() as cursor:
        for name in index.TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    _turn(sim, 11, reasoning="wagtail")  # not indexed: no trigger
    assert [h.turn.seq for h in search(user, "wagtail").hits] == [10]
    call_command("migrate", verbosity=0)
    assert sorted(h.turn.seq for h in search(user, "wagtail").hits) == [10, 11]
    _turn(sim, 12, reasoning="wagtail")
    assert len(search(user, "wagtail").hits) == 3
