import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from studio.models import Persona, PersonaPool
from tests.studio.builders import make_pool

pytestmark = pytest.mark.django_db


def upload(name: str, *rows) -> SimpleUploadedFile:
    body = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows)
    return SimpleUploadedFile(name, body.encode(), content_type="application/octet-stream")


def test_list_shows_visible_pools_only(auth_client, user, other_user):
    make_pool(name="lab-shared", owner=other_user, shared=True, personas=2)
    make_pool(name="mine-private", owner=user, shared=False)
    make_pool(name="bobs-secret", owner=other_user, shared=False)
    page = auth_client.get(reverse("studio-pool-list")).content.decode()
    assert "lab-shared" in page and "mine-private" in page
    assert "bobs-secret" not in page
    assert 'enctype="multipart/form-data"' in page


def test_import_by_upload_reports_counts_and_duplicates(auth_client, user):
    file = upload(
        "nurses.jsonl",
        {"persona": "A paediatric nurse on night shifts."},
        {"name": "Dana Ruiz", "role": "CFO", "company": "Northwind", "industry": "Food"},
        {"persona": "A  paediatric nurse on night shifts."},
    )
    response = auth_client.post(
        reverse("studio-pool-import"), {"name": "nurses", "file": file, "shared": "on"}, follow=True
    )
    pool = PersonaPool.objects.get(name="nurses")
    assert response.redirect_chain[-1][0] == reverse("studio-pool-detail", args=[pool.pk])
    page = response.content.decode()
    assert "Imported 2 persona(s) into nurses, 1 duplicate(s) skipped." in page
    assert "Dana Ruiz" in page and "Northwind" in page
    assert pool.owner == user and pool.shared


def test_import_with_bad_lines_lists_them_and_imports_nothing(auth_client):
    file = upload("bad.jsonl", {"persona": "fine"}, "{not json", {"hobby": "chess"})
    response = auth_client.post(reverse("studio-pool-import"), {"name": "bad", "file": file})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing imported." in page and "2 bad lines" in page
    rows = response.context["import_error"].report.errors
    assert [e.line for e in rows] == [2, 3]
    assert '<td class="num">2</td><td>not valid JSON' in page.replace("\n", "")
    assert not PersonaPool.objects.filter(name="bad").exists()
    assert not Persona.objects.exists()


def test_import_of_deeply_nested_line_is_a_400_naming_the_line(auth_client):
    deep = '{"a": ' * 1000 + "1" + "}" * 1000
    file = upload("deep.jsonl", {"persona": "fine"}, deep)
    response = auth_client.post(reverse("studio-pool-import"), {"name": "deep", "file": file})
    assert response.status_code == 400
    page = response.content.decode().replace("\n", "")
    assert '<td class="num">2</td><td>JSON nested too deeply to read' in page
    assert not PersonaPool.objects.filter(name="deep").exists()
    assert not Persona.objects.exists()


def test_import_of_a_json_array_hints_at_json_lines(auth_client):
    body = json.dumps([{"persona": "A CFO"}, {"persona": "A nurse"}]).encode()
    file = SimpleUploadedFile("pool.json", body)
    response = auth_client.post(reverse("studio-pool-import"), {"name": "arr", "file": file})
    assert response.status_code == 400
    assert "one JSON object per line (JSONL)" in response.content.decode()
    assert not PersonaPool.objects.filter(name="arr").exists()


def test_import_refuses_another_users_private_pool_name(auth_client, other_user):
    make_pool(name="bobs-secret", owner=other_user, shared=False, personas=1)
    file = upload("p.jsonl", {"persona": "An intruder persona."})
    response = auth_client.post(
        reverse("studio-pool-import"), {"name": "bobs-secret", "file": file}
    )
    assert response.status_code == 400
    assert "Another user has a private pool with this name." in response.content.decode()
    assert Persona.objects.filter(pool__name="bobs-secret").count() == 1


def test_import_of_non_utf8_file_is_a_clear_error(auth_client):
    file = SimpleUploadedFile("p.csv", b"persona\n\xff\xfe broken\n")
    response = auth_client.post(reverse("studio-pool-import"), {"name": "x", "file": file})
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_import_needs_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        reverse("studio-pool-import"), {"name": "x", "file": upload("p.jsonl", {"persona": "p"})}
    )
    assert response.status_code == 403
    assert not PersonaPool.objects.exists()


def test_persona_list_search_and_pages(auth_client, user):
    pool = make_pool(name="big", owner=user, personas=0)
    for n in range(120):
        role = "Radiographer" if n % 40 == 0 else "Nurse"
        Persona.objects.create(
            pool=pool,
            text=f"Persona number {n:03d}, a {role.lower()}.",
            role=role,
            digest=f"d{n}",
            line_number=n + 1,
        )
    page1 = auth_client.get(reverse("studio-pool-detail", args=[pool.pk]))
    assert page1.status_code == 200
    assert len(page1.context["page"].object_list) == 50
    assert "page 1 of 3" in page1.content.decode()
    page3 = auth_client.get(reverse("studio-pool-detail", args=[pool.pk]), {"page": 3})
    assert "Persona number 119" in page3.content.decode()
    found = auth_client.get(reverse("studio-pool-detail", args=[pool.pk]), {"q": "radiographer"})
    texts = [p.text for p in found.context["page"]]
    assert texts == [f"Persona number {n:03d}, a radiographer." for n in (0, 40, 80)]
    # Each persona row has a Generate button posting its id.
    assert f'name="persona" value="{found.context["page"][0].pk}"' in found.content.decode()


def test_another_users_private_pool_is_404(auth_client, other_user):
    pool = make_pool(name="bobs-secret", owner=other_user, shared=False)
    assert auth_client.get(reverse("studio-pool-detail", args=[pool.pk])).status_code == 404


def test_superuser_sees_private_pools(client, django_user_model, other_user):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123456")
    client.force_login(admin)
    pool = make_pool(name="bobs-secret", owner=other_user, shared=False)
    assert client.get(reverse("studio-pool-detail", args=[pool.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, user):
    pool = make_pool(name="p", owner=user)
    for url in (reverse("studio-pool-list"), reverse("studio-pool-detail", args=[pool.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = client.post(
        reverse("studio-pool-import"), {"name": "x", "file": upload("p.jsonl", {"persona": "p"})}
    )
    assert response.status_code == 302
    assert not PersonaPool.objects.filter(name="x").exists()


def test_wrong_methods(auth_client, user):
    pool = make_pool(name="p", owner=user)
    assert auth_client.get(reverse("studio-pool-import")).status_code == 405
    assert auth_client.post(reverse("studio-pool-list")).status_code == 405
    assert auth_client.post(reverse("studio-pool-detail", args=[pool.pk])).status_code == 405
