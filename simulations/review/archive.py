"""A computer as one archive (.zip or .tar.gz): its format and the export.

Layout of an archive::

    computer.json                        format, persona, profile, policy, stats, the file index
                                         (with each file's sha256) and the dependency edges
    home/<path>                          the user's files
    collaborators/<owner-slug>/<path>    collaborators' private reference files
    volumes/<volume-slug>/<path>         files on the computer's other volumes (studio/volumes.py)

Importing one (treating it as hostile) is archive_import.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from studio.models import Computer, FileEdge
from studio.paths import PathEscapeError, resolve_inside
from studio.volumes import stored_at

FORMAT = "synthetic-computers/computer-archive/v1"
MANIFEST = "computer.json"
IMPORTED = "imported"  # the stage of a computer that came from an archive
MB = 1024 * 1024
READ_BLOCK = 1 << 20


class ArchiveError(ValueError):
    """An archive that cannot be imported; the message says which member and why."""


# -- the manifest ---------------------------------------------------------------------------------


class Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=64)
    scope: str = Field(pattern="^(home|collaborator|volume)$")
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
    volumes: list[dict[str, str]] = Field(default_factory=list)
    documents: dict[str, Any] = Field(default_factory=dict)
    files: list[Entry]
    edges: list[Edge] = Field(default_factory=list)


def member_name(entry: Entry) -> str:
    return stored_at(scope=entry.scope, owner=entry.owner, path=entry.path)


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
        "volumes": computer.volumes,
        "documents": computer.documents,
        "stats": computer.stats,
        "files": files,
        "edges": edges,
    }


class StreamSink(io.RawIOBase):
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
    sink = StreamSink()
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
    try:
        path = resolve_inside(
            computer.root, stored_at(scope=entry["scope"], owner=entry["owner"], path=entry["path"])
        )
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
