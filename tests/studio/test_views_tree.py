import datetime as dt

import pytest
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse

from studio.models import Computer, ComputerFile, Folder
from tests.studio.builders import make_pool

pytestmark = pytest.mark.django_db


def test_computer_page_profile_stats_root_level_and_private_files(auth_client, computer):
    response = auth_client.get(reverse("studio-computer-detail", args=[computer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    # profile: person, organisation, collaborators with roles and styles, projects
    assert "Charge Nurse, Paediatrics" in page and "St Elsewhere" in page
    assert "Grace Hopper" in page and "Ward Manager" in page and "terse, numbers first" in page
    assert "Medication Audit" in page and "MED-AUDIT" in page
    # stats
    stats = response.context["stats"]
    assert stats.files == 10 and stats.private_files == 1 and stats.edges == 1
    assert stats.by_kind["eml"] == 2
    assert "dependency edges" in page
    # the tree: only the root level (folders closed, fetched lazily) and root files
    tree = page[page.index('id="tree"') : page.index('id="private"')]
    for folder in ("Calendar", "Data", "Documents", "Mail", "Notes"):
        assert f'<span class="name">{folder}</span>' in tree
    assert "todo.txt" in tree
    assert "Budget 2024.xlsx" not in tree
    assert reverse("studio-tree-children", args=[computer.pk, "Documents"]) in tree
    assert 'hx-trigger="toggle once"' in tree
    # collaborators' files, separately and clearly marked
    private = page[page.index('id="private"') :]
    assert "not on the user's computer" in private and "Shared/benchmark.xlsx" in private
    assert (
        reverse(
            "studio-private-file-detail",
            args=[computer.pk, "grace-hopper", "Shared/benchmark.xlsx"],
        )
        in private
    )


def test_folder_children_are_fetched_lazily(auth_client, computer):
    url = reverse("studio-tree-children", args=[computer.pk, "Documents"])
    page = auth_client.get(url).content.decode()
    assert [n.folder.name for n in auth_client.get(url).context["nodes"]] == [
        "Finance",
        "Presentations",
        "Reports",
    ]
    assert "Budget 2024.xlsx" not in page
    finance = auth_client.get(
        reverse("studio-tree-children", args=[computer.pk, "Documents/Finance"])
    )
    html = finance.content.decode()
    file = ComputerFile.objects.get(computer=computer, name="Budget 2024.xlsx")
    assert reverse("studio-file-detail", args=[computer.pk, file.path]) in html
    assert '<span class="kind">xlsx</span>' in html
    assert "2024-03-04 09:30" in html  # the synthetic date
    assert f'<span class="size">{filesizeformat(file.size)}</span>' in html


def test_deep_link_to_a_folder_opens_the_way_to_it(auth_client, computer):
    response = auth_client.get(
        reverse("studio-computer-tree", args=[computer.pk, "Documents/Finance"])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Budget 2024.xlsx" in page  # the folder's own files are shown
    assert '<li class="folder current">' in page
    assert "Presentations" in page and "Audit Kickoff.pptx" not in page  # siblings closed


@pytest.mark.parametrize("folder", ["Nowhere", "Documents/../Mail", "todo.txt"])
def test_bad_folders_are_404(auth_client, computer, folder):
    assert (
        auth_client.get(reverse("studio-computer-tree", args=[computer.pk, folder])).status_code
        == 404
    )
    assert (
        auth_client.get(reverse("studio-tree-children", args=[computer.pk, folder])).status_code
        == 404
    )


def test_big_folders_come_in_pages(auth_client, user):
    pool = make_pool(name="big", owner=user)
    computer = Computer.objects.create(persona=pool.personas.first(), pool=pool, state="ready")
    Folder.objects.create(
        computer=computer, path="Inbox", parent="", name="Inbox", depth=1, file_count=350
    )
    ComputerFile.objects.bulk_create(
        ComputerFile(
            computer=computer,
            key=f"k{n}",
            path=f"Inbox/m{n:03d}.eml",
            folder="Inbox",
            name=f"m{n:03d}.eml",
            kind="eml",
            mtime=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )
        for n in range(350)
    )
    url = reverse("studio-tree-children", args=[computer.pk, "Inbox"])
    first = auth_client.get(url)
    assert len(first.context["nodes"]) == 300
    assert "Show 50 more" in first.content.decode() and "?offset=300" in first.content.decode()
    rest = auth_client.get(url, {"offset": 300})
    assert [n.file.name for n in rest.context["nodes"]][0] == "m300.eml"
    assert len(rest.context["nodes"]) == 50 and "more" not in rest.content.decode()


def test_computer_page_cost_does_not_grow_with_the_files(
    auth_client, user, django_assert_max_num_queries
):
    pool = make_pool(name="big", owner=user)
    computer = Computer.objects.create(persona=pool.personas.first(), pool=pool, state="ready")
    folders = [
        Folder(computer=computer, path=f"F{n}", parent="", name=f"F{n}", depth=1, file_count=100)
        for n in range(20)
    ]
    Folder.objects.bulk_create(folders)
    ComputerFile.objects.bulk_create(
        ComputerFile(
            computer=computer,
            key=f"k{n}",
            path=f"F{n % 20}/f{n}.txt",
            folder=f"F{n % 20}",
            name=f"f{n}.txt",
            kind="txt",
            mtime=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )
        for n in range(2000)
    )
    with django_assert_max_num_queries(15):
        response = auth_client.get(reverse("studio-computer-detail", args=[computer.pk]))
    assert len(response.context["tree"].nodes) == 20  # the folders only; no file rendered


def test_search_inside_a_computer(auth_client, computer):
    url = reverse("studio-computer-search", args=[computer.pk])
    response = auth_client.get(url, {"q": "friday"})
    paths = [hit.file.path for hit in response.context["hits"]]
    assert paths == ["Mail/Re Rota question.eml", "Mail/Rota question.eml"]
    page = response.content.decode()
    assert "<mark>Friday</mark>" in page
    # titles and paths match too; collaborator files are found and marked
    assert [h.file.path for h in auth_client.get(url, {"q": "kickoff"}).context["hits"]] == [
        "Documents/Presentations/Audit Kickoff.pptx"
    ]
    rainbow = auth_client.get(url, {"q": "rainbow"})
    assert {h.file.path for h in rainbow.context["hits"]} == {
        "Documents/Reports/2024-03 Ward Report.docx",
        "Shared/benchmark.xlsx",
    }
    assert "Grace Hopper's private file" in rainbow.content.decode()
    assert "No file matches" in auth_client.get(url, {"q": "zeppelin"}).content.decode()


def test_search_snippets_are_escaped(auth_client, computer):
    response = auth_client.get(
        reverse("studio-computer-search", args=[computer.pk]), {"q": "alert"}
    )
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;<mark>alert</mark>" in page


def test_unfinished_computer_shows_live_status(auth_client, user):
    pool = make_pool(name="p", owner=user)
    computer = Computer.objects.create(
        persona=pool.personas.first(),
        pool=pool,
        state="running",
        stage="artifacts (5/20)",
        files_done=5,
        files_total=20,
    )
    page = auth_client.get(reverse("studio-computer-detail", args=[computer.pk])).content.decode()
    status_url = reverse("studio-computer-status", args=[computer.pk])
    assert f'hx-get="{status_url}" hx-trigger="every 2s"' in page
    assert "5 of 20 files" in page and 'id="tree"' not in page
    polled = auth_client.get(status_url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled
    Computer.objects.filter(pk=computer.pk).update(state="ready")
    polled = auth_client.get(status_url, headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"


def test_failed_computer_shows_error_and_retry(auth_client, user):
    pool = make_pool(name="p", owner=user)
    computer = Computer.objects.create(
        persona=pool.personas.first(),
        pool=pool,
        state="failed",
        error="the model returned invalid JSON twice",
    )
    page = auth_client.get(reverse("studio-computer-detail", args=[computer.pk])).content.decode()
    assert "Generation failed: the model returned invalid JSON twice" in page
    assert reverse("studio-computer-retry", args=[computer.pk]) in page
    assert "every 2s" not in page


@pytest.mark.parametrize(
    "name, extra",
    [
        ("studio-computer-detail", []),
        ("studio-computer-status", []),
        ("studio-computer-search", []),
        ("studio-tree-root", []),
        ("studio-computer-tree", ["Documents"]),
        ("studio-tree-children", ["Documents"]),
    ],
)
def test_another_users_private_computer_is_404(auth_client, private_computer, name, extra):
    assert auth_client.get(reverse(name, args=[private_computer.pk, *extra])).status_code == 404


@pytest.mark.parametrize(
    "name, extra",
    [
        ("studio-computer-detail", []),
        ("studio-computer-search", []),
        ("studio-computer-tree", ["Documents"]),
        ("studio-tree-children", ["Documents"]),
    ],
)
def test_anonymous_and_wrong_method(auth_client, computer, name, extra):
    url = reverse(name, args=[computer.pk, *extra])
    assert auth_client.post(url).status_code == 405
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
