"""Export trajectories as parquet shards: one row per trajectory, holding the same record as a
line of the JSONL export (simulations/review/export.py builds both), in shards of
``shard_size`` trajectories, with a manifest.

Columns: ``simulation_id``, ``computer_id``, ``state``, ``score_pct``, ``truncated`` and
``message_count`` to filter on without parsing, then the record's parts as JSON text
(``messages``, ``tools``, ``metadata``, ``signals``) and ``parallel_tool_calls``: any parquet
reader (pyarrow, pandas, 🤗 datasets) loads them, and json.loads gives back the JSONL record.

Shard ``n`` always holds the ``n``-th block of candidates in id order, so a re-run with the same
settings finds the same shards: it skips every shard whose manifest entry is there and whose
file still has the recorded SHA-256, and writes the rest. The manifest is rewritten after each
shard (atomically), which is what makes an interrupted export resumable. Rows are streamed into
the shard writer a few at a time: memory holds a few trajectories, whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db.models import QuerySet

from simulations.models import Simulation
from simulations.review import export
from simulations.review.selectors import SimulationFilters

MANIFEST = "manifest.json"
ROWS_PER_GROUP = 8
GROUP_BYTES = 32 * 1024 * 1024
SCHEMA = pa.schema(
    [
        ("simulation_id", pa.int64()),
        ("computer_id", pa.int64()),
        ("state", pa.string()),
        ("score_pct", pa.float64()),
        ("truncated", pa.bool_()),
        ("message_count", pa.int32()),
        ("messages", pa.string()),
        ("tools", pa.string()),
        ("parallel_tool_calls", pa.bool_()),
        ("metadata", pa.string()),
        ("signals", pa.string()),
    ]
)
STAT_KEYS = ("written", "cut", "dropped_bad_label", "empty", "messages")


class ParquetExportError(ValueError):
    """An export that cannot go ahead; the message says why."""


FILTER_COLUMNS = SCHEMA.names[:6]


def _row(record: dict[str, Any]) -> dict[str, Any]:
    metadata = record["metadata"]
    return {
        "simulation_id": metadata["simulation_id"],
        "computer_id": metadata["computer"]["id"],
        "state": metadata["state"],
        "score_pct": record["signals"]["outcome"].get("score_pct"),
        "truncated": bool(metadata["policy"]["truncated"]),
        "message_count": len(record["messages"]),
        "messages": export.record_json(record["messages"]),
        "tools": export.record_json(record["tools"]),
        "parallel_tool_calls": record["parallel_tool_calls"],
        "metadata": export.record_json(metadata),
        "signals": export.record_json(record["signals"]),
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ids_digest(ids: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


def _write_shard(
    path: Path, simulations: QuerySet[Simulation], policy: export.BadTurnPolicy
) -> dict[str, Any]:
    stats = export.ExportStats()
    temp = path.with_name(f".{path.name}.partial")
    rows: list[dict[str, Any]] = []
    size = 0
    try:
        # The JSON columns are unique text: a dictionary or min/max statistics of them cost
        # more than the compression and give a reader nothing.
        with pq.ParquetWriter(
            temp,
            SCHEMA,
            compression="zstd",
            use_dictionary=["state"],
            write_statistics=FILTER_COLUMNS,
        ) as writer:
            for record in export.export_records(simulations, policy=policy, stats=stats):
                row = _row(record)
                rows.append(row)
                size += len(row["messages"]) + len(row["metadata"]) + len(row["signals"])
                if len(rows) >= ROWS_PER_GROUP or size >= GROUP_BYTES:
                    writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
                    rows, size = [], 0
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return {
        "file": path.name,
        "sha256": _sha256(path),
        "bytes": path.stat().st_size,
        "rows": stats.written,
        **{key: getattr(stats, key) for key in STAT_KEYS if key != "written"},
        "simulation_ids": stats.simulation_ids,
    }


def _settings(policy: export.BadTurnPolicy, filters: SimulationFilters, shard_size: int) -> dict:
    probe = export.manifest(policy=policy, filters=filters)
    return {"policy": probe["policy"], "filters": probe["filters"], "shard_size": shard_size}


def _previous_shards(out: Path, settings: dict) -> dict[str, dict[str, Any]]:
    path = out / MANIFEST
    if not path.exists():
        return {}
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ParquetExportError(f"{path} is not a manifest ({exc}): move it away") from exc
    if {k: previous.get(k) for k in settings} != settings:
        raise ParquetExportError(
            f"{out} holds an export made with other settings (policy, filters or shard size): "
            "choose another directory"
        )
    return {entry["file"]: entry for entry in previous.get("shards", [])}


def _save_manifest(out: Path, manifest: dict[str, Any]) -> None:
    temp = out / f".{MANIFEST}.partial"
    temp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(temp, out / MANIFEST)


def parquet_export(
    *,
    candidates: QuerySet[Simulation],
    policy: export.BadTurnPolicy,
    filters: SimulationFilters,
    out: Path,
    shard_size: int = 100,
    progress: Callable[[dict[str, Any], bool], None] | None = None,
) -> dict[str, Any]:
    """Write (or finish writing) the shards of ``candidates`` under ``out``; returns the
    manifest. ``progress(entry, skipped)`` is called after each shard."""
    if shard_size < 1:
        raise ParquetExportError("a shard holds at least one trajectory")
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(policy, filters, shard_size)
    previous = _previous_shards(out, settings)
    queryset = export.export_queryset(candidates)
    ids = list(queryset.values_list("pk", flat=True))
    blocks = [ids[start : start + shard_size] for start in range(0, len(ids), shard_size)]
    base = export.manifest(
        policy=policy,
        filters=filters,
        candidates=candidates.count(),
        flagged_bad=export.flagged_bad_count(candidates),
    )
    shards: list[dict[str, Any]] = []
    for number, block in enumerate(blocks):
        path = out / f"shard-{number:05d}.parquet"
        entry = previous.get(path.name)
        skipped = bool(
            entry
            and entry.get("candidate_ids_sha256") == _ids_digest(block)
            and path.exists()
            and _sha256(path) == entry.get("sha256")
        )
        if not skipped:
            entry = _write_shard(path, queryset.filter(pk__in=block), policy)
            entry["candidate_ids_sha256"] = _ids_digest(block)
            entry["candidates"] = len(block)
        shards.append(entry)
        _save_manifest(out, _manifest(base, settings, shards, complete=False))
        if progress:
            progress(entry, skipped)
    manifest = _manifest(base, settings, shards, complete=True)
    _save_manifest(out, manifest)
    return manifest


def _manifest(base: dict, settings: dict, shards: list[dict], *, complete: bool) -> dict:
    totals = {key: sum(s[key if key != "written" else "rows"] for s in shards) for key in STAT_KEYS}
    return {
        **base,
        **settings,
        "container": "parquet",
        "columns": SCHEMA.names,
        "complete": complete,
        "written": totals["written"],
        "cut": totals["cut"],
        "dropped_bad_label": totals["dropped_bad_label"],
        "empty_after_policy": totals["empty"],
        "messages_total": totals["messages"],
        "shards": shards,
    }
