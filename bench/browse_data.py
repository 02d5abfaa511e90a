"""The data bench/browse.py times against: one real file per kind copied under thousands of
names in a realistic folder tree, a large docx and xlsx written directly, and thousands of
computers bulk-inserted (how and why: bench/browse.py's docstring)."""

from __future__ import annotations

import datetime as dt
import io
import random
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = [
    "audit",
    "budget",
    "rota",
    "ward",
    "shift",
    "forecast",
    "variance",
    "staffing",
    "incident",
    "review",
    "quarterly",
    "plan",
    "patient",
    "medication",
    "safety",
    "supplier",
    "invoice",
    "contract",
    "revenue",
    "margin",
    "headcount",
    "training",
    "compliance",
    "policy",
    "risk",
    "milestone",
    "deliverable",
    "pipeline",
    "inventory",
    "schedule",
    "capacity",
    "report",
    "analysis",
    "summary",
    "draft",
    "final",
    "minutes",
    "agenda",
    "action",
    "owner",
    "deadline",
    "approval",
    "escalation",
    "baseline",
    "target",
    "actual",
    "cost",
    "saving",
    "overtime",
    "agency",
    "handover",
    "discharge",
    "admission",
]
KINDS = ("docx", "xlsx", "pdf", "pptx", "md", "txt", "csv", "eml", "ics")
WEIGHTS = (35, 16, 14, 8.5, 6.5, 5, 5.5, 8, 1.5)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def sample_files(directory: Path) -> dict[str, bytes]:
    """One real file per kind, rendered by the studio's writers."""
    from studio.artifacts.writers import write_artifact
    from studio.generation import schemas as s

    when = dt.datetime(2024, 5, 6, 10, 0, tzinfo=dt.UTC)
    me = s.Person(name="Ada Lovelace", email="ada@example.com")
    other = s.Person(name="Grace Hopper", email="grace@example.com")
    contents = {
        "docx": s.DocumentContent(
            title="Ward report",
            summary="r",
            blocks=[
                s.DocBlock(type="heading", text="Ward report"),
                s.DocBlock(type="paragraph", text="Missed doses fell to 14."),
                s.DocBlock(type="table", table=s.Table(columns=["Ward", "Beds"], rows=[["A", 3]])),
            ],
        ),
        "pdf": s.DocumentContent(
            title="Policy",
            summary="p",
            blocks=[s.DocBlock(type="paragraph", text="Double-check controlled drugs.")],
        ),
        "xlsx": s.WorkbookContent(
            summary="b",
            sheets=[
                s.Sheet(
                    name="Budget",
                    columns=["Item", "Cost", "Qty", "Total"],
                    rows=[["Gloves", 0.2, 450, "=B2*C2"]],
                )
            ],
        ),
        "pptx": s.PresentationContent(
            title="Kickoff",
            summary="k",
            slides=[s.Slide(title="Why", bullets=["Safety"], notes="Start here.")],
        ),
        "md": s.TextContent(text="# Notes\n\nBed 12 needs obs.\n", summary="n"),
        "txt": s.TextContent(text="Order syringes\n", summary="t"),
        "csv": s.CsvContent(columns=["Bed", "Pulse"], rows=[[12, 88]], summary="c"),
        "eml": s.EmailContent(subject="Rota", body="Can you cover Friday?", summary="e"),
        "ics": s.CalendarContent(
            summary="c",
            events=[
                s.CalendarEvent(title="Audit review", start=when, end=when + dt.timedelta(hours=1))
            ],
        ),
    }
    envelope = s.EmailEnvelope(message_id="<m1@example.com>", sender=other, to=[me], date=when)
    out = {}
    for kind, content in contents.items():
        path = directory / f"sample.{kind}"
        write_artifact(
            path,
            kind,
            content,
            envelope=envelope if kind == "eml" else None,
            author="Ada Lovelace",
            mtime=when,
        )
        out[kind] = path.read_bytes()
    return out


def folder_tree(rng: random.Random, count: int) -> list[str]:
    tops = [
        "Documents",
        "Desktop",
        "Downloads",
        "Mail",
        "Projects",
        "Archive",
        "Shared",
        "Reports",
        "Finance",
        "Misc",
    ]
    folders = list(tops)
    while len(folders) < count:
        parent = rng.choice(folders)
        if parent.count("/") >= 5:
            continue
        name = f"{rng.choice(WORDS).title()} {rng.randrange(2019, 2026)}"
        candidate = f"{parent}/{name}"
        if candidate not in folders:
            folders.append(candidate)
    return folders


def build_big_computer(persona, files: int, samples: dict[str, bytes]):
    from studio.models import Computer, ComputerFile, Folder
    from studio.services import index

    rng = random.Random(5)
    computer = Computer.objects.create(
        persona=persona,
        pool=persona.pool,
        state=Computer.State.READY,
        stage="ready",
        display_name="Ada Lovelace",
        job_title="Charge Nurse",
        employer="St Elsewhere",
        industry="Healthcare",
        target_files=files,
        files_total=files,
        files_done=files,
    )
    folders = folder_tree(rng, max(10, files // 20))
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows, seen = [], set()
    for n in range(files):
        kind = rng.choices(KINDS, WEIGHTS)[0]
        folder = rng.choice(folders)
        name = f"{words(rng, 3).title()} {n:05d}.{kind}"
        path = f"{folder}/{name}"
        if path in seen:
            continue
        seen.add(path)
        disk = computer.home / path
        disk.parent.mkdir(parents=True, exist_ok=True)
        disk.write_bytes(samples[kind])
        rows.append(
            ComputerFile(
                computer=computer,
                key=f"f{n:05d}",
                path=path,
                folder=folder,
                name=name,
                kind=kind,
                title=name.rsplit(".", 1)[0],
                size=len(samples[kind]),
                sha256="0" * 64,
                mtime=start + dt.timedelta(minutes=rng.randrange(0, 300_000)),
                summary=words(rng, 12),
                text=words(rng, 400),
                depth=path.count("/") + 1,
            )
        )
    ComputerFile.objects.bulk_create(rows, batch_size=1000)
    folder_rows = index.folder_rows(computer=computer, paths=[r.path for r in rows])
    Folder.objects.bulk_create(folder_rows, batch_size=1000)
    computer.stats = index.computer_stats(rows=rows, edges=0, folders=len(folder_rows))
    computer.save(update_fields=["stats"])
    deepest = max(folder_rows, key=lambda f: (f.depth, f.file_count)).path
    return computer, deepest


def big_docx(path: Path, target_bytes: int) -> None:
    """A docx of about ``target_bytes`` on disk: headings, paragraphs, some tables."""
    from docx import Document

    template = io.BytesIO()
    Document().save(template)
    rng = random.Random(9)
    parts = []
    size = 0
    n = 0
    # Words from a small vocabulary compress about 6x; aim the XML at 6x the size on disk.
    while size < target_bytes * 6:
        n += 1
        if n % 40 == 1:
            chunk = (
                f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Section {n // 40 + 1}: '
                f"{escape(words(rng, 4))}</w:t></w:r></w:p>"
            )
        elif n % 97 == 0:
            cells = "".join(
                f"<w:tc><w:p><w:r><w:t>{escape(words(rng, 2))}</w:t></w:r></w:p></w:tc>"
                for _ in range(4)
            )
            chunk = f"<w:tbl>{''.join(f'<w:tr>{cells}</w:tr>' for _ in range(5))}</w:tbl>"
        else:
            chunk = f"<w:p><w:r><w:t>{escape(words(rng, 60))}</w:t></w:r></w:p>"
        parts.append(chunk)
        size += len(chunk)
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{''.join(parts)}</w:body></w:document>"
    )
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            data = body.encode() if item.filename == "word/document.xml" else source.read(item)
            out.writestr(item, data)


def big_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    rng = random.Random(11)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ledger")
    sheet.append(["Date", "Ward", "Item", "Qty", "Unit cost", "Total"])
    day = dt.date(2024, 1, 1)
    for n in range(2, rows + 2):
        sheet.append(
            [
                day + dt.timedelta(days=n % 365),
                rng.choice(WORDS).title(),
                words(rng, 2),
                rng.randrange(1, 500),
                round(rng.uniform(0.1, 90), 2),
                f"=D{n}*E{n}",
            ]
        )
    summary = book.create_sheet("Summary")
    summary.append(["Grand total", f"=SUM(Ledger!F2:F{rows + 1})"])
    book.save(path)


def add_file(computer, path: str, kind: str, disk: Path):
    from studio.models import ComputerFile, Folder

    target = computer.home / path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(disk, target)
    folder = path.rpartition("/")[0]
    Folder.objects.get_or_create(
        computer=computer,
        path=folder,
        defaults=dict(
            parent=folder.rpartition("/")[0],
            name=folder.rpartition("/")[2],
            depth=folder.count("/") + 1,
        ),
    )
    return ComputerFile.objects.create(
        computer=computer,
        key=f"big-{kind}",
        path=path,
        folder=folder,
        name=path.rpartition("/")[2],
        kind=kind,
        size=target.stat().st_size,
        mtime=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
        depth=path.count("/") + 1,
    )


def many_computers(persona, count: int) -> None:
    from studio.models import Computer

    rng = random.Random(3)
    Computer.objects.bulk_create(
        [
            Computer(
                persona=persona,
                pool=persona.pool,
                state=rng.choice(["ready"] * 8 + ["failed"]),
                display_name=f"{rng.choice(WORDS).title()} {n}",
                job_title=words(rng, 2),
                employer=words(rng, 2).title(),
                industry=rng.choice(WORDS),
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
