"""Reading an archive as hostile input: every member's name, type and declared size checked
before anything is written, and the bytes actually read counted while copying, so a member
that lies about its size is stopped at the limit too. Both the studio's archives and the
paper's format are read through here."""

from __future__ import annotations

import hashlib
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from simulations.review.archive import (
    MB,
    READ_BLOCK,
    ArchiveError,
)
from studio.paths import PathEscapeError, clean_relative

# What reading a damaged archive raises: zipfile on a bad CRC or header, zlib on bad deflate
# data, gzip (an OSError) and tarfile on a cut or corrupt stream.
DAMAGED = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError)


@dataclass(frozen=True)
class ArchiveLimits:
    max_total_bytes: int
    max_member_bytes: int
    max_members: int

    @classmethod
    def from_env(cls) -> ArchiveLimits:
        return cls(
            max_total_bytes=settings.ARCHIVE_MAX_TOTAL_MB * MB,
            max_member_bytes=settings.ARCHIVE_MAX_MEMBER_MB * MB,
            max_members=settings.ARCHIVE_MAX_MEMBERS,
        )


@dataclass
class Member:
    name: str
    size: int
    handle: Any  # ZipInfo or TarInfo


class ArchiveReader:
    """The members of a zip or tar archive, each checked before it is listed."""

    def __init__(self, source: IO[bytes], limits: ArchiveLimits):
        self.limits = limits
        head = source.read(4)
        source.seek(0)
        try:
            if head.startswith(b"PK"):
                self.zip: zipfile.ZipFile | None = zipfile.ZipFile(source)
                self.tar: tarfile.TarFile | None = None
            else:
                self.zip, self.tar = None, tarfile.open(fileobj=source, mode="r:*")  # noqa: SIM115 - closed by close()
        except DAMAGED as exc:
            raise ArchiveError(f"not a zip or tar archive: {exc}") from None

    def members(self) -> list[Member]:
        try:
            raw = self._raw_items()
        except DAMAGED as exc:
            raise ArchiveError(f"the archive is damaged: {exc}") from None
        if len(raw) > self.limits.max_members:
            raise ArchiveError(
                f"the archive holds {len(raw):,} members; the limit is {self.limits.max_members:,}"
            )
        out: list[Member] = []
        total = 0
        seen: set[str] = set()
        for item in raw:
            name, size, is_dir = self._describe(item)
            if is_dir:
                continue
            if name in seen:
                raise ArchiveError(f"{name}: the archive holds this name twice")
            seen.add(name)
            if size > self.limits.max_member_bytes:
                raise ArchiveError(
                    f"{name}: {size:,} bytes is over the limit of "
                    f"{self.limits.max_member_bytes:,} bytes per member"
                )
            total += size
            if total > self.limits.max_total_bytes:
                raise ArchiveError(
                    f"the archive unpacks to more than the limit of "
                    f"{self.limits.max_total_bytes:,} bytes"
                )
            out.append(Member(name=name, size=size, handle=item))
        return out

    def _raw_items(self) -> list:
        return self.zip.infolist() if self.zip else self._tar_members()

    def _tar_members(self) -> list[tarfile.TarInfo]:
        members = []
        for info in self.tar:
            members.append(info)
            if len(members) > self.limits.max_members:
                raise ArchiveError(
                    f"the archive holds more than {self.limits.max_members:,} members"
                )
        # tarfile takes a garbled header for the end of the archive; reading the stream to its
        # end lets gzip check its CRC, so damage is reported as such, not as missing files.
        left = self.limits.max_total_bytes
        while block := self.tar.fileobj.read(READ_BLOCK):
            left -= len(block)
            if left < 0:
                raise ArchiveError(
                    f"the archive unpacks to more than {self.limits.max_total_bytes:,} bytes"
                )
        return members

    def _describe(self, item) -> tuple[str, int, bool]:
        if self.zip:
            raw_name = item.filename
            mode = item.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ArchiveError(f"{raw_name}: symbolic links are not allowed in an archive")
            # Many zip writers leave the type bits empty: that means a plain file or folder.
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise ArchiveError(f"{raw_name}: only files and folders are allowed in an archive")
            is_dir, size = item.is_dir(), item.file_size
        else:
            raw_name = item.name
            if item.issym() or item.islnk():
                raise ArchiveError(f"{raw_name}: links are not allowed in an archive")
            if not (item.isfile() or item.isdir()):
                raise ArchiveError(
                    f"{raw_name}: devices, fifos and other special files are not "
                    "allowed in an archive"
                )
            is_dir, size = item.isdir(), item.size
        return checked_name(raw_name, is_dir), size, is_dir

    def blocks(self, member: Member) -> Iterator[bytes]:
        """The member's bytes, block by block; damage is reported with the member's name."""
        try:
            if self.zip:
                stream = self.zip.open(member.handle)
            else:
                stream = self.tar.extractfile(member.handle)
                if stream is None:
                    raise ArchiveError(f"{member.name}: cannot be read")
            with stream:
                while block := stream.read(READ_BLOCK):
                    yield block
        except DAMAGED as exc:
            raise ArchiveError(f"{member.name}: the archive is damaged here ({exc})") from None

    def close(self) -> None:
        (self.zip or self.tar).close()


def checked_name(raw: str, is_dir: bool) -> str:
    text = raw.rstrip("/") if is_dir else raw
    if not text:
        raise ArchiveError("a member has an empty name")
    if "\x00" in text:
        raise ArchiveError(f"{text!r}: a NUL byte in a member name")
    if text.startswith(("/", "\\")) or (len(text) > 1 and text[1] == ":"):
        raise ArchiveError(f"{text}: absolute names are not allowed in an archive")
    if any(part == ".." for part in text.replace("\\", "/").split("/")):
        raise ArchiveError(f"{text}: '..' is not allowed in a member name")
    try:
        clean = clean_relative(text)
    except PathEscapeError as exc:
        raise ArchiveError(f"{text}: {exc}") from None
    return clean


def copy_member(
    reader: ArchiveReader, member: Member, target: Path, *, declared: int, total: int
) -> tuple[str, int]:
    """Copy one member to ``target`` (a new file) within the limits: its sha256 and bytes
    written. ``total`` is what earlier members of this import already wrote."""
    limits = reader.limits
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    with target.open("xb") as out:
        for block in reader.blocks(member):
            written += len(block)
            if written > min(declared, limits.max_member_bytes):
                raise ArchiveError(f"{member.name}: holds more bytes than it declares")
            if total + written > limits.max_total_bytes:
                raise ArchiveError(
                    f"the archive unpacks to more than {limits.max_total_bytes:,} bytes"
                )
            digest.update(block)
            out.write(block)
    return digest.hexdigest(), written
