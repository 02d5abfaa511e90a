import pytest
from django.urls import reverse

from studio.models import Computer
from tests.studio.builders import make_pool

pytestmark = pytest.mark.django_db


def test_home_shows_counts_backend_user_and_activity(auth_client, computer, private_computer):
    Computer.objects.create(
        persona=computer.persona,
        pool=computer.pool,
        state="failed",
        error="boom",
        display_name="Broken One",
    )
    response = auth_client.get(reverse("studio-home"))
    assert response.status_code == 200
    page = response.content.decode()
    counts = response.context["counts"]
    # The other user's private pool and computer are not counted.
    assert counts["pools"] == 1 and counts["personas"] == 3
    assert counts["computers"] == 2
    assert counts["computers_by_state"]["ready"] == 1
    assert counts["computers_by_state"]["failed"] == 1
    assert "offline engine" in page and "not a language model" in page
    assert "ada" in page  # who is logged in
    assert "Log out" in page
    assert "Ada Lovelace" in page  # recent activity links the computer
    assert "Secret Person" not in page
    assert "ward-nurses" in page
    assert "bobs-private" not in page


def test_home_counts_the_simulations_the_user_may_see(auth_client, user, other_user):
    from simulations.services.simulations import simulation_create
    from tests.live.conftest import make_computer

    for owner, shared in [(user, False), (other_user, True), (other_user, False)]:
        simulation_create(
            computer=make_computer(owner=owner, shared=shared), config={}, enqueue=False
        )
    response = auth_client.get(reverse("studio-home"))
    assert response.context["counts"]["simulations"] == 2  # not the other's private one
    assert '<span class="n">2</span> simulations' in response.content.decode()


def test_home_polls_jobs_only_while_some_run(auth_client, user):
    pool = make_pool(name="p", owner=user)
    page = auth_client.get(reverse("studio-home")).content.decode()
    assert 'data-polling="off"' in page and "every 2s" not in page
    Computer.objects.create(
        persona=pool.personas.first(),
        pool=pool,
        state="running",
        stage="artifacts (3/20)",
        files_done=3,
        files_total=20,
    )
    page = auth_client.get(reverse("studio-home")).content.decode()
    assert 'data-polling="on"' in page and 'hx-trigger="every 2s"' in page
    assert "artifacts (3/20)" in page


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("studio-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_wrong_method(auth_client):
    assert auth_client.post(reverse("studio-home")).status_code == 405


def test_login_and_logout_through_the_forms(client, user):
    page = client.get(reverse("login")).content.decode()
    assert 'name="username"' in page
    response = client.post(reverse("login"), {"username": "ada", "password": "pw-ada-123456"})
    assert response.status_code == 302 and response["Location"] == reverse("studio-home")
    assert client.get(reverse("studio-home")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("studio-home")).status_code == 302


def test_pages_carry_a_strict_content_security_policy(auth_client):
    response = auth_client.get(reverse("studio-home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()  # no inline script anywhere
    assert "style=" not in response.content.decode()
