import pytest
from django.test import Client
from django.urls import reverse

from studio.models import Computer, GenerationBatch, Persona
from tests.studio.builders import make_pool

pytestmark = pytest.mark.django_db


def make_computers(pool, rows):
    persona = pool.personas.first()
    return Computer.objects.bulk_create(Computer(persona=persona, pool=pool, **row) for row in rows)


@pytest.fixture
def people(user, other_user):
    pool = make_pool(name="lab", owner=user, personas=1)
    Persona.objects.filter(pool=pool).update(text="A marine biologist tracking kelp forests.")
    secret = make_pool(name="secret", owner=other_user, shared=False)
    make_computers(
        pool,
        [
            dict(
                display_name="Ada Lovelace",
                job_title="Charge Nurse",
                employer="St Elsewhere",
                industry="Healthcare",
                state="ready",
            ),
            dict(
                display_name="Dana Ruiz",
                job_title="CFO",
                employer="Northwind",
                industry="Food manufacturing",
                state="failed",
                error="model refused",
            ),
            dict(
                display_name="Zed Alpha",
                job_title="Engineer",
                employer="Acme",
                industry="Software",
                state="running",
                stage="artifacts (4/20)",
                files_done=4,
                files_total=20,
            ),
        ],
    )
    make_computers(secret, [dict(display_name="Hidden Person", state="ready")])
    return pool


def names(response):
    return [c.display_name for c in response.context["page"]]


def test_list_shows_visible_computers_newest_first(auth_client, people):
    response = auth_client.get(reverse("studio-computer-list"))
    assert response.status_code == 200
    assert names(response) == ["Zed Alpha", "Dana Ruiz", "Ada Lovelace"]
    assert "Hidden Person" not in response.content.decode()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kelp", ["Zed Alpha", "Dana Ruiz", "Ada Lovelace"]),  # persona text
        ("dana", ["Dana Ruiz"]),  # name
        ("charge nurse", ["Ada Lovelace"]),  # role, every word must match
        ("manufacturing", ["Dana Ruiz"]),  # industry
        ("northwind", ["Dana Ruiz"]),  # employer
        ("hidden", []),  # another user's private computer never matches
    ],
)
def test_search(auth_client, people, query, expected):
    assert names(auth_client.get(reverse("studio-computer-list"), {"q": query})) == expected


def test_filter_by_state_and_pool_and_sort(auth_client, people, user):
    url = reverse("studio-computer-list")
    assert names(auth_client.get(url, {"state": "failed"})) == ["Dana Ruiz"]
    other = make_pool(name="other", owner=user)
    make_computers(other, [dict(display_name="Other Pool Person")])
    assert names(auth_client.get(url, {"pool": other.pk})) == ["Other Pool Person"]
    assert names(auth_client.get(url, {"pool": people.pk, "sort": "name"})) == [
        "Ada Lovelace",
        "Dana Ruiz",
        "Zed Alpha",
    ]
    assert names(auth_client.get(url, {"pool": people.pk, "sort": "role"})) == [
        "Dana Ruiz",
        "Ada Lovelace",
        "Zed Alpha",
    ]
    # Nonsense filters are ignored, not a 500.
    assert (
        auth_client.get(url, {"state": "bogus", "pool": "x", "sort": "'; drop"}).status_code == 200
    )


def test_pages_keep_the_filters(auth_client, user):
    pool = make_pool(name="many", owner=user)
    make_computers(
        pool, [dict(display_name=f"Person {n:03d}", industry="Retail") for n in range(120)]
    )
    url = reverse("studio-computer-list")
    first = auth_client.get(url, {"q": "retail", "sort": "name"})
    assert len(first.context["page"].object_list) == 50
    assert "page=2" in first.content.decode() and "q=retail" in first.content.decode()
    last = auth_client.get(url, {"q": "retail", "sort": "name", "page": 3})
    assert names(last)[-1] == "Person 119" and len(names(last)) == 20


def test_list_stays_a_handful_of_queries(auth_client, user, django_assert_max_num_queries):
    pool = make_pool(name="many", owner=user)
    make_computers(pool, [dict(display_name=f"P{n}") for n in range(300)])
    with django_assert_max_num_queries(20):
        auth_client.get(reverse("studio-computer-list"))


def test_generate_one_queues_it_after_commit(
    auth_client, people, user, django_capture_on_commit_callbacks
):
    persona = people.personas.first()
    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.post(
            reverse("studio-computer-generate"), {"persona": persona.pk, "target_files": 20}
        )
    computer = Computer.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == reverse("studio-computer-detail", args=[computer.pk])
    assert computer.state == "queued" and computer.target_files == 20
    assert computer.created_by == user and computer.persona == persona
    assert len(callbacks) == 1


def test_generate_one_rejects_bad_sizes(auth_client, people):
    before = Computer.objects.count()
    response = auth_client.post(
        reverse("studio-computer-generate"),
        {"persona": people.personas.first().pk, "target_files": 2},
        follow=True,
    )
    assert "Not generated: Files per computer:" in response.content.decode()
    assert Computer.objects.count() == before


def test_generate_from_another_users_private_persona_is_404(auth_client, other_user):
    secret = make_pool(name="secret2", owner=other_user, shared=False)
    response = auth_client.post(
        reverse("studio-computer-generate"),
        {"persona": secret.personas.first().pk, "target_files": 20},
    )
    assert response.status_code == 404
    assert not Computer.objects.filter(pool=secret).exists()


def test_generate_batch(auth_client, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.post(
            reverse("studio-computer-batch"),
            {"pool": people.pk, "count": 4, "target_files": 15},
            follow=True,
        )
    batch = GenerationBatch.objects.get()
    assert batch.computers.count() == 4
    assert set(batch.computers.values_list("target_files", flat=True)) == {15}
    assert len(callbacks) == 1  # one callback sends every task
    page = response.content.decode()
    assert f"Batch #{batch.pk}: 4 computer(s) from lab queued" in page
    assert f"#{batch.pk}</td>" in page  # the batch shows in the jobs panel


def test_batch_from_another_users_private_pool_is_404(auth_client, other_user):
    secret = make_pool(name="secret3", owner=other_user, shared=False)
    response = auth_client.post(
        reverse("studio-computer-batch"), {"pool": secret.pk, "count": 2, "target_files": 15}
    )
    assert response.status_code == 404
    assert not GenerationBatch.objects.exists()


def test_retry_a_failed_computer(auth_client, people, django_capture_on_commit_callbacks):
    failed = Computer.objects.get(display_name="Dana Ruiz")
    with django_capture_on_commit_callbacks() as callbacks:
        response = auth_client.post(
            reverse("studio-computer-retry", args=[failed.pk]),
            {"next": reverse("studio-computer-list")},
        )
    assert response.status_code == 302 and response["Location"] == reverse("studio-computer-list")
    failed.refresh_from_db()
    assert failed.state == "queued" and failed.error == ""
    assert len(callbacks) == 1


def test_retry_refuses_a_computer_that_did_not_fail(auth_client, people):
    ready = Computer.objects.get(display_name="Ada Lovelace")
    response = auth_client.post(reverse("studio-computer-retry", args=[ready.pk]), follow=True)
    assert "Not retried: only a failed computer can be retried." in response.content.decode()
    ready.refresh_from_db()
    assert ready.state == "ready"


def test_retry_ignores_offsite_next(auth_client, people):
    failed = Computer.objects.get(display_name="Dana Ruiz")
    response = auth_client.post(
        reverse("studio-computer-retry", args=[failed.pk]), {"next": "//evil.example/"}
    )
    assert response["Location"] == reverse("studio-computer-detail", args=[failed.pk])


def test_retry_of_another_users_computer_is_404(auth_client, people):
    hidden = Computer.objects.get(display_name="Hidden Person")
    Computer.objects.filter(pk=hidden.pk).update(state="failed")
    assert auth_client.post(reverse("studio-computer-retry", args=[hidden.pk])).status_code == 404
    hidden.refresh_from_db()
    assert hidden.state == "failed"


def test_jobs_panel_shows_progress_failures_and_retry(auth_client, people):
    response = auth_client.get(reverse("studio-computer-jobs"))
    page = response.content.decode()
    assert 'hx-trigger="every 2s"' in page  # Zed Alpha runs: keep polling
    assert "artifacts (4/20)" in page and '<progress max="1" value="0.200">' in page
    assert "model refused" in page
    failed = Computer.objects.get(display_name="Dana Ruiz")
    assert reverse("studio-computer-retry", args=[failed.pk]) in page
    assert "Hidden Person" not in page
    Computer.objects.filter(display_name="Zed Alpha").update(state="ready")
    assert "every 2s" not in auth_client.get(reverse("studio-computer-jobs")).content.decode()


def test_actions_need_post_and_csrf(auth_client, people, user):
    failed = Computer.objects.get(display_name="Dana Ruiz")
    assert auth_client.get(reverse("studio-computer-retry", args=[failed.pk])).status_code == 405
    assert auth_client.get(reverse("studio-computer-generate")).status_code == 405
    assert auth_client.get(reverse("studio-computer-batch")).status_code == 405
    assert auth_client.post(reverse("studio-computer-list")).status_code == 405
    assert auth_client.post(reverse("studio-computer-jobs")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(reverse("studio-computer-retry", args=[failed.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, people):
    failed = Computer.objects.get(display_name="Dana Ruiz")
    for url in (reverse("studio-computer-list"), reverse("studio-computer-jobs")):
        assert client.get(url)["Location"].startswith("/login/")
    response = client.post(reverse("studio-computer-retry", args=[failed.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    failed.refresh_from_db()
    assert failed.state == "failed"
