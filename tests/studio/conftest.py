"""Fixtures for the studio's view tests (the shared actors live in tests/conftest.py)."""

import pytest

from tests.studio.builders import build_computer, make_pool, profile, standard_specs


@pytest.fixture
def shared_pool(user):
    return make_pool(name="ward-nurses", owner=user, shared=True, personas=3)


@pytest.fixture
def computer(shared_pool):
    """A ready computer with one file of each kind, a reply thread and a collaborator file."""
    return build_computer(pool=shared_pool, specs=standard_specs(), profile=profile())


@pytest.fixture
def private_computer(other_user):
    """A ready computer in another user's private pool: invisible to ``user``."""
    pool = make_pool(name="bobs-private", owner=other_user, shared=False)
    return build_computer(
        pool=pool, specs=standard_specs(), profile=profile(), display_name="Secret Person"
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Users are made in nearly every view test; the real hasher costs ~0.3 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_preview_cache():
    from studio.services.files import preview_cache

    preview_cache.clear()
    yield
    preview_cache.clear()
