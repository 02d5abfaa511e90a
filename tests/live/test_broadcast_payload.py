"""Layer 1: what a committed turn or state change sends to its simulation's group, and that
nothing is sent before the transaction commits."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from django.db import transaction

from simulations import broadcast, presence
from simulations.engine.tools.context import Submission
from simulations.live import payloads
from simulations.models import Deliverable, Objective, Simulation
from simulations.services.simulations import simulation_pause
from tests.live.conftest import T0, GroupListener, commit_turn, mail, make_simulation, workspace

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulation(user):
    return make_simulation(owner=user)


@pytest.fixture
def listener(simulation):
    listener = GroupListener(broadcast.group_name(simulation.pk))
    yield listener
    listener.close()


def test_a_turn_is_sent_only_after_its_transaction_commits(simulation, listener):
    with transaction.atomic():
        commit_turn(simulation)  # the engine's own atomic block is a savepoint in this one
        assert listener.nothing(), "nothing may reach the group before the commit"
    envelope = listener.receive()
    assert envelope["type"] == broadcast.MESSAGE_TYPE
    assert envelope["simulation"] == simulation.pk
    assert envelope["message"]["type"] == "turn"
    assert envelope["message"]["turn"]["seq"] == 1


def test_a_rolled_back_turn_is_never_sent(simulation, listener):
    with pytest.raises(RuntimeError), transaction.atomic():
        commit_turn(simulation)
        raise RuntimeError("the worker died before the commit")
    assert listener.nothing()


def test_the_turn_payload(simulation, listener, tmp_path):
    space = workspace(simulation, tmp_path)
    write = space.stage_write("Plans/route-plan.md", b"# Route plan\n\nMonday: depot A\n")
    long_observation = "line\n" * 1_000
    commit_turn(
        simulation,
        action="write_file",
        arguments={"path": "Plans/route-plan.md", "content": "x" * 5_000},
        observation=long_observation,
        error="Tool failed: <script>alert(1)</script>",
        signals=["tool_error"],
        file_ops=[write],
        messages=[mail()],
    )
    message = listener.receive()["message"]
    turn = message["turn"]
    assert turn["seq"] == 1
    assert turn["actor"] == "worker" and turn["action"] == "write_file"
    assert turn["sim_time"] == (T0.replace(minute=5)).isoformat()
    assert turn["prompt_tokens"] == 100 and turn["completion_tokens"] == 20
    assert turn["signals"] == ["tool_error"]
    assert (
        turn["error"] == "Tool failed: <script>alert(1)</script>"
    )  # raw text; the page uses textContent
    assert turn["observation_length"] == len(long_observation)
    assert len(turn["observation"]) == payloads.OBSERVATION_PREVIEW
    assert turn["arguments"]["path"] == "Plans/route-plan.md"
    assert turn["arguments"]["content"].startswith("x" * payloads.ARGUMENT_PREVIEW + "…")
    [change] = turn["file_changes"]
    assert (
        change["op"] == "create" and change["path"] == "Plans/route-plan.md" and change["has_diff"]
    )
    [sent] = turn["messages"]
    assert sent["direction"] == "outgoing" and sent["subject"] == "Route plan"
    assert sent["recipients"] == ["Rosa Diaz"] and sent["seq"] == 1
    status = message["status"]
    assert status["turn_count"] == 1 and status["tokens"] == 120 and status["state"] == "running"
    assert status["sim_now"] == T0.replace(minute=10).isoformat()
    assert "objectives" not in message  # a read or write moves no objective
    json.dumps(message)  # what goes on the wire is plain JSON


def test_a_submission_sends_the_objectives(simulation, listener):
    objective = Objective.objects.create(
        simulation=simulation,
        order=1,
        key="O1",
        title="Route plan",
        description="Plan the routes",
        target_date=T0.date(),
        target_workday=3,
    )
    Deliverable.objects.create(
        objective=objective,
        simulation=simulation,
        key="D1",
        title="Plan",
        kind="md",
        path="Plans/route-plan.md",
        due_date=T0.date(),
    )
    commit_turn(
        simulation,
        action="submit_deliverable",
        submission=Submission(key="D1", path="Plans/route-plan.md", sha256="ab" * 32, note="done"),
    )
    message = listener.receive()["message"]
    [sent] = message["objectives"]
    assert sent["key"] == "O1" and sent["status"] == "submitted"
    [deliverable] = sent["deliverables"]
    assert deliverable["status"] == "submitted" and deliverable["submitted_seq"] == 1


def test_a_state_change_sends_the_status(simulation, listener):
    simulation_pause(simulation=simulation)
    message = listener.receive()["message"]
    assert message["type"] == "status"
    assert message["status"]["state"] == Simulation.State.PAUSED
    assert message["objectives"] == []


def test_a_broken_channel_layer_never_breaks_the_engine(simulation, listener, monkeypatch, caplog):
    class Broken:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: Broken())
    turn = commit_turn(simulation)
    assert turn.seq == 1
    assert f"broadcast to simulation-{simulation.pk} failed" in caplog.text
    assert commit_turn(simulation).seq == 2  # the engine carries on


def test_a_hanging_channel_layer_holds_the_engine_no_longer_than_the_send_timeout(
    simulation, listener, monkeypatch, caplog
):
    class Hanging:
        async def group_send(self, group, message):
            await asyncio.sleep(3600)

    monkeypatch.setattr(broadcast, "SEND_TIMEOUT", 0.05)
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: Hanging())
    assert [commit_turn(simulation).seq for _ in range(2)] == [1, 2]
    failures = [r.exc_info[0] for r in caplog.records if r.name == broadcast.__name__]
    assert failures == [TimeoutError, TimeoutError]


def test_nothing_is_built_for_a_simulation_nobody_watches(simulation, monkeypatch):
    built = []
    real = broadcast.turn_message
    monkeypatch.setattr(
        broadcast, "turn_message", lambda turn: built.append(turn.seq) or real(turn)
    )
    member = GroupListener(broadcast.group_name(simulation.pk), watch=False)
    try:
        commit_turn(simulation)
        assert member.nothing() and built == []
        presence.watch(simulation.pk, member.channel)  # a page opens
        commit_turn(simulation)
        assert member.receive()["message"]["turn"]["seq"] == 2
        assert built == [2]
    finally:
        member.close()


def test_a_watcher_entry_expires_and_redis_trouble_fails_open(simulation, monkeypatch):
    import redis

    presence.watch(simulation.pk, "a-page")
    assert presence.watched([simulation.pk, simulation.pk + 1]) == {simulation.pk}
    presence.unwatch(simulation.pk, "a-page")
    assert presence.watched([simulation.pk]) == set()
    key = f"studio:live:watchers:{simulation.pk}"
    presence._redis().zadd(key, {"a-crashed-server": time.time() - 1})  # its renewals stopped
    assert presence.watched([simulation.pk]) == set()
    monkeypatch.setattr(presence, "_redis", lambda: redis.Redis(port=1, socket_connect_timeout=0.2))
    assert presence.watched([simulation.pk]) == {simulation.pk}
