"""Bad frames from a live client (binary, not JSON, too deep, too large) get an error answer on
a connection that stays open; real WebsocketCommunicator clients against the ASGI app."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.live.conftest import commit_turn, make_simulation, session_headers
from tests.live.test_consumer import client, opened, run, turns_until_replay

pytestmark = pytest.mark.django_db(transaction=True)


def test_bad_frames_are_answered_and_the_connection_stays(user):
    simulation = make_simulation(owner=user)
    for _ in range(3):
        commit_turn(simulation)
    headers = session_headers(user)
    deep_but_small = "[" * 1500 + "]" * 1500
    assert len(deep_but_small) < settings.LIVE_MAX_FRAME_BYTES
    huge_and_deep = "[" * 100_000 + "]" * 100_000

    async def scenario():
        communicator = client(simulation.pk, headers, "last_seq=3")
        await opened(communicator)
        await turns_until_replay(communicator)
        frames = [
            ({"text_data": "not json at all"}, "not JSON"),
            ({"text_data": deep_but_small}, "not JSON"),
            ({"text_data": huge_and_deep}, "over the limit of 4,096 bytes"),
            ({"bytes_data": b'{"type": "ping"}'}, "not binary"),
        ]
        for frame, reason in frames:
            await communicator.send_to(**frame)
            answer = await communicator.receive_json_from(timeout=5)
            assert answer["type"] == "error" and reason in answer["error"], (frame, answer)
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
        await communicator.send_json_to({"type": "backfill", "after": 1})
        assert (await turns_until_replay(communicator))[0] == [2, 3]
        await communicator.disconnect()

    run(scenario)


def test_the_frame_limit_is_a_setting(user, settings):
    settings.LIVE_MAX_FRAME_BYTES = 64
    simulation = make_simulation(owner=user)
    headers = session_headers(user)

    async def scenario():
        communicator = client(simulation.pk, headers)
        await opened(communicator)
        await communicator.send_json_to({"type": "ping", "padding": "x" * 64})
        answer = await communicator.receive_json_from(timeout=5)
        assert answer == {
            "type": "error",
            "error": "a frame of 95 bytes is over the limit of 64 bytes",
        }
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
        await communicator.disconnect()

    run(scenario)
