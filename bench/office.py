"""Milliseconds to write and to edit a typical Office file, per kind.

    python bench/office.py [--repeat 20]

The files are what generation writes: two personas' plans rendered by the offline engine's
content responders, one file per kind and category (docx and pdf from the same documents).
Writes go through write_artifact to a temporary folder; edits through the simulation's one
editor per kind (a cell set in a workbook, a find/replace and an appended line in documents
and decks). Prints, per kind, the median CPU time of every file's runs (what the work costs,
whatever else the machine runs) and the median and slowest wall time. Goal: <= 50 ms a typical
file, invisible next to a model call of seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.project.settings")

GOAL_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-office-"))
    try:
        run(folder, args.repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, repeat: int) -> None:
    from simulations.engine import office_edits
    from studio.artifacts.writers import write_artifact
    from tests.artifacts.generated import generated_contents

    contents = generated_contents(kinds=("docx", "xlsx", "pptx"))
    contents += [("pdf", title, content) for kind, title, content in contents if kind == "docx"]
    timings: dict[str, list[tuple[float, float]]] = defaultdict(list)
    files: list[tuple[str, Path]] = []
    for number, (kind, _, content) in enumerate(contents):
        path = folder / f"{number:02d}.{kind}"
        write_artifact(path, kind, content)  # warm-up: imports and templates
        timings[f"write {kind}"] += _times(write_artifact, (path, kind, content), repeat)
        files.append((kind, path))
    edits = {
        "xlsx": lambda path: office_edits.edit_xlsx(
            path, find="", replace="", append="Late item,1", cells={"B2": 1234}
        ),
        "docx": lambda path: office_edits.edit_docx(
            path, find="the", replace="the", append="- Added by the worker"
        ),
        "pptx": lambda path: office_edits.edit_pptx(
            path, find="the", replace="the", append="Follow-up\n- Added by the worker"
        ),
    }
    for kind, path in files:
        if kind in edits:
            edits[kind](path)
            timings[f"edit {kind}"] += _times(edits[kind], (path,), repeat)
    print(
        f"{'what':12s} {'files':>5s} {'cpu ms':>7s} {'wall ms':>8s} {'slowest':>8s}  goal <= {GOAL_MS:g} ms"
    )
    counts = defaultdict(int)
    for kind, _ in files:
        counts[kind] += 1
    for what, runs in timings.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        slowest = max(w for _, w in runs)
        verdict = "ok" if cpu <= GOAL_MS else "over"
        print(
            f"{what:12s} {counts[what.split()[1]]:5d} {cpu:7.1f} {wall:8.1f} {slowest:8.1f}  {verdict}"
        )


def _times(action, args: tuple, repeat: int) -> list[tuple[float, float]]:
    """(CPU ms, wall ms) of each run."""
    out = []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        action(*args)
        out.append(((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))
    return out


if __name__ == "__main__":
    main()
