"""Durable execution in one process: the lease, atomic turns, crashes, pause/resume/cancel
between turns, budgets and a model that keeps failing."""

import datetime as dt

import pytest
from django.utils import timezone

from simulations.engine import runner
from simulations.engine.draft import TurnDraft
from simulations.models import Simulation, Turn
from simulations.services.leases import Heartbeat, lease_acquire
from simulations.services.runs import simulation_advance, simulation_run_inline
from simulations.services.simulations import (
    SimulationRequestError,
    simulation_cancel,
    simulation_create,
    simulation_pause,
    simulation_resume,
)
from simulations.services.turns import LeaseLost, turn_commit
from tests.simulations.checks import assert_contiguous_turns

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulation(computer, user, fast_engine):
    return simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 2, "seed": 21}
    )


def _draft(sim):
    return TurnDraft(
        actor="system", action="note", sim_time=sim.sim_now or timezone.now(), observation="x"
    )


def test_one_lease_at_a_time_and_an_expired_lease_can_be_taken(simulation):
    assert lease_acquire(simulation_id=simulation.pk, token="a" * 32, lease=60)
    assert not lease_acquire(simulation_id=simulation.pk, token="b" * 32, lease=60)
    assert simulation_advance(simulation_id=simulation.pk, enqueue_next=False).reason == "busy"
    Simulation.objects.filter(pk=simulation.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert lease_acquire(simulation_id=simulation.pk, token="c" * 32, lease=60)
    sim = Simulation.objects.get(pk=simulation.pk)
    assert sim.lease_owner == "c" * 32 and sim.attempts == 2 and sim.state == "running"
    assert "took over turn 1" in sim.error_detail


def test_the_process_heartbeat_extends_held_leases_and_marks_taken_ones(simulation, computer, user):
    other = simulation_create(computer=computer, created_by=user, enqueue=False)
    beats = Heartbeat()  # a process's, beaten by hand here
    assert lease_acquire(simulation_id=simulation.pk, token="a" * 32, lease=60)
    assert lease_acquire(simulation_id=other.pk, token="b" * 32, lease=60)
    mine = beats.hold(simulation.pk, "a" * 32, 60)
    taken = beats.hold(other.pk, "b" * 32, 60)
    soon = timezone.now() + dt.timedelta(seconds=5)
    Simulation.objects.filter(pk=simulation.pk).update(lease_expires_at=soon)
    Simulation.objects.filter(pk=other.pk).update(lease_owner="c" * 32)  # another worker's now
    beats.beat()
    assert not mine.lost and taken.lost
    assert Simulation.objects.get(pk=simulation.pk).lease_expires_at > soon + dt.timedelta(
        seconds=30
    )
    assert Simulation.objects.get(pk=other.pk).lease_owner == "c" * 32  # left alone
    # What another connection sees while this lease's taking has not committed yet: a free
    # lease, or the dead worker's expired one. Neither is lost.
    past = timezone.now() - dt.timedelta(seconds=1)
    Simulation.objects.filter(pk=simulation.pk).update(lease_owner="")
    beats.watch()
    Simulation.objects.filter(pk=simulation.pk).update(lease_owner="d" * 32, lease_expires_at=past)
    beats.watch()
    assert not mine.lost
    Simulation.objects.filter(pk=simulation.pk).update(lease_owner="a" * 32)
    beats.let_go(mine)
    Simulation.objects.filter(pk=simulation.pk).update(lease_expires_at=soon)
    beats.beat()  # nothing held: nothing extended
    assert Simulation.objects.get(pk=simulation.pk).lease_expires_at == soon


def test_a_turn_commits_only_under_the_lease_and_only_once(simulation):
    assert lease_acquire(simulation_id=simulation.pk, token="a" * 32, lease=60)
    sim = Simulation.objects.get(pk=simulation.pk)
    turn_commit(simulation=sim, lease_token="a" * 32, seq=1, draft=_draft(sim))
    with pytest.raises(LeaseLost):  # the same seq again: already committed
        turn_commit(simulation=sim, lease_token="a" * 32, seq=1, draft=_draft(sim))
    with pytest.raises(LeaseLost):  # someone else's lease
        turn_commit(simulation=sim, lease_token="z" * 32, seq=2, draft=_draft(sim))
    Turn.objects.create(
        simulation=sim, seq=2, actor="system", action="rogue", sim_time=timezone.now()
    )
    with pytest.raises(LeaseLost):  # the unique (simulation, seq) stops a duplicate even so
        Simulation.objects.filter(pk=sim.pk).update(turn_count=1)
        turn_commit(simulation=sim, lease_token="a" * 32, seq=2, draft=_draft(sim))
    assert list(Turn.objects.filter(simulation=sim).values_list("seq", "action")) == [
        (1, "note"),
        (2, "rogue"),
    ]
    assert Simulation.objects.get(pk=sim.pk).turn_count == 1


def test_pause_takes_effect_between_turns_and_resume_continues(simulation, monkeypatch):
    real = runner.build_turn
    built = []

    def pause_during_turn_five(world, step, *, seq):
        built.append(seq)
        if seq == 5:  # a researcher clicks pause while turn 5 is being worked on
            simulation_pause(simulation=Simulation.objects.get(pk=world.sim.pk))
        return real(world, step, seq=seq)

    monkeypatch.setattr(runner, "build_turn", pause_during_turn_five)
    result = simulation_advance(simulation_id=simulation.pk, enqueue_next=False)
    assert result.reason == "paused" and result.turns == 5 and not result.again
    sim = Simulation.objects.get(pk=simulation.pk)
    assert sim.state == "paused" and sim.turn_count == 5 and sim.lease_owner == ""
    assert simulation_advance(simulation_id=simulation.pk, enqueue_next=False).reason == "busy"
    with pytest.raises(SimulationRequestError):
        simulation_pause(simulation=sim)
    simulation_resume(simulation=sim, enqueue=False)
    monkeypatch.setattr(runner, "build_turn", real)
    result = simulation_advance(simulation_id=simulation.pk, max_turns=3, enqueue_next=False)
    assert result.turns == 3 and result.again
    assert Simulation.objects.get(pk=simulation.pk).turn_count == 8


def test_cancel_stops_a_run_for_good(simulation):
    simulation_advance(simulation_id=simulation.pk, max_turns=4, enqueue_next=False)
    simulation_cancel(simulation=simulation)
    assert simulation_advance(simulation_id=simulation.pk, enqueue_next=False).reason == "busy"
    sim = Simulation.objects.get(pk=simulation.pk)
    assert sim.state == "cancelled" and sim.turn_count == 4 and sim.finished_at
    with pytest.raises(SimulationRequestError):
        simulation_cancel(simulation=sim)
    with pytest.raises(SimulationRequestError):
        simulation_resume(simulation=sim)


def test_a_run_that_keeps_crashing_fails_with_the_reason(simulation, monkeypatch, settings):
    settings.SIM_MAX_ATTEMPTS = 3
    real_build_turn = runner.build_turn
    simulation_advance(simulation_id=simulation.pk, max_turns=3, enqueue_next=False)

    def broken(world, step, *, seq):
        raise ZeroDivisionError("a bug in turn building")

    monkeypatch.setattr(runner, "build_turn", broken)
    reasons = [
        simulation_advance(simulation_id=simulation.pk, enqueue_next=False).reason for _ in range(4)
    ]
    assert reasons == ["crashed", "crashed", "crashed", "failed"]
    sim = Simulation.objects.get(pk=simulation.pk)
    assert sim.state == "failed" and sim.turn_count == 3
    assert (
        "did not get past turn 4 in 3 attempts" in sim.error
        and "ZeroDivisionError" in sim.error_detail
    )
    # a researcher can retry it once the bug is fixed
    monkeypatch.setattr(runner, "build_turn", real_build_turn)
    simulation_resume(simulation=sim, enqueue=False)
    result = simulation_advance(simulation_id=simulation.pk, max_turns=2, enqueue_next=False)
    assert result.turns == 2 and Simulation.objects.get(pk=simulation.pk).attempts == 0


def test_a_model_that_keeps_failing_fails_the_run(computer, user, fast_engine, settings):
    settings.SIM_MAX_MODEL_ERRORS = 3
    settings.LLM_MAX_RETRIES = 0
    nobody = {"objectives": {"model": "m", "base_url": "http://127.0.0.1:9/v1"}}  # refused
    sim = simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 2, "models": nobody}
    )
    sim = simulation_run_inline(simulation=sim, max_seconds=60)
    assert sim.state == "failed" and "the model kept failing (3 calls in a row)" in sim.error
    assert "127.0.0.1:9" in sim.error, sim.error
    errors = list(sim.turns.values_list("action", "is_retry"))
    assert errors == [("model_error", False), ("model_error", True), ("model_error", True)]
    assert_contiguous_turns(sim)


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"max_turns": 30}, "turn limit reached (30 turns)"),
        ({"max_tokens": 60_000}, "token budget reached"),
        ({"max_cost_usd": 0.05}, "cost budget reached"),
    ],
)
def test_budgets_stop_the_work_cleanly_and_the_run_is_still_judged(
    computer, user, fast_engine, settings, config, reason
):
    settings.LLM_PRICES = {"offline": (300.0, 300.0, 300.0)}  # the offline engine, priced
    sim = simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 5, **config}
    )
    sim = simulation_run_inline(simulation=sim, max_seconds=120)
    assert sim.state == "completed" and sim.stop_reason.startswith(reason)
    stop = sim.turns.get(action="stop")
    assert sim.turns.filter(seq__gt=stop.seq, actor="worker").count() == 0
    assert sim.turns.filter(action="score_objective").count() == sim.objectives.count()
    assert sim.retrospective["summary"] and sim.outcome["stop_reason"] == sim.stop_reason
    if "max_cost_usd" in config:
        assert sim.cost_usd >= 0.05 and sim.turns.filter(seq__lt=stop.seq, cost_usd__gt=0).exists()


def test_the_sweeper_re_enqueues_only_stalled_runs(computer, user, monkeypatch):
    from simulations.services.runs import simulations_recover_stalled

    sent = []
    monkeypatch.setattr(
        "simulations.tasks.advance_simulation.apply_async", lambda args, **kw: sent.append(args[0])
    )
    now = timezone.now()
    make = lambda **fields: Simulation.objects.create(computer=computer, created_by=user, **fields)  # noqa: E731
    dead = make(
        state="running", lease_owner="x" * 32, lease_expires_at=now - dt.timedelta(seconds=5)
    )
    alive = make(
        state="running", lease_owner="y" * 32, lease_expires_at=now + dt.timedelta(seconds=50)
    )
    lost = make(state="queued", enqueued_at=now - dt.timedelta(hours=1))
    waiting = make(state="queued", enqueued_at=now)
    paused = make(state="paused", lease_owner="", enqueued_at=now - dt.timedelta(hours=1))
    never_launched = make(state="queued")  # enqueue=False: an inline run, or launched later
    assert sorted(simulations_recover_stalled()) == sorted([dead.pk, lost.pk])
    assert sorted(sent) == sorted([dead.pk, lost.pk])
    assert Simulation.objects.get(pk=lost.pk).enqueued_at > now
    assert {alive.pk, waiting.pk, paused.pk, never_launched.pk}.isdisjoint(sent)


def test_a_worker_shutting_down_ends_its_slices_after_the_current_turn(simulation, monkeypatch):
    from simulations.services import leases

    real = runner.build_turn

    def shutdown_during_turn_three(world, step, *, seq):
        if seq == 3:  # Celery's worker_shutting_down arrives while turn 3 is worked on
            leases.drain()
        return real(world, step, seq=seq)

    monkeypatch.setattr(runner, "build_turn", shutdown_during_turn_three)
    monkeypatch.setattr(leases, "_draining", type(leases._draining)())
    result = simulation_advance(simulation_id=simulation.pk, max_turns=50, enqueue_next=False)
    assert result.reason == "slice" and result.again and result.turns == 3
    sim = Simulation.objects.get(pk=simulation.pk)
    assert sim.state == "running" and sim.turn_count == 3 and sim.lease_owner == ""


def test_slices_of_runs_launched_together_end_at_different_times(simulation, monkeypatch, settings):
    from simulations.services import runs

    settings.SIM_SLICE_SECONDS = 100
    lengths = []

    def record(simulation_id, token, lease, *, max_turns, max_seconds):
        lengths.append(max_seconds)
        return runs.SliceResult(simulation_id=simulation_id, reason="slice")

    monkeypatch.setattr(runs, "_run_slice", record)
    for _ in range(40):
        simulation_advance(simulation_id=simulation.pk, enqueue_next=False)
    assert len(lengths) == 40 and all(75 <= n <= 125 for n in lengths)
    assert max(lengths) - min(lengths) > 25  # spread, not one length for every run


def test_a_turn_commits_with_its_model_call_and_mail_or_not_at_all(simulation):
    """A worker turn's writes (the turn, its model call record, a message it sent, a message it
    read) land together in one transaction; a turn that is not ours writes none of them."""
    from simulations.engine.draft import MessageDraft, MessageUpdate
    from simulations.models import Message
    from studio.models import LLMCall

    token = "a" * 32
    assert lease_acquire(simulation_id=simulation.pk, token=token, lease=60)
    sim = Simulation.objects.get(pk=simulation.pk)
    now = timezone.now()
    first = turn_commit(simulation=sim, lease_token=token, seq=1, draft=_draft(sim))
    inbox = Message.objects.create(
        simulation=sim,
        turn=first,
        direction="incoming",
        sender="Ana",
        sender_email="ana@example.com",
        recipients=[],
        subject="numbers",
        body="see attached",
        sent_at=now,
    )

    def draft():
        turn = _draft(sim)
        turn.action, turn.arguments, turn.prompt_tokens = "send_message", {"to": "Ana"}, 7
        turn.llm_calls = [
            LLMCall(
                role="worker",
                model="m",
                backend="b",
                outcome="ok",
                prompt_tokens=7,
                request={"model": "m", "messages": []},
                simulation_id=sim.pk,
            )
        ]
        turn.messages = [
            MessageDraft(
                direction="outgoing",
                sender="Me",
                sender_email="me@example.com",
                recipients=[{"name": "Ana", "email": "ana@example.com"}],
                subject="Re: numbers",
                body="thanks",
                sent_at=now,
            )
        ]
        turn.message_updates = [MessageUpdate(id=inbox.pk, fields={"read_at": now})]
        turn.simulation = {"model_errors": 0}
        return turn

    turn = turn_commit(simulation=sim, lease_token=token, seq=2, draft=draft())
    call = LLMCall.objects.get()
    assert turn.llm_call_id == call.pk and call.request == {"model": "m", "messages": []}
    sent = Message.objects.get(direction="outgoing")
    assert sent.turn_id == turn.pk and sent.recipients[0]["name"] == "Ana"
    assert Message.objects.get(pk=inbox.pk).read_at == now
    stored = Simulation.objects.get(pk=sim.pk)
    assert (stored.turn_count, stored.prompt_tokens) == (2, 7)

    with pytest.raises(LeaseLost):
        turn_commit(simulation=sim, lease_token="z" * 32, seq=3, draft=draft())
    assert (LLMCall.objects.count(), Message.objects.count(), Turn.objects.count()) == (1, 2, 2)


def test_turn_json_with_big_integers_and_non_string_keys_is_stored(simulation):
    """Model-written arguments may hold integers beyond 64 bits or keys that are not strings."""
    token = "b" * 32
    assert lease_acquire(simulation_id=simulation.pk, token=token, lease=60)
    sim = Simulation.objects.get(pk=simulation.pk)
    draft = _draft(sim)
    draft.arguments = {"amount": 10**30, 7: "seven", "nested": [{"x": 1.5}]}
    turn = turn_commit(simulation=sim, lease_token=token, seq=1, draft=draft)
    draft = _draft(sim)
    draft.arguments = {3: ["keys", "that", "are", "ints"]}
    turn_commit(simulation=sim, lease_token=token, seq=2, draft=draft)
    stored = dict(Turn.objects.filter(simulation=sim).values_list("seq", "arguments"))
    assert stored[1] == {"amount": 10**30, "7": "seven", "nested": [{"x": 1.5}]}
    assert stored[2] == {"3": ["keys", "that", "are", "ints"]}
    assert Turn.objects.get(pk=turn.pk).signals == draft.signals
