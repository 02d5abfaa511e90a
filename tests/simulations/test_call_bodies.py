"""Every request and response of a real offline run reads back byte for byte, the requests from
stored deltas each a small fraction of the request; a run resumed after the retention dropped
its bodies builds on none of them."""

import datetime as dt
import statistics

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from simulations.models import Simulation
from simulations.services import retention
from simulations.services.runs import simulation_advance, simulation_run_inline
from simulations.services.simulations import simulation_create, simulation_resume
from studio.llm import bodies, body_codec, gateway
from studio.models import LLMCall


@pytest.mark.django_db(transaction=True)
def test_every_request_of_a_run_reads_back_as_sent(
    computer, user, auth_client, fast_engine, monkeypatch
):
    sent: list[bytes] = []
    received: list[bytes] = []
    send = gateway._send

    def recording(client, config, request, endpoint):
        completion = send(client, config, request, endpoint)
        sent.append(body_codec.dumps(request))  # as sent, after the endpoint's adaptations
        received.append(body_codec.dumps(completion.to_dict()))
        return completion

    monkeypatch.setattr(gateway, "_send", recording)
    bodies.recent_requests.clear()
    simulation = simulation_create(
        computer=computer,
        created_by=user,
        enqueue=False,
        config={"workdays": 3, "max_turns": 150, "seed": 5},
    )
    simulation = simulation_run_inline(simulation=simulation, max_seconds=300)
    assert simulation.state == "completed", simulation.error
    calls = LLMCall.objects.filter(simulation_id=simulation.pk).order_by("id")
    read = [
        (bodies.text_of(call, "request"), bodies.text_of(call, "response"))
        for call in bodies.read(calls, chunk=7)
    ]
    assert len(read) == len(sent) > 100
    assert read == list(zip(sent, received, strict=True))
    rows = list(calls)
    deltas = [r for r in rows if r.request_base is not None]
    assert len(deltas) > len(rows) / 2
    # a delta is a small fraction of its request (the prompt layout: what changed is the end)
    assert statistics.median(len(r.request_body) for r in deltas) * 20 < statistics.median(
        map(len, sent)
    )
    # one call alone reads the same, from its own chain
    last = LLMCall.objects.get(pk=rows[-1].pk)
    assert bodies.text_of(last, "request") == sent[-1]
    # the review links a turn to its model call, whose page shows the request as sent
    turn = simulation.turns.filter(actor="worker").exclude(llm_call_id=None).last()
    review = auth_client.get(reverse("review-turn", args=[simulation.pk, turn.seq])).content
    page = reverse("studio-llm-call", args=[turn.llm_call_id])
    assert page in review.decode()
    shown = auth_client.get(page).content.decode()
    assert 'id="call-request"' in shown and "removed by retention" not in shown
    system = LLMCall.objects.get(pk=turn.llm_call_id).request["messages"][0]["content"]
    assert escape(system.splitlines()[0]) in shown


@pytest.mark.django_db(transaction=True)
def test_a_run_resumed_after_retention_elsewhere_builds_on_no_pruned_request(
    computer, user, fast_engine, monkeypatch
):
    sim = simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 3, "seed": 5}
    )
    simulation_advance(simulation_id=sim.pk, max_turns=6, enqueue_next=False)
    before = set(LLMCall.objects.filter(simulation_id=sim.pk).values_list("pk", flat=True))
    Simulation.objects.filter(pk=sim.pk).update(
        state=Simulation.State.FAILED, finished_at=timezone.now() - dt.timedelta(days=40)
    )
    with monkeypatch.context() as elsewhere:  # another process: this one's cache never hears
        elsewhere.setattr(bodies, "recheck", lambda **where: None)
        assert retention.prune(days=30) == len(before) > 3
    simulation_resume(simulation=sim, enqueue=False)
    simulation_advance(simulation_id=sim.pk, max_turns=6, enqueue_next=False)
    after = list(bodies.read(LLMCall.objects.filter(simulation_id=sim.pk, id__gt=max(before))))
    assert len(after) > 3 and not {c.request_base for c in after} & before
    assert all(c.request is not None for c in after)
    assert any(c.request_base for c in after)  # deltas again, of the calls since the resume
