"""Browsing a computer's other volumes: each listed as the user sees it, its files opened, previewed
(by openpyxl, as every xlsx is) and downloaded; paths that leave the volume are 404s."""

from __future__ import annotations

import html

import pytest
from django.core.management import call_command
from django.urls import reverse

from studio.models import Computer
from tests.review.paper_fixture import CID, write_paper_computer

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper_computer(tmp_path, user):
    write_paper_computer(tmp_path)
    call_command("import_computer", str(tmp_path), "--format", "paper", "--pool", "paper")
    return Computer.objects.get(documents__computer_id=CID)


def test_the_computer_page_lists_each_volume_as_the_user_sees_it(client, user, paper_computer):
    client.force_login(user)
    page = html.unescape(
        client.get(reverse("studio-computer-detail", args=[paper_computer.pk])).content.decode()
    )
    assert "Other volumes" in page
    assert "D:\\Archive\\2025\\lanes 2025.xlsx" in page
    assert "C:\\Tools\\readme.txt" in page  # on the home's volume, outside the home
    lanes = reverse(
        "studio-volume-file-detail", args=[paper_computer.pk, "d", "Archive/2025/lanes 2025.xlsx"]
    )
    assert f'href="{lanes}"' in page.replace("%20", " ") or lanes.replace(" ", "%20") in page


def test_a_second_volumes_file_opens_previews_and_downloads(client, user, paper_computer):
    client.force_login(user)
    args = [paper_computer.pk, "d", "Archive/2025/lanes 2025.xlsx"]
    page = client.get(reverse("studio-volume-file-detail", args=args))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "D:\\Archive\\2025\\lanes 2025.xlsx" in text
    assert "RTM-BRU" in text  # the sheet, read by the studio's xlsx reader
    download = client.get(reverse("studio-volume-file-download", args=args))
    on_disk = paper_computer.files.get(scope="volume", owner="D:").disk_path.read_bytes()
    assert b"".join(download.streaming_content) == on_disk
    # the same path is no file of the home, nor of another volume
    assert client.get(reverse("studio-file-detail", args=args[::2])).status_code == 404
    assert (
        client.get(reverse("studio-volume-file-detail", args=[paper_computer.pk, "c", args[2]]))
    ).status_code == 404


def test_escapes_and_strangers_are_404(client, user, other_user, paper_computer):
    client.force_login(user)
    url = f"/computers/{paper_computer.pk}/volumes/d/files/../../home/Desktop/scratch.md"
    assert client.get(url).status_code == 404
    paper_computer.pool.shared = False
    paper_computer.pool.owner = user
    paper_computer.pool.save(update_fields=["shared", "owner"])
    client.force_login(other_user)
    args = [paper_computer.pk, "d", "Archive/2025/lanes 2025.xlsx"]
    assert client.get(reverse("studio-volume-file-detail", args=args)).status_code == 404
