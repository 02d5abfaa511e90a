"""Writing computers in the paper's layout (paper_format.py): a folder, or a .tar.gz streamed.

An imported computer goes back as it came: its documents and each file's record verbatim. One of
ours maps into the paper's keys with its own fields beside them (``studio_profile``,
``studio_policy``, each record's ``studio``), so importing the export gives the same computer.
Collaborators' private files have no place in the paper's layout and are not exported.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from simulations.review.archive import ArchiveError, StreamSink
from simulations.review.paper_format import DOCUMENTS, KEPT, PARQUET_NAME
from studio.models import Computer, ComputerFile, FileEdge
from studio.paths import slugify_name
from studio.services.files import FileUnavailable, file_disk_path
from studio.volumes import Volume, home_volume, volumes_dump, volumes_of


def export_volumes(computer: Computer) -> list[Volume]:
    """The computer's volumes; one of ours (no volumes) is one system volume with the home."""
    volumes = volumes_of(computer)
    if volumes:
        return volumes
    policy = computer.policy or {}
    user = slugify_name(computer.display_name or "user").replace("-", "")
    shown = str(policy.get("home_display") or "")
    if policy.get("os_flavour") == "windows":
        home = shown if shown[1:3] == ":\\" else f"C:\\Users\\{user}"
        return [Volume(name=f"{home[0].upper()}:", mount=f"{home[0].upper()}:\\", home=home)]
    home = shown.rstrip("/") if shown.startswith("/") and len(shown) > 1 else f"/Users/{user}"
    return [Volume(name="Macintosh HD", mount="/", home=home)]


def computer_id_of(computer: Computer, volumes: list[Volume]) -> str:
    kept = (computer.documents or {}).get("computer_id")
    if isinstance(kept, str) and kept:
        return kept
    return f"{'win' if volumes[0].windows else 'mac'}_computer_{computer.pk:06d}"


def _logical(file: ComputerFile, volumes: list[Volume]) -> tuple[Volume, str]:
    """The file's volume and its logical path."""
    if file.scope == ComputerFile.Scope.VOLUME:
        volume = next(v for v in volumes if v.name == file.owner)
        return volume, volume.logical(file.path)
    volume = home_volume(volumes)
    if volume.windows:
        return volume, volume.home.rstrip("\\") + "\\" + file.path.replace("/", "\\")
    return volume, volume.home.rstrip("/") + "/" + file.path


def _record(file: ComputerFile, logical: str, derived: list[str]) -> dict[str, Any]:
    if isinstance(file.facts.get("paper"), dict):
        return {**file.facts["paper"], "path": logical}
    return {
        "path": logical,
        "timestamp": file.mtime.isoformat(),
        "origin": "generated",
        "description": file.summary,
        "content_mode": "full",
        "project_ids": [file.project] if file.project else [],
        "derived_from": derived,
        "studio": {
            "key": file.key,
            "kind": file.kind,
            "title": file.title,
            "project": file.project,
            "summary": file.summary,
            "facts": file.facts,
            "planted_error": file.planted_error,
            "text": file.text,
        },
    }


def _documents(computer: Computer, volumes: list[Volume], newest: str) -> dict[str, Any]:
    kept = computer.documents or {}
    if kept.get("computer_id"):
        return {name: kept.get(name, {}) for name in KEPT}
    profile, policy = computer.profile or {}, computer.policy or {}
    collaborators = profile.get("collaborators") or []
    projects = profile.get("projects") or []
    identity = {
        k: profile.get(k, "")
        for k in ("full_name", "email", "job_title", "department", "employer", "location")
    }
    identity["name"] = identity.pop("full_name")
    return {
        "persona": {
            "persona": computer.persona.text,
            "current_timestamp": newest,
            "os": "windows" if volumes[0].windows else "macos",
        },
        "user_profile": {
            "identity": identity,
            "career_profile": {
                "job_title": computer.job_title,
                "employer": computer.employer,
                "industry": computer.industry,
                "responsibilities": profile.get("responsibilities", []),
            },
            "current_projects_overview": [p.get("name", "") for p in projects],
            "work_style": {k: profile.get(k) for k in ("tool_habits", "tidiness", "writing_style")},
            "document_behavior": {"naming_convention": profile.get("naming_convention", "")},
            "related_people": [c.get("name", "") for c in collaborators],
            "studio_profile": profile,
        },
        "collaboration_context": {"collaborators": collaborators},
        "monthly_objectives": kept.get("monthly_objectives")
        or {"simulation_period": {}, "deliverables": [], "recurring_activities": []},
        "project_index": {
            "projects": [{"project_id": p.get("code", ""), **p} for p in projects],
        },
        "filesystem_policy": {
            "system_start_timestamp": str(policy.get("timeline_start", "")),
            "volume_layout": volumes_dump(volumes),
            "default_paths": policy.get("default_locations", {}),
            "storage_patterns": policy.get("top_folders", []),
            "naming_style": profile.get("naming_convention", ""),
            "studio_policy": policy,
        },
    }


def paper_computer(computer: Computer) -> tuple[str, dict[str, Any], list[tuple[str, Path]]]:
    """``(computer id, the eight documents, [(name inside the computer's folder, file on disk)])``."""
    if computer.state != Computer.State.READY:
        raise ArchiveError(f"computer {computer.pk} is {computer.state}; only a ready one exports")
    volumes = export_volumes(computer)
    files = list(computer.files.exclude(scope=ComputerFile.Scope.COLLABORATOR).order_by("id"))
    logical = {f.pk: _logical(f, volumes) for f in files}
    derived: dict[int, list[str]] = defaultdict(list)
    edges = []
    for source, target, relation in FileEdge.objects.filter(computer=computer).values_list(
        "source_id", "target_id", "relation"
    ):
        if source in logical and target in logical:
            edges.append(
                {"source": logical[source][1], "target": logical[target][1], "relation": relation}
            )
            if relation == "derived_from":
                derived[source].append(logical[target][1])
    records, members = [], []
    for f in files:
        volume, path = logical[f.pk]
        records.append(_record(f, path, derived[f.pk]))
        f.computer = computer
        try:
            disk = file_disk_path(file=f)
        except FileUnavailable as exc:
            raise ArchiveError(f"computer {computer.pk}: {exc}") from None
        members.append((f"drives/{volume.name}/{volume.inner(path)}", disk))
    newest = max((f.mtime for f in files), default=computer.created_at).isoformat()
    docs = _documents(computer, volumes, newest)
    docs["file_list"] = records
    kept_graph = (computer.documents or {}).get("file_graph")
    docs["file_graph"] = kept_graph or {"nodes": [r["path"] for r in records], "edges": edges}
    return computer_id_of(computer, volumes), docs, members


def parquet_table(rows: Iterable[tuple[str, dict[str, Any]]]) -> pa.Table:
    """One row per computer: its id and the eight documents as JSON strings."""
    columns: dict[str, list[str]] = {"computer_id": [], **{d: [] for d in DOCUMENTS}}
    for cid, docs in rows:
        columns["computer_id"].append(cid)
        for name in DOCUMENTS:
            columns[name].append(json.dumps(docs.get(name, {}), ensure_ascii=False))
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


def paper_write(computers: Iterable[Computer], out: Path) -> int:
    """Write ``out/computers/<id>/...`` and the parquet; returns the number of computers."""
    rows = []
    for computer in computers:
        cid, docs, members = paper_computer(computer)
        folder = out / "computers" / cid
        for name, disk in members:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(disk, target)
        for name in DOCUMENTS:
            (folder / f"{name}.json").write_text(
                json.dumps(docs[name], ensure_ascii=False, indent=1), encoding="utf-8"
            )
        rows.append((cid, docs))
    (out / PARQUET_NAME).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(parquet_table(rows), out / PARQUET_NAME)
    return len(rows)


def paper_tar_stream(computer: Computer) -> Iterator[bytes]:
    """One computer in the paper's layout as a .tar.gz, in pieces, parquet included."""
    cid, docs, members = paper_computer(computer)
    sink = StreamSink()
    with tarfile.open(fileobj=sink, mode="w|gz") as tar:
        for name in DOCUMENTS:
            _add(
                tar,
                f"computers/{cid}/{name}.json",
                json.dumps(docs[name], ensure_ascii=False, indent=1).encode(),
            )
            yield sink.take()
        buffer = io.BytesIO()
        pq.write_table(parquet_table([(cid, docs)]), buffer)
        _add(tar, PARQUET_NAME, buffer.getvalue())
        for name, disk in members:
            info = tar.gettarinfo(disk, arcname=f"computers/{cid}/{name}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with disk.open("rb") as source:
                tar.addfile(info, source)
            yield sink.take()
    yield sink.take()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))
