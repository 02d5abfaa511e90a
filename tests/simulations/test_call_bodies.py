"""Every request and response of a real offline run reads back byte for byte, the requests from
stored deltas each a small fraction of the request."""

import statistics

import pytest
from django.urls import reverse
from django.utils.html import escape

from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create
from studio.llm import bodies, gateway
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
        sent.append(bodies.dumps(request))  # as sent, after the endpoint's adaptations
        received.append(bodies.dumps(completion.to_dict()))
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
