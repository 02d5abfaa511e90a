"""A computer as one archive (.zip or .tar.gz), and back.

Layout of an archive::

    computer.json                        format, persona, profile, policy, stats, the file index
                                         (with each file's sha256) and the dependency edges
    home/<path>                          the user's files
    collaborators/<owner-slug>/<path>    collaborators' private reference files

Import treats every archive as hostile. Before anything is written it checks every member:
the name (relative, no "..", no drive letter, no NUL, no duplicates), the type (regular files
and folders only: no symlinks, hard links, devices or fifos), the member count, and the sizes
(each member and the total, as declared); while extracting it counts the bytes actually read,
so a member that lies about its size is stopped at the limit too. Every file of the index must
be present with its hash, and nothing else may be. Files are extracted into a staging folder
and moved into place only once all of them checked out; the rows are created in one
transaction with them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.models import Computer, ComputerFile, FileEdge, Folder, Persona, PersonaPool
from studio.paths import PathEscapeError, clean_relative, resolve_inside, slugify_name
from studio.services.index import computer_stats, folder_rows

FORMAT = "synthetic-computers/computer-archive/v1"
MANIFEST = "computer.json"
IMPORTED = "imported"  # the stage of a computer that came from an archive
MB = 1024 * 1024
READ_BLOCK = 1 << 20


class ArchiveError(ValueError):
    """An archive that cannot be imported; the message says which member and why."""


# What reading a damaged archive raises: zipfile on a bad CRC or header, zlib on bad deflate
# data, gzip (an OSError) and tarfile on a cut or corrupt stream.
_DAMAGED = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError)


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


# -- the manifest ---------------------------------------------------------------------------------


class Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=64)
    scope: str = Field(pattern="^(home|collaborator)$")
    owner: str = Field(default="", max_length=200)
    path: str = Field(min_length=1, max_length=1024)
    kind: str = Field(max_length=8)
    title: str = Field(default="", max_length=500)
    project: str = Field(default="", max_length=200)
    size: int = Field(ge=0)
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    mtime: dt.datetime
    summary: str = ""
    facts: dict[str, Any] = Field(default_factory=dict)
    planted_error: str = ""
    text: str = ""


class Edge(BaseModel):
    source: str
    target: str
    relation: str = Field(max_length=32)


class PersonaInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    digest: str = ""
    name: str = ""
    role: str = ""
    org: str = ""
    industry: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: str
    computer_id: int | None = None
    display_name: str = ""
    job_title: str = ""
    employer: str = ""
    industry: str = ""
    seed: int = 0
    llm_backend: str = ""
    persona: PersonaInfo
    profile: dict[str, Any] = Field(default_factory=dict)
    policy: dict[str, Any] = Field(default_factory=dict)
    files: list[Entry]
    edges: list[Edge] = Field(default_factory=list)


def member_name(entry: Entry) -> str:
    if entry.scope == ComputerFile.Scope.HOME:
        return f"home/{entry.path}"
    return f"collaborators/{slugify_name(entry.owner)}/{entry.path}"


# -- export ---------------------------------------------------------------------------------------


def manifest_of(computer: Computer) -> dict[str, Any]:
    persona = computer.persona
    files = []
    for f in computer.files.order_by("scope", "owner", "path").iterator(chunk_size=500):
        files.append(
            {
                "key": f.key,
                "scope": f.scope,
                "owner": f.owner,
                "path": f.path,
                "kind": f.kind,
                "title": f.title,
                "project": f.project,
                "size": f.size,
                "sha256": f.sha256,
                "mtime": f.mtime.isoformat(),
                "summary": f.summary,
                "facts": f.facts,
                "planted_error": f.planted_error,
                "text": f.text,
            }
        )
    edges = [
        {"source": s, "target": t, "relation": r}
        for s, t, r in FileEdge.objects.filter(computer=computer).values_list(
            "source__key", "target__key", "relation"
        )
    ]
    return {
        "format": FORMAT,
        "computer_id": computer.pk,
        "exported_at": timezone.now().isoformat(),
        "display_name": computer.display_name,
        "job_title": computer.job_title,
        "employer": computer.employer,
        "industry": computer.industry,
        "seed": computer.seed,
        "llm_backend": computer.llm_backend,
        "persona": {
            "text": persona.text,
            "digest": persona.digest,
            "name": persona.name,
            "role": persona.role,
            "org": persona.org,
            "industry": persona.industry,
            "attributes": persona.attributes,
        },
        "profile": computer.profile,
        "policy": computer.policy,
        "stats": computer.stats,
        "files": files,
        "edges": edges,
    }


class _Sink(io.RawIOBase):
    """A write-only stream whose bytes are taken out in pieces: lets zipfile and tarfile write
    an archive that is sent while it is being made."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def archive_stream(computer: Computer, *, fmt: str = "zip") -> Iterator[bytes]:
    """The archive of ``computer``, in pieces, without a temporary file."""
    if computer.state != Computer.State.READY:
        raise ArchiveError(
            f"computer {computer.pk} is {computer.state}; only a ready computer is exported"
        )
    manifest = manifest_of(computer)
    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    sink = _Sink()
    members = [
        (member_name(Entry.model_validate(e)), _disk_path(computer, e)) for e in manifest["files"]
    ]
    if fmt == "zip":
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, data)
            yield sink.take()
            for name, path in members:
                info = zipfile.ZipInfo(name, date_time=_zip_time(path))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
                    for block in iter(lambda: source.read(READ_BLOCK), b""):
                        target.write(block)
                        yield sink.take()
        yield sink.take()
    elif fmt == "tar":
        with tarfile.open(fileobj=sink, mode="w|gz") as archive:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o644
            archive.addfile(info, io.BytesIO(data))
            yield sink.take()
            for name, path in members:
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = (
                    path.stat().st_size,
                    int(path.stat().st_mtime),
                    0o644,
                )
                with path.open("rb") as source:
                    archive.addfile(info, source)
                yield sink.take()
        yield sink.take()
    else:
        raise ArchiveError(f"unknown archive format {fmt!r}; use zip or tar")


def _disk_path(computer: Computer, entry: dict[str, Any]) -> Path:
    base = (
        computer.home
        if entry["scope"] == ComputerFile.Scope.HOME
        else (computer.private_root / slugify_name(entry["owner"]))
    )
    try:
        path = resolve_inside(base, entry["path"])
    except PathEscapeError as exc:
        raise ArchiveError(f"{entry['path']}: {exc}") from None
    if not path.is_file():
        raise ArchiveError(f"{entry['path']} is missing from computer {computer.pk}'s folder")
    return path


def _zip_time(path: Path) -> tuple[int, int, int, int, int, int]:
    when = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    when = max(when, dt.datetime(1980, 1, 1, tzinfo=dt.UTC))
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def archive_write(computer: Computer, out: IO[bytes], *, fmt: str = "zip") -> int:
    written = 0
    for piece in archive_stream(computer, fmt=fmt):
        out.write(piece)
        written += len(piece)
    return written


# -- reading an archive safely ---------------------------------------------------------------------


@dataclass
class Member:
    name: str
    size: int
    handle: Any  # ZipInfo or TarInfo


class _Reader:
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
        except _DAMAGED as exc:
            raise ArchiveError(f"not a zip or tar archive: {exc}") from None

    def members(self) -> list[Member]:
        try:
            raw = self.zip.infolist() if self.zip else self._tar_members()
        except _DAMAGED as exc:
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
        return _checked_name(raw_name, is_dir), size, is_dir

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
        except _DAMAGED as exc:
            raise ArchiveError(f"{member.name}: the archive is damaged here ({exc})") from None

    def close(self) -> None:
        (self.zip or self.tar).close()


def _checked_name(raw: str, is_dir: bool) -> str:
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


# -- import ---------------------------------------------------------------------------------------


def _read_manifest(reader: _Reader, members: dict[str, Member]) -> Manifest:
    member = members.get(MANIFEST)
    if member is None:
        raise ArchiveError(f"the archive has no {MANIFEST}: it was not made by export_computer")
    if member.size > 512 * MB:
        raise ArchiveError(f"{MANIFEST} is too large")
    limit = min(reader.limits.max_member_bytes, 512 * MB)
    data = bytearray()
    for block in reader.blocks(member):
        data += block
        if len(data) > limit:
            raise ArchiveError(f"{member.name}: unpacks to more than {limit:,} bytes")
    try:
        manifest = Manifest.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ArchiveError(f"{MANIFEST} is not valid: {where}: {first.get('msg')}") from None
    if manifest.format != FORMAT:
        raise ArchiveError(
            f"{MANIFEST} is in format {manifest.format!r}; this studio reads {FORMAT!r}"
        )
    return manifest


def _check_index(manifest: Manifest, members: dict[str, Member]) -> dict[str, Entry]:
    expected: dict[str, Entry] = {}
    keys: set[str] = set()
    for entry in manifest.files:
        try:
            entry.path = clean_relative(entry.path)
        except PathEscapeError as exc:
            raise ArchiveError(f"{MANIFEST}: file {entry.path!r}: {exc}") from None
        if entry.key in keys:
            raise ArchiveError(f"{MANIFEST}: file key {entry.key!r} is used twice")
        keys.add(entry.key)
        name = member_name(entry)
        if name in expected:
            raise ArchiveError(f"{MANIFEST}: {name} is listed twice")
        expected[name] = entry
        if name not in members:
            raise ArchiveError(f"{name} is in the index but not in the archive")
        if members[name].size != entry.size:
            raise ArchiveError(
                f"{name}: the index says {entry.size:,} bytes, the archive {members[name].size:,}"
            )
    extra = sorted(set(members) - set(expected) - {MANIFEST})
    if extra:
        raise ArchiveError(
            f"{extra[0]} is in the archive but not in its index"
            + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else "")
        )
    return expected


def _extract(
    reader: _Reader, members: dict[str, Member], expected: dict[str, Entry], staging: Path
) -> None:
    total = 0
    limits = reader.limits
    for name, entry in expected.items():
        member = members[name]
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        written = 0
        with target.open("xb") as out:
            for block in reader.blocks(member):
                written += len(block)
                total += len(block)
                if written > min(entry.size, limits.max_member_bytes):
                    raise ArchiveError(f"{name}: holds more bytes than it declares")
                if total > limits.max_total_bytes:
                    raise ArchiveError(
                        f"the archive unpacks to more than {limits.max_total_bytes:,} bytes"
                    )
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != entry.sha256:
            raise ArchiveError(f"{name}: its content does not match the sha256 in the index")
        mtime = entry.mtime.timestamp()
        os.utime(target, (mtime, mtime))


def archive_import(
    *, source: IO[bytes], pool: PersonaPool, created_by=None, limits: ArchiveLimits | None = None
) -> Computer:
    """A new ready Computer (in ``pool``) holding the archive's files and index."""
    limits = limits or ArchiveLimits.from_env()
    reader = _Reader(source, limits)
    staging: Path | None = None
    try:
        members = {m.name: m for m in reader.members()}
        manifest = _read_manifest(reader, members)
        expected = _check_index(manifest, members)
        if created_by is not None:
            _check_quota(user=created_by, adding=sum(e.size for e in expected.values()))
        root = Path(settings.COMPUTERS_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f".import-{secrets.token_hex(6)}"
        staging.mkdir()
        _extract(reader, members, expected, staging)
        return _create(manifest, expected, staging, pool=pool, created_by=created_by)
    finally:
        reader.close()
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def archive_import_bytes_used(*, user) -> int:
    """What the computers ``user`` imported hold, by their file index."""
    used = ComputerFile.objects.filter(
        computer__created_by=user, computer__stage=IMPORTED
    ).aggregate(total=Sum("size"))["total"]
    return used or 0


def _check_quota(*, user, adding: int) -> None:
    quota = settings.ARCHIVE_IMPORT_QUOTA_MB * MB
    used = archive_import_bytes_used(user=user)
    if used + adding > quota:
        raise ArchiveError(
            f"this archive holds {adding:,} bytes and your imported computers already "
            f"{used:,}: over your import quota of {quota:,} bytes (delete imported computers "
            "you no longer need)"
        )


def _create(
    manifest: Manifest, expected: dict[str, Entry], staging: Path, *, pool: PersonaPool, created_by
) -> Computer:
    info = manifest.persona
    digest = info.digest or hashlib.sha256(info.text.encode()).hexdigest()
    with transaction.atomic():
        persona, _ = Persona.objects.get_or_create(
            pool=pool,
            digest=digest,
            defaults={
                "text": info.text,
                "name": info.name,
                "role": info.role,
                "org": info.org,
                "industry": info.industry,
                "attributes": info.attributes,
            },
        )
        now = timezone.now()
        computer = Computer.objects.create(
            persona=persona,
            pool=pool,
            created_by=created_by,
            seed=manifest.seed,
            target_files=sum(1 for e in expected.values() if e.scope == "home"),
            state=Computer.State.READY,
            stage=IMPORTED,
            llm_backend=manifest.llm_backend,
            display_name=manifest.display_name,
            job_title=manifest.job_title,
            employer=manifest.employer,
            industry=manifest.industry,
            profile=manifest.profile,
            policy=manifest.policy,
            started_at=now,
            finished_at=now,
        )
        rows = [
            ComputerFile(
                computer=computer,
                key=e.key,
                scope=e.scope,
                owner=e.owner,
                path=e.path,
                folder=e.path.rpartition("/")[0],
                name=e.path.rpartition("/")[2],
                kind=e.kind,
                title=e.title,
                project=e.project,
                size=e.size,
                sha256=e.sha256,
                mtime=e.mtime,
                summary=e.summary,
                facts=e.facts,
                planted_error=e.planted_error,
                text=e.text,
                depth=e.path.count("/") + 1,
            )
            for e in expected.values()
        ]
        ComputerFile.objects.bulk_create(rows, batch_size=500)
        ids = dict(ComputerFile.objects.filter(computer=computer).values_list("key", "id"))
        edges = [
            FileEdge(
                computer=computer,
                source_id=ids[e.source],
                target_id=ids[e.target],
                relation=e.relation,
            )
            for e in manifest.edges
            if e.source in ids and e.target in ids
        ]
        FileEdge.objects.bulk_create(edges, ignore_conflicts=True)
        folders = folder_rows(
            computer=computer, paths=[r.path for r in rows if r.scope == ComputerFile.Scope.HOME]
        )
        Folder.objects.bulk_create(folders, batch_size=1000)
        Computer.objects.filter(pk=computer.pk).update(
            stats=computer_stats(rows=rows, edges=len(edges), folders=len(folders)),
            files_total=len(rows),
            files_done=len(rows),
        )
        target = computer.root
        if target.exists():  # a leftover of a deleted computer that had this id
            shutil.rmtree(target)
        try:
            target.mkdir(parents=True)
            for part in ("home", "collaborators"):
                if (staging / part).exists():
                    os.replace(staging / part, target / part)
            (target / "home").mkdir(exist_ok=True)
        except OSError:
            # The rows roll back with the transaction; the folder must not outlive them.
            shutil.rmtree(target, ignore_errors=True)
            raise
    computer.refresh_from_db()
    return computer
