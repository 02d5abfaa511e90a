"""One definition per count, the same on every page: a computer's files (those on the user's
computer, the collaborators' private ones apart) and personas (imported, and with a computer)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from studio import selectors
from studio.models import ComputerFile

pytestmark = pytest.mark.django_db


def file_count_text(html: str, computer_id: int) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", m).split())
        for m in re.findall(r'<span class="file-count"[^>]*>(.*?)</span>\s*</', html, re.S)
    ]


def test_a_computers_files_are_counted_alike_everywhere(auth_client, computer):
    home = ComputerFile.objects.filter(computer=computer, scope="home").count()
    private = ComputerFile.objects.filter(computer=computer).exclude(scope="home").count()
    assert home and private, "the fixture has both kinds of files"
    counts = selectors.computer_file_counts(computer=computer)
    assert (counts.files, counts.collaborator_files) == (home, private)
    expected = f"{home} files + {private} collaborator file{'s' if private != 1 else ''}"
    listing = auth_client.get(reverse("studio-computer-list")).content.decode()
    jobs = auth_client.get(reverse("studio-computer-jobs")).content.decode()
    front = auth_client.get(reverse("studio-home")).content.decode()
    for page in (listing, jobs, front):
        assert set(file_count_text(page, computer.pk)) == {expected}
    detail = auth_client.get(reverse("studio-computer-detail", args=[computer.pk])).content
    text = " ".join(re.sub(r"<[^>]+>", " ", detail.decode()).split())
    assert f"{home} files on the computer" in text
    assert f"{private} collaborators' private files" in text


def test_personas_are_those_imported_on_home_and_dashboard(auth_client, computer, shared_pool):
    imported = shared_pool.personas.count()
    assert imported == 3 and computer.persona.pool_id == shared_pool.pk
    front = " ".join(
        re.sub(r"<[^>]+>", " ", auth_client.get(reverse("studio-home")).content.decode()).split()
    )
    board = " ".join(
        re.sub(
            r"<[^>]+>", " ", auth_client.get(reverse("review-dashboard")).content.decode()
        ).split()
    )
    assert f"{imported} personas imported" in front
    assert f"{imported} personas imported (1 with a computer)" in board
