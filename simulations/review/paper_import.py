"""Importing computers in the paper's layout (paper_format.py) as new computers.

The source is a folder holding ``computers/`` (or ``artifacts/computers/``), one computer's folder,
or a tarball of either (.tar.gz, .tar.zst, .zip). It is read through the computer archive's own
hostile-input checks (archive_import.py): member names, no links or special files, member count
and sizes. Then every record is checked (its path on a volume, no "..", its file present, its
timestamp a date) and every file copied to a staging folder in our archive layout; only when all
computers of the source passed are they created, in one transaction, through the archive
import's own ``create_from_manifest``. An error names the computer, the document and the record.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import zstandard
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from simulations.review.archive import FORMAT, MB, READ_BLOCK, ArchiveError, Entry, Manifest
from simulations.review.archive_import import check_quota, create_from_manifest
from simulations.review.archive_reader import (
    ArchiveLimits,
    ArchiveReader,
    Member,
    checked_name,
    copy_member,
)
from simulations.review.paper_format import (
    KEPT,
    PaperFormatError,
    as_list,
    drive_of,
    file_kind,
    first,
    parse_timestamp,
    persona_text,
    profile_from_documents,
    text,
    user_home,
    volumes_for,
)
from studio.models import Computer, PersonaPool
from studio.paths import PathEscapeError
from studio.volumes import locate, stored_at, volumes_dump

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_DOC_LIMIT = 256 * MB


class FolderReader(ArchiveReader):
    """A folder on the server read like an archive: the same checks, links refused."""

    def __init__(self, root: Path, limits: ArchiveLimits):
        self.root, self.limits, self.zip, self.tar = Path(root), limits, None, None

    def _raw_items(self) -> list[Path]:
        items: list[Path] = []
        for directory, dirnames, filenames in os.walk(self.root):
            for name in dirnames + filenames:
                items.append(Path(directory) / name)
                if len(items) > self.limits.max_members:
                    raise ArchiveError(
                        f"the folder holds more than {self.limits.max_members:,} entries"
                    )
        return items

    def _describe(self, item: Path) -> tuple[str, int, bool]:
        relative = item.relative_to(self.root).as_posix()
        info = item.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise ArchiveError(f"{relative}: links are not allowed in an imported computer")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            raise ArchiveError(f"{relative}: only files and folders are allowed")
        is_dir = stat.S_ISDIR(info.st_mode)
        return checked_name(relative, is_dir), info.st_size, is_dir

    def blocks(self, member: Member):
        fd = os.open(member.handle, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as stream:
            while block := stream.read(READ_BLOCK):
                yield block

    def close(self) -> None:
        pass


def _reader(source: Path | IO[bytes], limits: ArchiveLimits) -> ArchiveReader:
    if isinstance(source, Path):
        if source.is_dir():
            return FolderReader(source, limits)
        source = source.open("rb")  # noqa: SIM115 - closed with the reader
    if source.read(4) == _ZSTD_MAGIC:
        source.seek(0)
        plain = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the reader
        reader = zstandard.ZstdDecompressor().stream_reader(source)
        written = 0
        while block := reader.read(READ_BLOCK):
            written += len(block)
            if written > limits.max_total_bytes + MB:
                raise ArchiveError(
                    f"the tarball unpacks to more than {limits.max_total_bytes:,} bytes"
                )
            plain.write(block)
        source = plain
    source.seek(0)
    return ArchiveReader(source, limits)


# -- planning one computer -----------------------------------------------------------------------


@dataclass
class _Planned:
    computer_id: str
    docs: dict[str, Any]
    volumes: list
    files: list[tuple[Member, Entry]] = field(default_factory=list)
    edges: list[dict[str, str]] = field(default_factory=list)


def _read_json(reader: ArchiveReader, member: Member) -> Any:
    if member.size > _DOC_LIMIT:
        raise ArchiveError(f"{member.name} is too large ({member.size:,} bytes)")
    data = b"".join(reader.blocks(member))
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{member.name}: not valid JSON ({exc})") from None


def _plan(reader: ArchiveReader, members: dict[str, Member], prefix: str, cid: str) -> _Planned:
    docs = {}
    for name in (*KEPT, "file_list", "file_graph"):
        member = members.get(f"{prefix}{name}.json")
        docs[name] = _read_json(reader, member) if member else {}
    records = docs.pop("file_list")
    if isinstance(records, dict):
        records = first(records, "files", "records", default=[])
    if not isinstance(records, list):
        raise ArchiveError(f"{prefix}file_list.json: a list of records was expected")
    drives_prefix = f"{prefix}drives/"
    drives = {n[len(drives_prefix) :].split("/")[0] for n in members if n.startswith(drives_prefix)}
    placed: dict[int, tuple[str, str]] = {}  # record -> (volume name, path inside it)
    mounts: dict[str, str] = {}
    for i, record in enumerate(records):
        where = f"{prefix}file_list.json record {i}"
        logical = record.get("path") if isinstance(record, dict) else None
        if not isinstance(logical, str) or not logical.strip():
            raise ArchiveError(f"{where}: no path")
        found = drive_of(logical, drives)
        if found is None:
            inner = logical.strip("/")
            on = [d for d in drives if f"{drives_prefix}{d}/{inner}" in members]
            found = (on[0] if len(on) == 1 else next(iter(sorted(drives)), "?"), "/", inner)
        name, mount, inner = found
        if mounts.setdefault(name, mount) != mount:
            raise ArchiveError(
                f"{where} ({logical}): drive {name} is seen as {mount} and {mounts[name]}"
            )
        placed[i] = (name, inner)
    try:
        volumes = volumes_for(mounts, user_home([r["path"] for r in records]))
    except PaperFormatError as exc:
        raise ArchiveError(f"{prefix}: {exc}") from None
    plan = _Planned(computer_id=cid, docs=docs, volumes=volumes)
    by_ref: dict[Any, str] = {}
    seen: dict[str, int] = {}
    keys: set[str] = set()
    for i, record in enumerate(records):
        where = f"{prefix}file_list.json record {i} ({record['path']})"
        try:
            volume, path = locate(volumes, record["path"])
            member_name = checked_name(f"{drives_prefix}{placed[i][0]}/{placed[i][1]}", False)
            mtime = parse_timestamp(record.get("timestamp"))
        except (PathEscapeError, ArchiveError, ValueError, OverflowError) as exc:
            raise ArchiveError(f"{where}: {exc}") from None
        member = members.get(member_name)
        if member is None:
            raise ArchiveError(f"{where}: its file {member_name} is not there")
        entry = _entry(record, i, volume, path, member.size, mtime, docs)
        stored = stored_at(scope=entry.scope, owner=entry.owner, path=entry.path)
        if stored in seen:
            raise ArchiveError(f"{where}: the same file as record {seen[stored]}")
        if entry.key in keys:
            raise ArchiveError(f"{where}: file key {entry.key!r} is used twice")
        seen[stored] = i
        keys.add(entry.key)
        plan.files.append((member, entry))
        for ref in (record["path"], record.get("id"), record.get("file_id"), i):
            if ref is not None and not isinstance(ref, dict | list):
                by_ref.setdefault(ref, entry.key)
    listed = {m.name for m, _ in plan.files}
    extra = sorted(n for n in members if n.startswith(drives_prefix) and n not in listed)
    if extra:
        raise ArchiveError(f"{extra[0]} is in drives/ but not in file_list.json")
    plan.edges = _edges(records, docs.get("file_graph"), by_ref, [e for _, e in plan.files])
    return plan


def _entry(record, i, volume, path, size, mtime, docs) -> Entry:
    ours = record.get("studio") if isinstance(record.get("studio"), dict) else None
    projects = as_list(first(record, "project_ids", "project_id", "projects", default=[]))
    fields = {
        "key": f"f{i:05d}",
        "scope": "volume" if volume else "home",
        "owner": volume.name if volume else "",
        "path": path,
        "kind": file_kind(path),
        "title": text(first(record, "title", "name") or path.rpartition("/")[2], 500),
        "project": text(projects[0], 200) if projects else "",
        "size": size,
        "sha256": "0" * 64,  # the real one once the bytes are read
        "mtime": mtime or _fallback_date(docs),
        "summary": text(first(record, "description", "summary"), 100_000),
        "facts": {"paper": {k: v for k, v in record.items() if k != "studio"}},
    }
    if ours:  # our own export: our fields come back as they were
        fields.update({k: ours[k] for k in _OURS if k in ours})
    try:
        return Entry.model_validate(fields)
    except ValidationError as exc:
        bad = exc.errors()[0]
        raise ArchiveError(
            f"file_list.json record {i} ({record['path']}): {'.'.join(map(str, bad['loc']))}: {bad['msg']}"
        ) from None


_OURS = ("key", "kind", "title", "project", "summary", "facts", "planted_error", "text")


def _fallback_date(docs: dict[str, Any]) -> dt.datetime:
    """A file without a timestamp: the computer's own 'now', else the import's."""
    for doc, key in (
        ("persona", "current_timestamp"),
        ("filesystem_policy", "system_start_timestamp"),
    ):
        try:
            when = parse_timestamp(first(docs.get(doc), key, default=None))
        except (ValueError, OverflowError):
            when = None
        if when:
            return when
    return timezone.now()


def _edges(records, graph, by_ref, entries) -> list[dict[str, str]]:
    """derived_from (this file -> its sources) and the graph's edges, by file key; references to
    no listed file are dropped, not fatal: the graph is metadata, not content."""
    out = []
    for record, entry in zip(records, entries, strict=True):
        for ref in as_list(record.get("derived_from")):
            if not isinstance(ref, dict | list) and ref in by_ref:
                out.append({"source": entry.key, "target": by_ref[ref], "relation": "derived_from"})
    for edge in as_list(first(graph, "edges", default=[])):
        if isinstance(edge, dict):
            source = first(edge, "source", "from", "src", default=None)
            target = first(edge, "target", "to", "dst", default=None)
            relation = text(
                first(edge, "relation", "type", "kind", "label", default="references"), 32
            )
        elif isinstance(edge, list) and len(edge) >= 2:
            source, target, relation = (
                edge[0],
                edge[1],
                text(edge[2] if len(edge) > 2 else "references", 32),
            )
        else:
            continue
        if isinstance(source, dict | list) or isinstance(target, dict | list):
            continue
        if source in by_ref and target in by_ref:
            out.append({"source": by_ref[source], "target": by_ref[target], "relation": relation})
    return out


def _manifest(plan: _Planned) -> Manifest:
    docs = plan.docs
    profile = profile_from_documents(docs)
    policy = (
        docs.get("filesystem_policy") if isinstance(docs.get("filesystem_policy"), dict) else {}
    )
    return Manifest.model_validate(
        {
            "format": FORMAT,
            "display_name": text(profile.get("full_name") or plan.computer_id, 200),
            "job_title": text(profile.get("job_title"), 200),
            "employer": text(profile.get("employer"), 200),
            "industry": text(profile.get("industry"), 200),
            "llm_backend": "the paper's dataset",
            "persona": {"text": persona_text(docs, plan.computer_id)},
            "profile": profile,
            "policy": policy.get("studio_policy")
            if isinstance(policy.get("studio_policy"), dict)
            else {},
            "volumes": volumes_dump(plan.volumes),
            "documents": {"computer_id": plan.computer_id, **docs},
            "files": [e.model_dump() for _, e in plan.files],
            "edges": plan.edges,
        }
    )


# -- the import ----------------------------------------------------------------------------------


def _computers(members: dict[str, Member], default_id: str) -> dict[str, str]:
    """computer id -> the prefix of its folder in the source."""
    out = {}
    for name in members:
        if name == "file_list.json" or name.endswith("/file_list.json"):
            prefix = name[: -len("file_list.json")]
            cid = prefix.rstrip("/").rpartition("/")[2] or default_id
            if cid in out:
                raise ArchiveError(f"computer {cid} is in the source twice")
            out[cid] = prefix
    if not out:
        raise ArchiveError("no computer here: no file_list.json in the source")
    return out


def paper_import(
    *,
    source: Path | IO[bytes],
    pool: PersonaPool,
    created_by=None,
    limits: ArchiveLimits | None = None,
    name: str = "computer",
) -> list[Computer]:
    """New ready computers (in ``pool``), one per computer of the source; all or none."""
    limits = limits or ArchiveLimits.from_env()
    reader = _reader(source, limits)
    staging: Path | None = None
    created: list[Computer] = []
    try:
        members = {m.name: m for m in reader.members()}
        plans = [
            _plan(reader, members, prefix, cid)
            for cid, prefix in sorted(_computers(members, name).items())
        ]
        if created_by is not None:
            check_quota(user=created_by, adding=sum(e.size for p in plans for _, e in p.files))
        root = Path(settings.COMPUTERS_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f".import-{secrets.token_hex(6)}"
        total = 0
        for n, plan in enumerate(plans):
            for member, entry in plan.files:
                target = (
                    staging
                    / str(n)
                    / stored_at(scope=entry.scope, owner=entry.owner, path=entry.path)
                )
                entry.sha256, written = copy_member(
                    reader, member, target, declared=member.size, total=total
                )
                total += written
                os.utime(target, (entry.mtime.timestamp(), entry.mtime.timestamp()))
        with transaction.atomic():
            for n, plan in enumerate(plans):
                manifest = _manifest(plan)
                expected = {
                    stored_at(scope=e.scope, owner=e.owner, path=e.path): e for e in manifest.files
                }
                created.append(
                    create_from_manifest(
                        manifest, expected, staging / str(n), pool=pool, created_by=created_by
                    )
                )
        return created
    except BaseException:
        for computer in created:  # their rows rolled back; their folders must go too
            shutil.rmtree(computer.root, ignore_errors=True)
        raise
    finally:
        reader.close()
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
