"""The DB index of a computer's files: folder rows and the stats pages show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from studio.models import Computer, ComputerFile, Folder


def folder_rows(*, computer: Computer, paths: Iterable[str]) -> list[Folder]:
    """One Folder per directory that holds (directly or below) one of ``paths``."""
    counts: dict[str, int] = defaultdict(int)
    folders: set[str] = set()
    for path in paths:
        parts = path.split("/")[:-1]
        counts["/".join(parts)] += 1
        for depth in range(1, len(parts) + 1):
            folders.add("/".join(parts[:depth]))
    return [
        Folder(
            computer=computer,
            path=p,
            parent=p.rpartition("/")[0],
            name=p.rpartition("/")[2],
            depth=p.count("/") + 1,
            file_count=counts.get(p, 0),
        )
        for p in sorted(folders)
    ]


def computer_stats(*, rows: list[ComputerFile], edges: int, folders: int) -> dict[str, Any]:
    home = [r for r in rows if r.scope == ComputerFile.Scope.HOME]
    by_kind: dict[str, int] = defaultdict(int)
    for r in home:
        by_kind[r.kind] += 1
    depths = [r.depth for r in home]
    return {
        "files": len(home),
        "private_files": len(rows) - len(home),
        "bytes": sum(r.size for r in home),
        "by_kind": dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
        "mean_depth": round(sum(depths) / len(depths), 2) if depths else 0,
        "max_depth": max(depths, default=0),
        "folders": folders,
        "edges": edges,
    }
