"""Damaged archives (bad deflate data, bad CRC, a cut or corrupt gzip stream) and the per-user
import quota: a clear refusal on the web (400) and the command line, and nothing left behind."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from simulations.review import archive, archive_import
from studio.models import Computer, ComputerFile
from tests.review.test_archive import archive_bytes

pytestmark = pytest.mark.django_db


def _biggest_home_member(data: bytes) -> zipfile.ZipInfo:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [i for i in z.infolist() if i.filename.startswith("home/")]
    return max(members, key=lambda i: i.compress_size)


def _data_offset(data: bytes, info: zipfile.ZipInfo) -> int:
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    return info.header_offset + 30 + name_len + extra_len


def bad_deflate(computer) -> bytes:
    data = bytearray(archive_bytes(computer, "zip"))
    start = _data_offset(data, _biggest_home_member(data))
    data[start] = 0xFF  # a final block of type 3, which deflate does not have
    return bytes(data)


def bad_crc(computer) -> bytes:
    # Stored (not deflated), so that the flipped byte reaches the CRC check unchanged.
    source = zipfile.ZipFile(io.BytesIO(archive_bytes(computer, "zip")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
    data = bytearray(buffer.getvalue())
    member = _biggest_home_member(data)
    data[_data_offset(data, member) + member.file_size // 2] ^= 0xFF
    return bytes(data)


def cut_tar(computer) -> bytes:
    data = archive_bytes(computer, "tar")
    return data[: len(data) * 2 // 3]


def corrupt_tar(computer) -> bytes:
    data = bytearray(archive_bytes(computer, "tar"))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    return bytes(data)


DAMAGES = {"bad-deflate": bad_deflate, "bad-crc": bad_crc, "cut-tar": cut_tar}
DAMAGES["corrupt-tar"] = corrupt_tar


def _root_entries() -> set[str]:
    return {p.name for p in Path(settings.COMPUTERS_ROOT).iterdir()}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_archive_is_refused_and_leaves_nothing(computer, user, damage):
    data = DAMAGES[damage](computer)
    before = (Computer.objects.count(), ComputerFile.objects.count(), _root_entries())
    with pytest.raises(archive.ArchiveError, match="damaged") as info:
        archive_import.archive_import(source=io.BytesIO(data), pool=computer.pool, created_by=user)
    if damage.startswith("bad-"):  # a zip names the member that is broken
        assert f"{_biggest_home_member(data).filename}: the archive is damaged" in str(info.value)
    assert (Computer.objects.count(), ComputerFile.objects.count(), _root_entries()) == before


@pytest.mark.parametrize("damage", ["bad-deflate", "cut-tar"])
def test_a_damaged_upload_is_a_400_with_the_reason(auth_client, computer, damage):
    data = DAMAGES[damage](computer)
    before = (Computer.objects.count(), _root_entries())
    upload = SimpleUploadedFile("damaged.bin", data)
    response = auth_client.post(
        reverse("review-archive-import"), {"archive": upload, "pool": computer.pool_id}
    )
    assert response.status_code == 400
    assert "the archive is damaged" in response.content.decode()
    assert (Computer.objects.count(), _root_entries()) == before


@pytest.mark.parametrize("damage", ["bad-crc", "corrupt-tar"])
def test_the_command_refuses_a_damaged_archive(computer, tmp_path, damage):
    path = tmp_path / "damaged.bin"
    path.write_bytes(DAMAGES[damage](computer))
    before = (Computer.objects.count(), _root_entries())
    with pytest.raises(CommandError, match="damaged.bin: .*damaged"):
        call_command("import_computer", str(path), "--pool", "imported")
    assert (Computer.objects.count(), _root_entries()) == before


def test_imports_stop_at_the_users_quota(auth_client, computer, user, other_user, settings):
    settings.ARCHIVE_IMPORT_QUOTA_MB = 1
    quota = archive.MB
    size = sum(computer.files.values_list("size", flat=True))
    assert 0 < size <= quota
    data = archive_bytes(computer, "zip")
    fits = quota // size
    for _ in range(fits):
        archive_import.archive_import(source=io.BytesIO(data), pool=computer.pool, created_by=user)
    assert archive_import.archive_import_bytes_used(user=user) == fits * size
    before = (Computer.objects.count(), _root_entries())
    with pytest.raises(archive.ArchiveError, match="over your import quota of 1,048,576 bytes"):
        archive_import.archive_import(source=io.BytesIO(data), pool=computer.pool, created_by=user)
    assert (Computer.objects.count(), _root_entries()) == before

    upload = SimpleUploadedFile("computer.zip", data)
    response = auth_client.post(
        reverse("review-archive-import"), {"archive": upload, "pool": computer.pool_id}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "over your import quota" in page and 'id="import-quota"' in page
    # The quota is each user's own: another user's imports still go in.
    archive_import.archive_import(
        source=io.BytesIO(data), pool=computer.pool, created_by=other_user
    )
