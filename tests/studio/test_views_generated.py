"""Every page of a computer the real pipeline generated with the offline engine."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from studio.generation.pipeline import computer_generate
from studio.models import Computer, ComputerFile, Folder, PersonaPool
from studio.services.computers import computer_create
from studio.services.personas import persona_pool_import
from studio.templatetags.studio_files import download_url, file_url

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """One 20-file computer for the whole module (generation takes seconds), removed after."""
    with django_db_blocker.unblock():
        owner = get_user_model().objects.create_user("gen-owner", password="pw-gen-123456")
        report = persona_pool_import(
            pool_name="generated-views",
            source=b'{"persona": "A pediatric nurse who coordinates night shifts."}\n',
            filename="p.jsonl",
            owner=owner,
        )
        computer = computer_create(
            persona=report.pool.personas.first(),
            target_files=20,
            seed=7,
            enqueue=False,
            created_by=owner,
        )
        computer_generate(computer=computer)
        computer.refresh_from_db()
        assert computer.state == Computer.State.READY, computer.error
        yield computer, owner
        Computer.objects.filter(pk=computer.pk).delete()
        PersonaPool.objects.filter(pk=report.pool.pk).delete()
        owner.delete()


@pytest.fixture
def browser(generated):
    client = Client()
    client.force_login(generated[1])
    return client


def test_every_file_previews_without_error_and_downloads_intact(browser, generated):
    computer, _ = generated
    files = list(ComputerFile.objects.filter(computer=computer))
    assert {f.kind for f in files} >= {"docx", "xlsx", "pptx", "pdf", "eml", "ics"}
    for f in files:
        response = browser.get(file_url(f))
        assert response.status_code == 200, f.path
        assert response.context["preview_error"] == "", (f.path, response.context["preview_error"])
        assert response.context["preview"] is not None
        download = browser.get(download_url(f))
        assert b"".join(download.streaming_content) == f.disk_path.read_bytes(), f.path


def test_workbooks_show_formulas_with_values(browser, generated):
    computer, _ = generated
    pages = [
        browser.get(file_url(f)).content.decode()
        for f in ComputerFile.objects.filter(computer=computer, kind="xlsx")
    ]
    assert any('<td class="formula"' in page and "<code>=" in page for page in pages)


def test_mail_threads_are_linked(browser, generated):
    computer, _ = generated
    reply = ComputerFile.objects.filter(
        computer=computer, kind="eml", depends_on__relation="replies_to"
    ).first()
    assert reply is not None
    response = browser.get(file_url(reply))
    assert len(response.context["thread"]) >= 2


def test_computer_page_and_every_folder_open(browser, generated):
    computer, _ = generated
    page = browser.get(reverse("studio-computer-detail", args=[computer.pk]))
    assert page.status_code == 200
    assert computer.display_name in page.content.decode()
    for folder in Folder.objects.filter(computer=computer):
        children = browser.get(reverse("studio-tree-children", args=[computer.pk, folder.path]))
        assert children.status_code == 200
        listed = [n.file.name for n in children.context["nodes"] if n.file]
        expected = ComputerFile.objects.filter(
            computer=computer, scope="home", folder=folder.path
        ).count()
        assert len(listed) == expected == folder.file_count
        deep = browser.get(reverse("studio-computer-tree", args=[computer.pk, folder.path]))
        assert deep.status_code == 200


def test_search_finds_files_by_their_words(browser, generated):
    computer, _ = generated
    target = ComputerFile.objects.filter(computer=computer, scope="home").exclude(text="").first()
    word = max(target.text.split(), key=len)
    response = browser.get(reverse("studio-computer-search", args=[computer.pk]), {"q": word})
    assert target.path in [h.file.path for h in response.context["hits"]]
