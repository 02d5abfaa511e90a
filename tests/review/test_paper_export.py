"""Exporting in the paper's layout: the parquet reads back, and export -> import gives the same
computer (paths, bytes, dates, edges, profile), ours and the paper's alike."""

from __future__ import annotations

import io
import json
import tarfile

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.urls import reverse

from simulations.review.paper_format import DOCUMENTS
from studio.models import Computer, FileEdge
from tests.review.paper_fixture import CID, write_paper_computer

pytestmark = pytest.mark.django_db


def snapshot(computer: Computer):
    files = sorted(
        (f.scope, f.owner, f.path, f.sha256, f.size, f.mtime, f.kind, f.summary)
        for f in computer.files.exclude(scope="collaborator")
    )
    edges = sorted(
        FileEdge.objects.filter(computer=computer)
        .exclude(source__scope="collaborator")
        .exclude(target__scope="collaborator")
        .values_list("source__path", "target__path", "relation")
    )
    return files, edges


def test_paper_computer_round_trip_and_parquet(tmp_path):
    write_paper_computer(tmp_path / "src")
    call_command("import_computer", str(tmp_path / "src"), "--format", "paper", "--pool", "a")
    first = Computer.objects.get()
    call_command(
        "export_computer", "--pool", "a", "--format", "paper", "--out", str(tmp_path / "out")
    )
    out = tmp_path / "out"
    assert (
        out / "computers" / CID / "drives" / "D:" / "Archive" / "2025" / "lanes 2025.xlsx"
    ).is_file()
    table = pq.read_table(out / "data" / "train-00000-of-00001.parquet")
    assert table.column_names == ["computer_id", *DOCUMENTS]
    row = table.to_pylist()[0]
    assert row["computer_id"] == CID
    assert json.loads(row["monthly_objectives"]) == first.documents["monthly_objectives"]
    assert len(json.loads(row["file_list"])) == first.files.count()
    call_command("import_computer", str(out), "--format", "paper", "--pool", "b")
    second = Computer.objects.get(pool__name="b")
    assert snapshot(second) == snapshot(first)
    assert second.profile == first.profile and second.volumes == first.volumes
    assert second.documents == first.documents


def test_our_computer_round_trips_through_the_paper_layout(computer, tmp_path):
    out = tmp_path / "out"
    call_command(
        "export_computer", "--computer", str(computer.pk), "--format", "paper", "--out", str(out)
    )
    call_command("import_computer", str(out), "--format", "paper", "--pool", "back")
    back = Computer.objects.get(pool__name="back")
    assert snapshot(back) == snapshot(computer)
    assert back.profile == computer.profile and back.policy == computer.policy
    assert sorted(back.files.values_list("key", "title", "text")) == sorted(
        computer.files.exclude(scope="collaborator").values_list("key", "title", "text")
    )
    assert back.persona.text == computer.persona.text


def test_studio_download_is_a_paper_tarball(auth_client, computer, tmp_path):
    response = auth_client.get(reverse("review-archive", args=[computer.pk]) + "?format=paper")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = tar.getnames()
    assert "data/train-00000-of-00001.parquet" in names
    assert any("/drives/" in n for n in names) and any(n.endswith("file_list.json") for n in names)
    upload = tmp_path / "c.tar.gz"
    upload.write_bytes(data)
    with upload.open("rb") as stream:
        response = auth_client.post(
            reverse("review-archive-import"),
            {"format": "paper", "archive": stream, "pool": computer.pool_id},
        )
    assert response.status_code == 302, response.content[:2000]
    back = Computer.objects.exclude(pk=computer.pk).get()
    assert snapshot(back) == snapshot(computer)
