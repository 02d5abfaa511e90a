"""Server time of the browsing pages on a 5,000-file computer and on large documents.

    python bench/browse.py [--files 5000] [--repeat 9] [--computers 10000]

Runs against a temporary SQLite database and COMPUTERS_ROOT (nothing else is touched) and
times requests through Django's test Client: the whole view, template and database, without
the network. Prints the median and the slowest of --repeat runs after one warm-up. Goal:
<= 200 ms each.

How the data is made, honestly: generating 5,000 files through the offline engine takes
minutes, so the big computer is synthesised directly: one real file per kind is rendered by
the artifact writers and copied under 5,000 names into a realistic folder tree (depth 1-6,
~250 folders), and the DB rows (paths, kinds, sizes, dates, ~2.5 KB of searchable text each)
are bulk-inserted the way the pipeline indexes them. The large docx (~5 MB) and xlsx
(50,000 rows with a formula column) are written directly: python-docx's template with a
generated body, and openpyxl in write-only mode. The 10,000-computer list is bulk-inserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browse_data import (  # noqa: E402
    add_file,
    big_docx,
    big_xlsx,
    build_big_computer,
    many_computers,
    sample_files,
)
from bench.studio_env import offline_studio  # noqa: E402


def setup(var: Path) -> None:
    offline_studio(var)
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# -- timing ------------------------------------------------------------------------------


def timed(client, url: str, repeat: int, cold: bool = False, **params):
    """(median ms, max ms, status, bytes); ``cold`` empties the preview cache before each."""
    from studio.services.files import preview_cache

    response = client.get(url, params)  # warm-up: template loading, first queries
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        if cold:
            preview_cache.clear()
        start = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), response.status_code, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--computers", type=int, default=10_000)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="bench-browse-"))
    try:
        setup(var)
        run(args, var)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def run(args, var: Path) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from studio.models import Persona, PersonaPool

    print(f"building data in {var} …", flush=True)
    started = time.perf_counter()
    user = get_user_model().objects.create_user("bench")  # logged in by force_login
    pool = PersonaPool.objects.create(name="bench", owner=user)
    persona = Persona.objects.create(pool=pool, text="A ward nurse running audits.", digest="x")
    samples = sample_files(var)
    step = time.perf_counter()
    computer, deepest = build_big_computer(persona, args.files, samples)
    print(f"  computer: {time.perf_counter() - step:.1f} s", flush=True)
    step = time.perf_counter()
    big_docx(var / "big.docx", 5 * 1024 * 1024)
    print(f"  docx: {time.perf_counter() - step:.1f} s", flush=True)
    step = time.perf_counter()
    big_xlsx(var / "big.xlsx", 50_000)
    print(f"  xlsx: {time.perf_counter() - step:.1f} s", flush=True)
    docx = add_file(computer, "Documents/Large/Annual handbook.docx", "docx", var / "big.docx")
    xlsx = add_file(computer, "Documents/Large/Ledger 2024.xlsx", "xlsx", var / "big.xlsx")
    many_computers(persona, args.computers)
    print(
        f"  {computer.files.count():,} files in {computer.folders.count():,} folders; "
        f"docx {docx.size / 1e6:.1f} MB, xlsx {xlsx.size / 1e6:.1f} MB (50,000 rows); "
        f"{args.computers:,} more computers — {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    pk = computer.pk
    cases = [
        ("computers list (page 1 of 10,000+)", reverse("studio-computer-list"), {}),
        (
            "computers list, search + sort",
            reverse("studio-computer-list"),
            {"q": "audit", "sort": "name"},
        ),
        ("computer page (tree root)", reverse("studio-computer-detail", args=[pk]), {}),
        ("tree root partial", reverse("studio-tree-root", args=[pk]), {}),
        (
            f"deep folder partial (depth {deepest.count('/') + 1})",
            reverse("studio-tree-children", args=[pk, deepest]),
            {},
        ),
        ("deep folder page (path opened)", reverse("studio-computer-tree", args=[pk, deepest]), {}),
        ("search: common word", reverse("studio-computer-search", args=[pk]), {"q": "audit"}),
        (
            "search: two words",
            reverse("studio-computer-search", args=[pk]),
            {"q": "variance handover"},
        ),
        ("search: no match", reverse("studio-computer-search", args=[pk]), {"q": "zeppelin"}),
    ]
    for label, file in ((f"docx {docx.size / 1e6:.1f} MB", docx), ("xlsx 50,000 rows", xlsx)):
        page = reverse("studio-file-detail", args=[pk, file.path])
        part = reverse("studio-file-preview", args=[pk, file.path])
        cases += [
            (f"{label}: file page (preview deferred)", page, {}),
            (f"{label}: preview, first view", part, {"cold": True}),
            (f"{label}: preview, seen before (cache)", part, {}),
        ]
    repeat = args.repeat
    print(f"\n{'page':48} {'median ms':>10} {'max ms':>8} {'KB':>7}")
    for label, url, params in cases:
        cold = params.pop("cold", False)
        runs = 3 if cold else repeat  # a cold preview can take seconds; three tell enough
        median, worst, _status, size = timed(client, url, runs, cold=cold, **params)
        flag = "" if median <= 200 else "  > 200 ms goal"
        print(f"{label:48} {median:10.1f} {worst:8.1f} {size / 1024:7.0f}{flag}", flush=True)


if __name__ == "__main__":
    main()
