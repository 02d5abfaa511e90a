"""Importing the paper's layout: volumes, logical paths, dates, metadata and edges kept; hostile
or broken sources refused with a clear error and nothing left behind."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from studio.models import Computer, ComputerFile, FileEdge, PersonaPool
from tests.review.paper_fixture import CID, DOCUMENTS, HOME, RECORDS, write_paper_computer

pytestmark = pytest.mark.django_db


def _import(path, pool="paper"):
    call_command("import_computer", str(path), "--format", "paper", "--pool", pool)
    return Computer.objects.get(documents__computer_id=CID)


def test_import_keeps_volumes_paths_dates_metadata_and_edges(tmp_path):
    write_paper_computer(tmp_path)
    computer = _import(tmp_path)
    assert computer.state == Computer.State.READY
    assert computer.display_name == "Marit Heller" and computer.job_title == "Logistics Coordinator"
    assert computer.volumes == [
        {"name": "C:", "mount": "C:\\", "home": HOME},
        {"name": "D:", "mount": "D:\\", "home": ""},
    ]
    files = {(f.scope, f.owner, f.path): f for f in computer.files.all()}
    assert set(files) == {
        ("home", "", "Documents/Audit/GDP audit plan.docx"),
        ("home", "", "Documents/Audit/Temperature excursions.xlsx"),
        ("home", "", "Desktop/audit findings draft.docx"),
        ("home", "", "Desktop/scratch.md"),
        ("volume", "D:", "Archive/2025/lanes 2025.xlsx"),
        ("volume", "C:", "Tools/readme.txt"),
    }
    draft = files[("home", "", "Desktop/audit findings draft.docx")]
    assert draft.mtime == dt.datetime(2026, 2, 20, 16, 30, tzinfo=dt.UTC)
    assert draft.summary == "Findings drafted from the excursion log."
    assert draft.project == "P-GDP" and draft.kind == "docx"
    assert draft.facts["paper"] == RECORDS[2]
    assert files[("home", "", "Documents/Audit/GDP audit plan.docx")].facts["paper"]["sensitivity"]
    for f in files.values():
        assert f.disk_path.is_relative_to(computer.root) and f.disk_path.is_file()
        assert hashlib.sha256(f.disk_path.read_bytes()).hexdigest() == f.sha256
        assert f.disk_path.stat().st_mtime == f.mtime.timestamp()
    edges = set(
        FileEdge.objects.filter(computer=computer).values_list(
            "source__path", "target__path", "relation"
        )
    )
    assert edges == {
        (
            "Documents/Audit/Temperature excursions.xlsx",
            "Documents/Audit/GDP audit plan.docx",
            "derived_from",
        ),
        (
            "Desktop/audit findings draft.docx",
            "Documents/Audit/Temperature excursions.xlsx",
            "derived_from",
        ),
        ("Desktop/audit findings draft.docx", "Archive/2025/lanes 2025.xlsx", "references"),
    }
    assert computer.documents["monthly_objectives"] == DOCUMENTS["monthly_objectives"]
    assert computer.documents["user_profile"]["favourite_tools"] == ["Excel"]
    assert [c["name"] for c in computer.profile["collaborators"]] == [
        "Joost de Vries",
        "Anouk Bakker",
    ]
    assert computer.persona.text.startswith("A logistics coordinator")
    assert computer.stats["files"] == 4


@pytest.mark.parametrize("suffix", ["tar.gz", "tar.zst"])
def test_import_from_tarball_of_one_computer(tmp_path, suffix):
    import zstandard

    folder = write_paper_computer(tmp_path / "src")
    tar_path = tmp_path / f"{CID}.tar"
    with tarfile.open(tar_path, "w") as tar:
        tar.add(folder, arcname=CID)
    out = tmp_path / f"{CID}.{suffix}"
    data = tar_path.read_bytes()
    if suffix == "tar.zst":
        out.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        with tarfile.open(out, "w:gz") as tar:
            tar.add(folder, arcname=CID)
    computer = _import(out)
    assert computer.files.count() == len(RECORDS)
    assert computer.files.filter(scope=ComputerFile.Scope.VOLUME).count() == 2


def _nothing_left():
    assert not Computer.objects.exists()
    root = settings.COMPUTERS_ROOT
    assert not root.exists() or not [p for p in root.iterdir() if p.name.startswith(".import")]


def test_dotdot_in_a_record_is_refused(tmp_path):
    records = [*RECORDS, {"path": f"{HOME}\\..\\..\\Windows\\win.ini", "timestamp": "2026-01-01"}]
    write_paper_computer(tmp_path, records=records)
    with pytest.raises(CommandError, match=r"file_list.json record 6 .*'\.\.' is not allowed"):
        _import(tmp_path)
    _nothing_left()


def test_link_in_drives_is_refused(tmp_path):
    root = write_paper_computer(tmp_path)
    os.symlink("/etc/passwd", root / "drives" / "D:" / "passwd")
    with pytest.raises(CommandError, match=r"drives/D:/passwd: links are not allowed"):
        _import(tmp_path)
    _nothing_left()


def test_missing_file_is_refused(tmp_path):
    root = write_paper_computer(tmp_path)
    (root / "drives" / "D:" / "Archive" / "2025" / "lanes 2025.xlsx").unlink()
    with pytest.raises(CommandError, match=r"record 4 \(D:\\Archive.*is not there"):
        _import(tmp_path)
    _nothing_left()


def test_malformed_json_is_refused(tmp_path):
    root = write_paper_computer(tmp_path)
    (root / "project_index.json").write_text('{"projects": [', encoding="utf-8")
    with pytest.raises(CommandError, match=r"project_index.json: not valid JSON"):
        _import(tmp_path)
    _nothing_left()


def test_bad_timestamp_names_the_record(tmp_path):
    records = [dict(r) for r in RECORDS]
    records[3]["timestamp"] = "last Tuesday"
    write_paper_computer(tmp_path, records=records)
    with pytest.raises(CommandError, match=r"record 3 .*scratch.md.*last Tuesday"):
        _import(tmp_path)
    _nothing_left()


def test_second_computer_bad_means_none_imported(tmp_path):
    write_paper_computer(tmp_path)
    other = write_paper_computer(tmp_path, cid="win_computer_000008")
    (other / "file_list.json").write_text("[{}]", encoding="utf-8")
    with pytest.raises(CommandError, match=r"win_computer_000008/file_list.json record 0: no path"):
        _import(tmp_path)
    _nothing_left()
    assert PersonaPool.objects.filter(name="paper").exists()


def test_computer_page_shows_the_papers_documents(client, user, tmp_path):
    write_paper_computer(tmp_path)
    computer = _import(tmp_path)
    computer.created_by = user
    computer.save(update_fields=["created_by"])
    client.force_login(user)
    page = client.get(f"/computers/{computer.pk}/").content.decode()
    assert "From the paper&#x27;s dataset" in page or "From the paper's dataset" in page
    for shown in (
        "Joost de Vries",
        "Lane requalification",
        "GDP audit readiness report",
        "D:\\",
        "spaces",
    ):
        assert shown in page, shown


def test_staff_may_import_a_server_path_others_may_not(client, user, tmp_path):
    write_paper_computer(tmp_path)
    pool = PersonaPool.objects.create(name="p", owner=user)
    client.force_login(user)
    form = {"format": "paper", "server_path": str(tmp_path), "pool": pool.pk}
    assert client.post("/review/computers/import", form).status_code == 400
    assert not Computer.objects.exists()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert client.post("/review/computers/import", form).status_code == 302
    assert Computer.objects.get().documents["computer_id"] == CID


def _hostile_tarball(tmp_path, suffix: str, extra: tarfile.TarInfo, data: bytes = b""):
    """The fixture computer's tarball with one hostile member added."""
    import zstandard

    folder = write_paper_computer(tmp_path / "src")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(folder, arcname=CID)
        tar.addfile(extra, io.BytesIO(data) if data else None)
    out = tmp_path / f"{CID}.{suffix}"
    if suffix == "tar.zst":
        out.write_bytes(zstandard.ZstdCompressor().compress(buffer.getvalue()))
    else:
        out.write_bytes(gzip.compress(buffer.getvalue()))
    return out


def _member(name: str, *, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    if link:
        info.type, info.linkname = tarfile.SYMTYPE, link
    return info


@pytest.mark.parametrize("suffix", ["tar.gz", "tar.zst"])
@pytest.mark.parametrize(
    ("hostile", "error"),
    [
        ("dotdot", r"escaped.txt: '\.\.' is not allowed in a member name"),
        ("symlink", r"drives/D:/passwd: links are not allowed in an archive"),
        ("oversize", r"over the limit of 1,048,576 bytes per member"),
    ],
)
def test_hostile_tarball_members_are_refused(tmp_path, settings, suffix, hostile, error):
    settings.ARCHIVE_MAX_MEMBER_MB = 1
    if hostile == "dotdot":
        data = b"escaped"
        extra = _member(f"{CID}/drives/D:/../../../../escaped.txt", size=len(data))
    elif hostile == "symlink":
        data, extra = b"", _member(f"{CID}/drives/D:/passwd", link="/etc/passwd")
    else:
        data = b"x" * (1024 * 1024 + 1)
        extra = _member(f"{CID}/drives/D:/big.bin", size=len(data))
    source = _hostile_tarball(tmp_path, suffix, extra, data)
    with pytest.raises(CommandError, match=error):
        _import(source)
    _nothing_left()
    assert (
        not list(tmp_path.rglob("escaped.txt")) and not (tmp_path.parent / "escaped.txt").exists()
    )
