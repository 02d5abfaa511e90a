"""Importing a computer archive (the layout is in archive.py) as a new computer.

Import treats every archive as hostile (``archive_reader``). Before anything is written it
checks every member: the name (relative, no "..", no drive letter, no NUL, no duplicates),
the type (regular files and folders only: no symlinks, hard links, devices or fifos), the
member count, and the sizes (each member and the total, as declared); while extracting it
counts the bytes actually read, so a member that lies about its size is stopped at the
limit too. Every file of the index must
be present with its hash, and nothing else may be. Files are extracted into a staging folder
and moved into place only once all of them checked out; the rows are created in one
transaction with them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from pydantic import ValidationError

from simulations.review.archive import (
    FORMAT,
    IMPORTED,
    MANIFEST,
    MB,
    ArchiveError,
    Entry,
    Manifest,
    member_name,
)
from simulations.review.archive_reader import ArchiveLimits, ArchiveReader, Member, copy_member
from studio.models import Computer, ComputerFile, FileEdge, Folder, Persona, PersonaPool
from studio.paths import PathEscapeError, clean_relative
from studio.services.index import computer_stats, folder_rows
from studio.volumes import VOLUMES_DIR

# -- import ---------------------------------------------------------------------------------------


def _read_manifest(reader: ArchiveReader, members: dict[str, Member]) -> Manifest:
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
    reader: ArchiveReader, members: dict[str, Member], expected: dict[str, Entry], staging: Path
) -> None:
    total = 0
    for name, entry in expected.items():
        sha, written = copy_member(
            reader, members[name], staging / name, declared=entry.size, total=total
        )
        total += written
        if sha != entry.sha256:
            raise ArchiveError(f"{name}: its content does not match the sha256 in the index")
        mtime = entry.mtime.timestamp()
        os.utime(staging / name, (mtime, mtime))


def archive_import(
    *, source: IO[bytes], pool: PersonaPool, created_by=None, limits: ArchiveLimits | None = None
) -> Computer:
    """A new ready Computer (in ``pool``) holding the archive's files and index."""
    limits = limits or ArchiveLimits.from_env()
    reader = ArchiveReader(source, limits)
    staging: Path | None = None
    try:
        members = {m.name: m for m in reader.members()}
        manifest = _read_manifest(reader, members)
        expected = _check_index(manifest, members)
        if created_by is not None:  # early, before writing anything; again in _create
            check_quota(user=created_by, adding=sum(e.size for e in expected.values()))
        root = Path(settings.COMPUTERS_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f".import-{secrets.token_hex(6)}"
        staging.mkdir()
        _extract(reader, members, expected, staging)
        return create_from_manifest(manifest, expected, staging, pool=pool, created_by=created_by)
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


def check_quota(*, user, adding: int) -> None:
    quota = settings.ARCHIVE_IMPORT_QUOTA_MB * MB
    used = archive_import_bytes_used(user=user)
    if used + adding > quota:
        raise ArchiveError(
            f"this archive holds {adding:,} bytes and your imported computers already "
            f"{used:,}: over your import quota of {quota:,} bytes (delete imported computers "
            "you no longer need)"
        )


def create_from_manifest(
    manifest: Manifest, expected: dict[str, Entry], staging: Path, *, pool: PersonaPool, created_by
) -> Computer:
    info = manifest.persona
    digest = info.digest or hashlib.sha256(info.text.encode()).hexdigest()
    with transaction.atomic():
        if created_by is not None:
            # Two imports by one user at once: the second waits here and counts the first.
            get_user_model().objects.select_for_update().get(pk=created_by.pk)
            check_quota(user=created_by, adding=sum(e.size for e in expected.values()))
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
            volumes=manifest.volumes,
            documents=manifest.documents,
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
            for part in ("home", "collaborators", VOLUMES_DIR):
                if (staging / part).exists():
                    os.replace(staging / part, target / part)
            (target / "home").mkdir(exist_ok=True)
        except OSError:
            # The rows roll back with the transaction; the folder must not outlive them.
            shutil.rmtree(target, ignore_errors=True)
            raise
    computer.refresh_from_db()
    return computer
