"""The simulation pages: happy paths, wrong methods, someone else's simulation."""

import pytest
from django.urls import reverse

from simulations.models import Simulation
from simulations.services.simulations import simulation_create
from studio.models import PersonaPool

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulation(computer, user):
    return simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 2}
    )


@pytest.fixture
def other_client(client, other_user):
    client.force_login(other_user)
    return client


@pytest.fixture
def other_client_factory(other_user):
    from django.test import Client

    def make():
        other = Client()
        other.force_login(other_user)
        return other

    return make


def test_list_and_detail(auth_client, simulation):
    page = auth_client.get(reverse("simulations-list"))
    assert page.status_code == 200 and f"#{simulation.pk}" in page.content.decode()
    detail = auth_client.get(reverse("simulations-detail", args=[simulation.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200 and "Pause" in body and "not written the month" in body
    assert (
        auth_client.get(reverse("simulations-list") + "?state=completed")
        .content.decode()
        .count('class="state-queued"')
        == 0
    )


def test_launch_a_batch(auth_client, computer, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(
        "simulations.tasks.advance_simulation.apply_async",
        lambda args, **kw: sent.append((args, kw)),
    )
    form = auth_client.get(reverse("simulations-new") + f"?computer={computer.pk}")
    assert form.status_code == 200 and f"#{computer.pk}" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            reverse("simulations-new"),
            {
                "computers": [computer.pk],
                "per_computer": 3,
                "workdays": 10,
                "max_turns": 500,
                "max_cost_usd": "2.5",
                "model_worker": "offline:latency=10",
                "label": "trial",
            },
        )
    assert response.status_code == 302 and response.url == reverse("simulations-list")
    sims = list(Simulation.objects.order_by("id"))
    assert len(sims) == 3 and len({s.seed for s in sims}) == 3
    options = sims[0].options
    assert (options.workdays, options.max_turns, options.max_cost_usd) == (10, 500, 2.5)
    assert options.models["worker"].model == "offline:latency=10" and "judge" not in options.models
    assert sorted(args[0] for args, kw in sent) == [s.pk for s in sims]
    assert all(kw["queue"] == "simulations" for _, kw in sent)


def test_launch_form_errors(auth_client, computer):
    response = auth_client.post(
        reverse("simulations-new"),
        {"computers": [computer.pk], "per_computer": 0, "workdays": 99, "max_turns": 10},
    )
    assert response.status_code == 400 and not Simulation.objects.exists()


def test_pause_resume_cancel(auth_client, simulation, monkeypatch):
    monkeypatch.setattr("simulations.tasks.advance_simulation.apply_async", lambda *a, **k: None)
    url = lambda action: reverse(f"simulations-{action}", args=[simulation.pk])  # noqa: E731
    assert auth_client.post(url("pause")).status_code == 302
    assert Simulation.objects.get(pk=simulation.pk).state == "paused"
    assert auth_client.post(url("resume"), {"next": "/simulations/"}).url == "/simulations/"
    assert Simulation.objects.get(pk=simulation.pk).state == "queued"
    assert auth_client.post(url("resume"), {"next": "https://evil.example/"}).url == reverse(
        "simulations-detail", args=[simulation.pk]
    )
    auth_client.post(url("cancel"))
    assert Simulation.objects.get(pk=simulation.pk).state == "cancelled"


def test_delete_a_finished_runs_workspace(auth_client, simulation, other_client_factory):
    url = reverse("simulations-delete-workspace", args=[simulation.pk])
    detail = reverse("simulations-detail", args=[simulation.pk])
    (simulation.workspace_root / "home").mkdir(parents=True)
    (simulation.workspace_root / "home" / "notes.md").write_text("draft")
    assert "Delete workspace" not in auth_client.get(detail).content.decode()
    auth_client.post(url)  # still queued: refused, nothing removed
    assert simulation.workspace_on_disk
    assert other_client_factory().post(url).status_code == 403  # not theirs to control
    Simulation.objects.filter(pk=simulation.pk).update(state="completed")
    assert "Delete workspace" in auth_client.get(detail).content.decode()
    assert auth_client.post(url).status_code == 302
    assert not simulation.workspace_on_disk
    assert Simulation.objects.filter(pk=simulation.pk).exists()  # the records stay
    page = auth_client.post(url, follow=True).content.decode()
    assert "already gone" in page and "Delete workspace" not in page


@pytest.mark.parametrize("action", ["pause", "resume", "cancel", "delete-workspace"])
def test_controls_need_post(auth_client, simulation, action):
    assert (
        auth_client.get(reverse(f"simulations-{action}", args=[simulation.pk])).status_code == 405
    )


def test_someone_elses_simulation(other_client, simulation):
    # on a shared pool: visible, but only its launcher (or the pool's owner) may control it
    assert other_client.get(reverse("simulations-detail", args=[simulation.pk])).status_code == 200
    assert other_client.post(reverse("simulations-pause", args=[simulation.pk])).status_code == 403
    assert Simulation.objects.get(pk=simulation.pk).state == "queued"
    # on a private pool: it does not exist for them
    PersonaPool.objects.filter(pk=simulation.computer.pool_id).update(shared=False)
    assert other_client.get(reverse("simulations-detail", args=[simulation.pk])).status_code == 404
    assert other_client.post(reverse("simulations-cancel", args=[simulation.pk])).status_code == 404
    assert f"#{simulation.pk}" not in other_client.get(reverse("simulations-list")).content.decode()


def test_anonymous_is_sent_to_login(client, simulation):
    response = client.get(reverse("simulations-detail", args=[simulation.pk]))
    assert response.status_code == 302 and "/login/" in response.url
