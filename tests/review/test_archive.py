"""Computer archives: a round trip keeps every file and hash; hostile archives are refused
before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from simulations.review import archive, archive_import, archive_reader
from studio.models import Computer, FileEdge, Folder

pytestmark = pytest.mark.django_db
LIMITS = archive_reader.ArchiveLimits(
    max_total_bytes=50 * archive.MB, max_member_bytes=10 * archive.MB, max_members=1000
)


def archive_bytes(computer, fmt="zip") -> bytes:
    buffer = io.BytesIO()
    archive.archive_write(computer, buffer, fmt=fmt)
    return buffer.getvalue()


def rows(computer):
    return sorted(
        computer.files.values_list(
            "key", "scope", "owner", "path", "kind", "size", "sha256", "title", "text"
        )
    )


@pytest.mark.parametrize("fmt", ["zip", "tar"])
def test_round_trip_keeps_files_and_hashes(computer, user, fmt):
    data = archive_bytes(computer, fmt)
    imported = archive_import.archive_import(
        source=io.BytesIO(data), pool=computer.pool, created_by=user, limits=LIMITS
    )
    assert imported.pk != computer.pk and imported.state == Computer.State.READY
    assert rows(imported) == rows(computer)
    for f in imported.files.all():
        assert hashlib.sha256(f.disk_path.read_bytes()).hexdigest() == f.sha256, f.path
        assert f.disk_path.is_relative_to(imported.root)
    assert imported.files.filter(scope="collaborator").exists()
    assert set(Folder.objects.filter(computer=imported).values_list("path", "file_count")) == set(
        Folder.objects.filter(computer=computer).values_list("path", "file_count")
    )
    assert sorted(
        FileEdge.objects.filter(computer=imported).values_list(
            "source__key", "target__key", "relation"
        )
    ) == sorted(
        FileEdge.objects.filter(computer=computer).values_list(
            "source__key", "target__key", "relation"
        )
    )
    assert imported.profile == computer.profile and imported.persona_id == computer.persona_id
    assert imported.stats["files"] == computer.stats["files"]
    assert imported.stats["by_kind"] == computer.stats["by_kind"]


def zip_of(members: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    buffer.seek(0)
    return buffer


def tar_of(members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as t:
        for info in members:
            payload = (data or {}).get(info.name)
            if payload is not None:
                info.size = len(payload)
            t.addfile(info, io.BytesIO(payload) if payload is not None else None)
    buffer.seek(0)
    return buffer


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


def refused(source, pool, match: str, limits=LIMITS):
    before = Computer.objects.count()
    with pytest.raises(archive.ArchiveError, match=match):
        archive_import.archive_import(source=source, pool=pool, limits=limits)
    assert Computer.objects.count() == before
    assert not list(Path(settings.COMPUTERS_ROOT).glob(".import-*"))


@pytest.mark.parametrize(
    "name, message",
    [
        ("../evil.txt", "'..' is not allowed"),
        ("home/Documents/../../../evil.txt", "'..' is not allowed"),
        ("/etc/cron.d/evil", "absolute names"),
        ("C:/Windows/evil.txt", "absolute names"),
        ("\\\\server\\share\\evil.txt", "absolute names"),
    ],
)
def test_refuses_names_that_leave_the_root(computer, name, message):
    refused(zip_of({"computer.json": b"{}", name: b"x"}), computer.pool, message)
    refused(tar_of([tarfile.TarInfo(name)], {name: b"x"}), computer.pool, message)


def test_refuses_links_and_special_files(computer):
    refused(
        zip_of({"computer.json": b"{}"}, symlinks={"home/notes.txt": "/etc/passwd"}),
        computer.pool,
        "symbolic links",
    )
    refused(
        tar_of([special("home/notes.txt", tarfile.SYMTYPE, "/etc/passwd")]), computer.pool, "links"
    )
    refused(
        tar_of([special("home/notes.txt", tarfile.LNKTYPE, "computer.json")]),
        computer.pool,
        "links",
    )
    refused(tar_of([special("home/tty", tarfile.CHRTYPE)]), computer.pool, "devices")
    refused(tar_of([special("home/pipe", tarfile.FIFOTYPE)]), computer.pool, "devices")


def test_refuses_oversize_and_too_many_members(computer):
    small = archive_reader.ArchiveLimits(
        max_total_bytes=10_000, max_member_bytes=1_000, max_members=5
    )
    refused(
        zip_of({"computer.json": b"{}", "home/big.txt": b"x" * 1_001}),
        computer.pool,
        "over the limit of 1,000 bytes per member",
        small,
    )
    refused(
        zip_of({f"home/{n}.txt": b"x" for n in range(6)}), computer.pool, "the limit is 5", small
    )
    refused(
        tar_of(
            [tarfile.TarInfo(f"home/{n}.txt") for n in range(6)],
            {f"home/{n}.txt": b"x" for n in range(6)},
        ),
        computer.pool,
        "more than 5 members",
        small,
    )
    refused(
        zip_of({f"home/{n}.txt": b"x" * 900 for n in range(4)}),
        computer.pool,
        "unpacks to more than the limit of 3,000",
        archive_reader.ArchiveLimits(3_000, 1_000, 50),
    )
    # A zip bomb: a tiny archive that inflates past the member limit is refused by its header.
    refused(
        zip_of({"computer.json": b"{}", "home/bomb.txt": b"\0" * 2_000_000}),
        computer.pool,
        "per member",
        archive_reader.ArchiveLimits(10 * archive.MB, 1 * archive.MB, 10),
    )


def test_refuses_archives_that_do_not_match_their_index(computer):
    good = zipfile.ZipFile(io.BytesIO(archive_bytes(computer)))
    members = {name: good.read(name) for name in good.namelist()}
    manifest = json.loads(members["computer.json"])
    victim = next(f for f in manifest["files"] if f["scope"] == "home")
    name = f"home/{victim['path']}"

    tampered = dict(members)
    tampered[name] = bytes(reversed(members[name]))  # same size, other content
    refused(zip_of(tampered), computer.pool, "does not match the sha256")

    extra = dict(members) | {"home/planted.exe": b"MZ"}
    refused(zip_of(extra), computer.pool, "not in its index")

    missing = {k: v for k, v in members.items() if k != name}
    refused(zip_of(missing), computer.pool, "in the index but not in the archive")

    no_manifest = {k: v for k, v in members.items() if k != "computer.json"}
    refused(zip_of(no_manifest), computer.pool, "has no computer.json")

    escaping = dict(members)
    escaping["computer.json"] = json.dumps(
        manifest | {"files": [dict(victim, path="../../outside.txt")]}
    ).encode()
    refused(zip_of(escaping), computer.pool, "'..' is not allowed")

    refused(io.BytesIO(b"this is not an archive at all"), computer.pool, "not a zip or tar archive")


def test_commands_round_trip(computer, tmp_path, user):
    out = tmp_path / "computer.tar.gz"
    call_command("export_computer", "--computer", str(computer.pk), "--out", str(out))
    assert tarfile.is_tarfile(out)
    call_command("import_computer", str(out), "--pool", "imported", "--owner", "ada", "--private")
    imported = Computer.objects.get(pool__name="imported")
    assert rows(imported) == rows(computer) and not imported.pool.shared
    bad = tmp_path / "bad.zip"
    bad.write_bytes(zip_of({"../x": b"x"}).getvalue())
    with pytest.raises(CommandError, match="'..' is not allowed"):
        call_command("import_computer", str(bad), "--pool", "imported")


def test_download_and_upload_in_the_studio(auth_client, computer):
    response = auth_client.get(reverse("review-archive", args=[computer.pk]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="computer-{computer.pk}.zip"'
    data = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None

    upload = SimpleUploadedFile("computer.zip", data, content_type="application/zip")
    response = auth_client.post(
        reverse("review-archive-import"), {"archive": upload, "pool": computer.pool_id}
    )
    imported = Computer.objects.exclude(pk=computer.pk).get()
    assert response.status_code == 302 and response.url == reverse(
        "studio-computer-detail", args=[imported.pk]
    )
    assert rows(imported) == rows(computer)

    hostile = SimpleUploadedFile("evil.zip", zip_of({"../../evil": b"x"}).getvalue())
    response = auth_client.post(
        reverse("review-archive-import"), {"archive": hostile, "pool": computer.pool_id}
    )
    assert (
        response.status_code == 400
        and "is not allowed in a member name" in response.content.decode()
    )


def test_upload_far_over_the_limit_is_refused_unread(auth_client, computer, settings):
    settings.ARCHIVE_MAX_TOTAL_MB = 1
    big = SimpleUploadedFile("big.zip", b"PK" + b"\0" * (3 * archive.MB))
    response = auth_client.post(
        reverse("review-archive-import"), {"archive": big, "pool": computer.pool_id}
    )
    assert (
        response.status_code == 400
        and "the limit is 1,048,576 bytes unpacked" in response.content.decode()
    )
    assert Computer.objects.count() == 1


def test_export_does_not_follow_a_planted_symlink(computer, tmp_path):
    victim = computer.files.filter(scope="home").first()
    secret = tmp_path / "secret.txt"
    secret.write_text("not part of any computer")
    victim.disk_path.unlink()
    victim.disk_path.symlink_to(secret)
    with pytest.raises(archive.ArchiveError, match="symbolic links are not followed"):
        archive_bytes(computer)
