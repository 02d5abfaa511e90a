"""Layer 3: who may open a simulation's live socket. Refused connections never join the
group and never receive a byte of the simulation."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from studio.project.asgi import application
from tests.live.conftest import commit_turn, make_simulation, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def connects(simulation_id: int, headers) -> bool:
    async def attempt():
        communicator = WebsocketCommunicator(
            application, f"/ws/simulations/{simulation_id}/?last_seq=0", headers=headers
        )
        connected, _ = await communicator.connect(timeout=10)
        try:
            if connected:
                first = await communicator.receive_json_from(timeout=5)
                assert first["type"] == "status"
        finally:
            # Also after a refusal: the consumer leaves through its own disconnect path
            # instead of being cancelled mid-receive when the event loop closes (which
            # could hang the loop's shutdown).
            await communicator.disconnect()
        return connected

    return async_to_sync(attempt)()


@pytest.fixture
def private_simulation(user):
    simulation = make_simulation(owner=user, shared=False)
    commit_turn(simulation)
    return simulation


def test_the_owner_connects(user, private_simulation):
    assert connects(private_simulation.pk, session_headers(user))


def test_anonymous_is_refused(private_simulation):
    assert not connects(private_simulation.pk, [(b"origin", b"http://localhost")])


def test_a_foreign_origin_is_refused(user, private_simulation):
    assert not connects(private_simulation.pk, session_headers(user, origin="https://evil.example"))


def test_no_origin_header_is_refused(user, private_simulation):
    headers = [h for h in session_headers(user) if h[0] != b"origin"]
    assert not connects(private_simulation.pk, headers)


def test_a_user_without_access_to_the_private_pool_is_refused(other_user, private_simulation):
    assert not connects(private_simulation.pk, session_headers(other_user))


def test_any_user_may_watch_a_simulation_on_a_shared_pool(user, other_user):
    shared = make_simulation(owner=user, shared=True)
    assert connects(shared.pk, session_headers(other_user))


def test_a_superuser_may_watch_anything(django_user_model, private_simulation):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123456")
    assert connects(private_simulation.pk, session_headers(admin))


def test_an_inactive_user_is_refused(user, other_user, django_user_model):
    shared = make_simulation(owner=user, shared=True)
    headers = session_headers(other_user)
    django_user_model.objects.filter(pk=other_user.pk).update(is_active=False)
    assert not connects(shared.pk, headers)


def test_a_missing_simulation_is_refused(user, private_simulation):
    assert not connects(private_simulation.pk + 1000, session_headers(user))
