"""Layer 2: real WebsocketCommunicator clients against studio.project.asgi.application, on the real
channels-redis layer: replay from last_seq, live turns after commit, backfill, paging."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from simulations import broadcast, presence
from simulations.live.selectors import PAGE, REPLAY_LIMIT
from simulations.models import Turn
from studio.project.asgi import application
from tests.live.conftest import bulk_turns, commit_turn, make_simulation, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def client(simulation_id: int, headers, query: str = "") -> WebsocketCommunicator:
    path = f"/ws/simulations/{simulation_id}/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def opened(communicator: WebsocketCommunicator) -> dict:
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "status", first
    return first


async def turns_until_replay(communicator: WebsocketCommunicator) -> tuple[list[int], dict]:
    seqs = []
    while True:
        message = await communicator.receive_json_from(timeout=10)
        if message["type"] == "replay":
            return seqs, message
        assert message["type"] == "turn", message
        seqs.append(message["turn"]["seq"])


async def next_of(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict:
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


commit = database_sync_to_async(commit_turn)


def test_replay_from_last_seq_then_live_turns(user):
    simulation = make_simulation(owner=user)
    for _ in range(5):
        commit_turn(simulation)
    headers = session_headers(user)

    async def scenario():
        fresh = client(simulation.pk, headers, "last_seq=0")
        behind = client(simulation.pk, headers, "last_seq=3")
        status = await opened(fresh)
        assert status["status"]["turn_count"] == 5 and status["status"]["state"] == "running"
        assert await turns_until_replay(fresh) == (
            [1, 2, 3, 4, 5],
            {"type": "replay", "after": 0, "upto": 5, "more": False},
        )
        await opened(behind)
        assert (await turns_until_replay(behind))[0] == [4, 5]

        await commit(simulation)  # committed by the service: broadcast after commit
        for communicator in (fresh, behind):
            live = await communicator.receive_json_from(timeout=5)
            assert live["type"] == "turn" and live["turn"]["seq"] == 6
            assert live["status"]["turn_count"] == 6
        await fresh.disconnect()
        await behind.disconnect()

    run(scenario)


def test_no_last_seq_means_live_only(user):
    simulation = make_simulation(owner=user)
    commit_turn(simulation)
    headers = session_headers(user)

    async def scenario():
        communicator = client(simulation.pk, headers)
        await opened(communicator)
        await commit(simulation)
        live = await communicator.receive_json_from(timeout=5)
        assert live["type"] == "turn" and live["turn"]["seq"] == 2
        await communicator.disconnect()

    run(scenario)


def test_backfill_request_and_bad_requests(user):
    simulation = make_simulation(owner=user)
    for _ in range(4):
        commit_turn(simulation)
    headers = session_headers(user)

    async def scenario():
        communicator = client(simulation.pk, headers, "last_seq=4")
        await opened(communicator)
        assert await turns_until_replay(communicator) == (
            [],
            {"type": "replay", "after": 4, "upto": 4, "more": False},
        )
        await communicator.send_json_to({"type": "backfill", "after": 1})
        assert (await turns_until_replay(communicator))[0] == [2, 3, 4]
        await communicator.send_json_to({"type": "backfill", "after": "soon"})
        assert (await communicator.receive_json_from())["type"] == "error"
        await communicator.send_json_to({"type": "subscribe"})
        assert (await communicator.receive_json_from())["type"] == "error"
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from() == {"type": "pong"}
        await communicator.disconnect()

    run(scenario)


def test_a_turn_already_sent_on_this_connection_is_not_sent_again(user):
    simulation = make_simulation(owner=user)
    for _ in range(3):
        commit_turn(simulation)
    headers = session_headers(user)
    third = Turn.objects.get(simulation=simulation, seq=3)

    async def scenario():
        communicator = client(simulation.pk, headers, "last_seq=0")
        await opened(communicator)
        await turns_until_replay(communicator)
        # e.g. the broadcast of turn 3 arriving after the replay already read it
        await database_sync_to_async(broadcast.turn_committed)(third)
        message = await communicator.receive_json_from(timeout=5)
        assert message["type"] == "status"  # the figures, without the turn
        assert message["status"]["turn_count"] == 3
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    run(scenario)


def test_a_dropped_turn_is_recovered_by_the_backfill(user, monkeypatch):
    """channels-redis drops messages over capacity: the client sees a gap and backfills."""
    simulation = make_simulation(owner=user)
    commit_turn(simulation)
    commit_turn(simulation)
    headers = session_headers(user)
    real_hint = broadcast.turn_committed

    async def scenario():
        watcher = client(simulation.pk, headers, "last_seq=2")
        await opened(watcher)
        assert (await turns_until_replay(watcher))[0] == []
        monkeypatch.setattr(broadcast, "turn_committed", lambda turn: False)
        await commit(simulation)  # turn 3: its hint is lost
        monkeypatch.setattr(broadcast, "turn_committed", real_hint)
        await commit(simulation)
        live = await watcher.receive_json_from(timeout=5)
        assert live["turn"]["seq"] == 4  # a gap: 3 is missing
        await watcher.send_json_to({"type": "backfill", "after": 2})
        assert await turns_until_replay(watcher) == (
            [3, 4],
            {"type": "replay", "after": 2, "upto": 4, "more": False},
        )
        await watcher.disconnect()

    run(scenario)


def test_a_long_replay_is_paged_and_bounded(user):
    simulation = make_simulation(owner=user)
    total = REPLAY_LIMIT + PAGE + 5
    bulk_turns(simulation, total)
    headers = session_headers(user)

    async def scenario():
        communicator = client(simulation.pk, headers, "last_seq=0")
        await opened(communicator)
        seqs, marker = await turns_until_replay(communicator)
        assert seqs == list(range(1, REPLAY_LIMIT + 1))
        assert marker == {"type": "replay", "after": 0, "upto": REPLAY_LIMIT, "more": True}
        await communicator.send_json_to({"type": "backfill", "after": REPLAY_LIMIT})
        seqs, marker = await turns_until_replay(communicator)
        assert seqs == list(range(REPLAY_LIMIT + 1, total + 1))
        assert marker["more"] is False
        await communicator.disconnect()

    # The consumer's database work runs on this thread's connection (thread-sensitive).
    with CaptureQueriesContext(connection) as queries:
        run(scenario)
    turn_reads = [q["sql"] for q in queries if 'FROM "simulations_turn"' in q["sql"]]
    assert turn_reads, "the replay reads turns from the database"
    for sql in turn_reads:
        if "COUNT(" in sql or "LIMIT 1" in sql:
            continue
        assert f"LIMIT {PAGE}" in sql, sql


def test_two_clients_and_a_state_change(user):
    from simulations.services.simulations import simulation_cancel

    simulation = make_simulation(owner=user)
    headers = session_headers(user)

    async def scenario():
        clients = [client(simulation.pk, headers, "last_seq=0") for _ in range(2)]
        for communicator in clients:
            await opened(communicator)
            await turns_until_replay(communicator)
        await database_sync_to_async(simulation_cancel)(simulation=simulation)
        for communicator in clients:
            message = await next_of(communicator, "status")
            assert message["status"]["state"] == "cancelled" and message["status"]["finished"]
            await communicator.disconnect()

    run(scenario)


def test_the_group_and_the_watchers_are_left_on_disconnect(user):
    simulation = make_simulation(owner=user)
    headers = session_headers(user)

    async def scenario():
        communicator = client(simulation.pk, headers)
        await opened(communicator)
        # channels-redis keeps a group as a sorted set of channel names
        layer = get_channel_layer()
        group = broadcast.group_name(simulation.pk)
        redis = layer.connection(layer.consistent_hash(group))
        group_key = layer._group_key(group)
        assert await redis.zcard(group_key) == 1
        assert await watched() == {simulation.pk}  # the broadcaster builds its messages
        await communicator.disconnect()
        await asyncio.sleep(0.1)
        assert await redis.zcard(group_key) == 0
        assert await watched() == set()  # and stops when the last page closes

    watched = database_sync_to_async(lambda: presence.watched([simulation.pk]))

    run(scenario)


def test_an_idle_socket_stays_open(user):
    """channels-redis waits up to 5 s in BZPOPMIN for the next message; the Redis client's
    read timeout must outlast that, or an idle consumer dies with a TimeoutError."""
    simulation = make_simulation(owner=user)
    headers = session_headers(user)

    async def scenario():
        communicator = client(simulation.pk, headers, "last_seq=0")
        await opened(communicator)
        await turns_until_replay(communicator)
        assert await communicator.receive_nothing(timeout=7.5, interval=0.5)
        await commit(simulation)
        live = await communicator.receive_json_from(timeout=5)
        assert live["type"] == "turn" and live["turn"]["seq"] == 1
        await communicator.disconnect()

    run(scenario)
