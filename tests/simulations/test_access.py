"""One rule per object: the list a user sees and the per-object checks agree, for every kind
of user (owner, another member, superuser, inactive, anonymous)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from simulations import access
from simulations.services.simulations import simulation_create
from studio import access as studio_access
from tests.live.conftest import make_computer

pytestmark = pytest.mark.django_db


@pytest.fixture
def third_user(django_user_model):
    return django_user_model.objects.create_user("cy", password="pw")


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("root", password="pw")


def _simulation(*, pool_owner, launcher, shared):
    computer = make_computer(owner=pool_owner, shared=shared)
    return simulation_create(computer=computer, created_by=launcher, config={}, enqueue=False)


def test_a_private_pool_is_its_owners_and_the_superusers(user, other_user, admin):
    sim = _simulation(pool_owner=user, launcher=user, shared=False)
    for who, sees in [(user, True), (other_user, False), (admin, True), (AnonymousUser(), False)]:
        assert (studio_access.computer_get(user=who, pk=sim.computer_id) is not None) is sees
        assert (sim in access.visible_simulations(who)) is sees
        assert access.simulation_visible(user=who, pk=sim.pk) is sees
        assert (access.simulation_get(user=who, pk=sim.pk) is not None) is sees


def test_an_inactive_user_sees_nothing_not_even_their_own(user):
    sim = _simulation(pool_owner=user, launcher=user, shared=True)
    user.is_active = False
    assert not studio_access.visible_pools(user).exists()
    assert not access.simulation_visible(user=user, pk=sim.pk)


def test_steering_is_the_launcher_the_pool_owner_and_superusers(
    user, other_user, third_user, admin
):
    sim = _simulation(pool_owner=user, launcher=other_user, shared=True)
    # Everyone sees a shared pool's simulation; only some may steer it.
    assert all(access.simulation_visible(user=u, pk=sim.pk) for u in (user, other_user, third_user))
    assert access.can_steer(user=user, simulation=sim)  # the pool's owner
    assert access.can_steer(user=other_user, simulation=sim)  # who launched it
    assert access.can_steer(user=admin, simulation=sim)
    assert not access.can_steer(user=third_user, simulation=sim)
    assert not access.can_steer(user=AnonymousUser(), simulation=sim)
    assert set(access.steerable_simulations(third_user)) == set()
    assert set(access.steerable_simulations(other_user)) == {sim}


def test_a_private_pool_name_is_taken_for_others_only(user, other_user):
    pool = make_computer(owner=user, shared=False).pool
    assert not studio_access.pool_name_taken_by_other(user=user, name=pool.name)
    assert studio_access.pool_name_taken_by_other(user=other_user, name=pool.name)
    assert not studio_access.pool_name_taken_by_other(user=other_user, name="no such pool")


def test_a_model_call_is_seen_with_its_computer_and_a_probe_by_staff(user, other_user, admin):
    from studio.models import LLMCall

    private = make_computer(owner=user, shared=False)
    call = LLMCall.objects.create(
        role="worker", model="m", backend="b", outcome="ok", computer=private
    )
    probe = LLMCall.objects.create(role="check", model="m", backend="b", outcome="ok")
    assert set(studio_access.visible_llm_calls(user)) == {call}
    assert set(studio_access.visible_llm_calls(other_user)) == set()
    assert set(studio_access.visible_llm_calls(admin)) == {call, probe}
    assert not studio_access.visible_llm_calls(AnonymousUser()).exists()
