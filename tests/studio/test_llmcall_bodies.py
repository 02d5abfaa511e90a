"""Model call bodies: requests stored as deltas of the run's previous ones and read back byte
for byte, rows written before the change read as they are, and the retention."""

import datetime as dt
import hashlib
import json
import random
import zlib

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from simulations.services import retention
from studio.llm import bodies, body_codec
from studio.models import LLMCall

SYSTEM = {"role": "system", "content": "You are the user. " * 400}


def _request(turns: int, tail: str = "now") -> dict:
    """A request laid out as the worker's: stable system prompt, append-only history, the
    situation now last, then the options and tools."""
    history = [
        {"role": "tool", "content": f"ü {n}: " + hashlib.sha256(str(n).encode()).hexdigest() * 3}
        for n in range(turns)
    ]
    return {
        "model": "m",
        "messages": [SYSTEM, *history, {"role": "user", "content": tail}],
        "seed": 7,
        "tools": [{"type": "function", "function": {"name": "read_file"}}] * 20,
    }


def _call(request, **fields) -> LLMCall:
    fields = {"role": "worker", "model": "m", "backend": "b", "outcome": "ok", **fields}
    return LLMCall.objects.create(request=request, response={"choices": []}, **fields)


@pytest.fixture(autouse=True)
def _fresh_cache():
    bodies.recent_requests.clear()
    yield
    bodies.recent_requests.clear()


@pytest.mark.django_db(transaction=True)
def test_each_request_is_a_small_delta_of_the_previous_and_reads_back_exactly():
    sent = [_request(n, tail=f"clock {n}") for n in range(120)]
    calls = [_call(r, simulation_id=1) for r in sent]
    rows = list(LLMCall.objects.order_by("id"))
    assert [r.request_base for r in rows[:3]] == [None, calls[0].pk, calls[1].pk]
    deltas = [r for r in rows if r.request_base is not None]
    assert len(deltas) >= 110 and max(len(r.request_body) for r in deltas) < 400
    # every read applies at most DEPTH deltas: then a snapshot, the request whole
    base_of = {r.pk: r.request_base for r in rows}
    for row in rows:
        depth, pk = 0, row.pk
        while base_of[pk] is not None:
            depth, pk = depth + 1, base_of[pk]
        assert depth <= body_codec.DEPTH and row.request_root in (None, pk)
    snapshots = [r for r in rows if r.request_base is None]
    assert len(snapshots) == 3 and len(snapshots[1].request_body) > 2_000
    for row, request in zip(bodies.load(rows), sent, strict=True):
        assert bodies.text_of(row, "request") == body_codec.dumps(request)
        assert row.request == request and row.response == {"choices": []}
    # one call alone: its chain in one query
    last = LLMCall.objects.get(pk=calls[-1].pk)
    with CaptureQueriesContext(connection) as queries:
        assert last.request == sent[-1]
    assert len(queries) == 1


@pytest.mark.django_db(transaction=True)
def test_chains_are_per_run_role_and_schema_and_an_unrelated_request_is_a_snapshot():
    first = _call(_request(30), simulation_id=1)
    other_run = _call(_request(31), simulation_id=2)
    judge = _call(_request(31), simulation_id=1, role="judge")
    assert (other_run.request_base, judge.request_base) == (None, None)
    # a changed first message: the history after it is in what the delta replaces, so the
    # delta, compressed with the replaced part as its dictionary, stays small
    changed = _request(31)
    changed["messages"][0] = {"role": "system", "content": "Another prompt. " * 500}
    month = _call(changed, simulation_id=1)
    assert month.request_base == first.pk and len(month.request_body) < 400
    unrelated = {"messages": [{"role": "user", "content": hashlib.sha256(b"x").hexdigest() * 90}]}
    assert _call(unrelated, simulation_id=1).request_base is None  # not clearly smaller
    again = _call(_request(32), simulation_id=1)
    assert again.request_base == first.pk  # the closest of the chain's recent requests
    for call, request in ((month, changed), (again, _request(32))):
        assert LLMCall.objects.get(pk=call.pk).request == request


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_call_is_never_a_base():
    _call(_request(1), simulation_id=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = _call(_request(5), simulation_id=1)
        raise RuntimeError
    reused = _call(_request(2, tail="other"), simulation_id=1)
    assert reused.pk == lost.pk or connection.vendor != "sqlite"  # SQLite gives its id again
    later = _call(_request(6), simulation_id=1)  # closer to the lost request than to any other
    assert LLMCall.objects.get(pk=later.pk).request == _request(6)
    assert LLMCall.objects.get(pk=reused.pk).request == _request(2, tail="other")


@pytest.mark.django_db
def test_bodies_stored_before_the_deltas_are_read_as_they_are():
    call = LLMCall.objects.create(role="worker", model="m", backend="b", outcome="ok")
    request = _request(2)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE studio_llmcall SET request_body = %s, response_body = %s WHERE id = %s",
            [
                zlib.compress(json.dumps(request).encode(), 1),
                body_codec.pack(b'"a verdict"'),
                call.pk,
            ],
        )
    row = LLMCall.objects.get(pk=call.pk)
    assert row.request == request and row.response == "a verdict"
    assert LLMCall.objects.create(role="w", model="m", backend="b", outcome="error").request is None
    alone = LLMCall.objects.create(role="w", model="m", backend="b", outcome="ok", response=[1])
    assert LLMCall.objects.get(pk=alone.pk).response == [1]  # no request to be its dictionary


@pytest.mark.django_db(transaction=True)
def test_bodies_written_before_the_change_survive_the_migration():
    before, after = (
        ("studio", "0006_llmcall_tokens_estimated"),
        ("studio", "0007_llmcall_delta_bodies"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("studio", "LLMCall")
    request = _request(2)
    kept = old.objects.create(
        role="judge", model="m", backend="b", outcome="ok", request=request, response="a verdict"
    )
    empty = old.objects.create(role="judge", model="m", backend="b", outcome="error")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the latest schema (every app)
    assert after in MigrationExecutor(connection).loader.applied_migrations
    row = LLMCall.objects.get(pk=kept.pk)
    assert (row.request, row.response) == (request, "a verdict")
    assert LLMCall.objects.get(pk=empty.pk).request is None


@pytest.mark.django_db(transaction=True)
def test_retention_drops_the_bodies_of_runs_finished_long_ago(computer, user, settings):
    from simulations.models import Simulation
    from simulations.services.simulations import simulation_create

    old, recent = (
        simulation_create(computer=computer, created_by=user, enqueue=False, config={"seed": n})
        for n in (1, 2)
    )
    long_ago = timezone.now() - dt.timedelta(days=40)
    Simulation.objects.filter(pk=old.pk).update(finished_at=long_ago)
    Simulation.objects.filter(pk=recent.pk).update(finished_at=timezone.now())
    computer.__class__.objects.filter(pk=computer.pk).update(finished_at=long_ago)
    generation = _call(_request(1), computer=computer, role="artifact")
    for sim in (old, recent):
        for n in range(3):
            _call(_request(n), simulation_id=sim.pk, prompt_tokens=100, cost_usd=0.01)
    settings.LLM_BODY_RETENTION_DAYS = 0
    assert retention.prune() == 0
    settings.LLM_BODY_RETENTION_DAYS = 30
    call_command("prune_llm_bodies")
    pruned = LLMCall.objects.filter(simulation_id=old.pk)
    assert pruned.count() == 3 and all(c.prompt_tokens == 100 for c in pruned)
    assert all(c.request is None and c.response is None and c.bodies_removed_at for c in pruned)
    assert LLMCall.objects.get(pk=generation.pk).bodies_removed_at is not None
    kept = LLMCall.objects.filter(simulation_id=recent.pk).order_by("id")
    assert [c.request for c in kept] == [_request(n) for n in range(3)]
    assert retention.prune() == 0  # done once
    # a later call of the pruned run is not a delta of a request that is gone
    again = _call(_request(4), simulation_id=old.pk)
    assert again.request_base is None and LLMCall.objects.get(pk=again.pk).request == _request(4)


@pytest.mark.django_db
def test_the_call_page_shows_the_bodies_or_that_retention_removed_them(
    auth_client, computer, private_computer, settings
):
    from django.urls import reverse

    call = _call(_request(2, tail="the situation now"), computer=computer, role="artifact")
    page = auth_client.get(reverse("studio-llm-call", args=[call.pk])).content.decode()
    assert "the situation now" in page and 'id="call-response"' in page
    assert "removed by retention" not in page
    computer.__class__.objects.filter(pk=computer.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=10)
    )
    assert retention.prune(days=7) == 1
    page = auth_client.get(reverse("studio-llm-call", args=[call.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "removed by retention" in text and "the situation now" not in text
    hidden = _call(_request(1), computer=private_computer, role="artifact")
    assert auth_client.get(reverse("studio-llm-call", args=[hidden.pk])).status_code == 404


def test_shared_prefix_and_suffix_lengths_match_a_byte_by_byte_count():
    rng = random.Random(3)
    for _ in range(300):
        base = rng.randbytes(rng.choice((0, 5, 4_095, 4_096, 4_097, 20_000)))
        cut = rng.randint(0, len(base))
        text = base[:cut] + rng.randbytes(rng.randint(0, 40)) + base[rng.randint(cut, len(base)) :]
        limit = min(len(base), len(text))
        prefix = next((i for i in range(limit) if base[i] != text[i]), limit)
        assert body_codec._shared(base, text, limit) == prefix
        rest = limit - prefix
        suffix = next((i for i in range(rest) if base[-1 - i] != text[-1 - i]), rest)
        assert body_codec._shared(base, text, rest, from_end=True) == suffix
        delta = body_codec.Delta.between(base, text)
        assert delta.apply(base) == text
        assert body_codec.Delta.unpack(base, delta.prefix, delta.suffix, delta.pack(base)) == delta


@pytest.mark.django_db(transaction=True)
def test_calls_are_inserted_with_no_query_of_the_bodies_until_their_run_starts_again():
    def ledger(n: int) -> list[LLMCall]:  # a turn's calls, inserted together
        return [
            LLMCall(role=role, model="m", backend="b", outcome="ok", simulation_id=1, request=r)
            for role, r in (("worker", _request(n)), ("judge", _request(n, tail="score")))
        ]

    def statements(queries) -> list[str]:
        return [q["sql"].split()[0] for q in queries if "studio_llmcall" in q["sql"]]

    LLMCall.objects.bulk_create(ledger(0))
    with CaptureQueriesContext(connection) as queries:
        alone = [_call(_request(n), simulation_id=1) for n in range(1, 21)]
        turns = [LLMCall.objects.bulk_create(ledger(n)) for n in range(21, 26)]
    assert statements(queries) == ["INSERT"] * (len(alone) + len(turns))
    rows = alone + [c for turn in turns for c in turn]
    assert all(c.request_base is not None for c in rows)  # deltas of the cached requests
    # a run starting again (a slice) has its cached requests checked once, by its next write
    bodies.recheck(simulation_id=1)
    with CaptureQueriesContext(connection) as queries:
        more = [_call(_request(n), simulation_id=1) for n in range(26, 31)]
    assert statements(queries) == ["SELECT"] + ["INSERT"] * len(more)
    assert all(c.request_base for c in more)
