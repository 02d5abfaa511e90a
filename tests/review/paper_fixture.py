"""A computer in the paper's dataset layout, written with the Office libraries: two volumes,
Windows paths, a derived_from chain, keys the importer has never seen."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl

CID = "win_computer_000007"
HOME = "C:\\Users\\mheller"
RECORDS = [
    {
        "path": f"{HOME}\\Documents\\Audit\\GDP audit plan.docx",
        "timestamp": "2026-02-03T09:15:00",
        "origin": "user_created",
        "description": "The plan for the GDP audit in March.",
        "content_mode": "full",
        "project_ids": ["P-GDP"],
        "derived_from": [],
        "sensitivity": "internal",  # a key the importer does not know
    },
    {
        "path": f"{HOME}\\Documents\\Audit\\Temperature excursions.xlsx",
        "timestamp": "2026-02-10T14:00:00Z",
        "origin": "user_created",
        "description": "Excursions logged per lane, with totals.",
        "content_mode": "full",
        "project_ids": ["P-GDP"],
        "derived_from": [f"{HOME}\\Documents\\Audit\\GDP audit plan.docx"],
    },
    {
        "path": f"{HOME}\\Desktop\\audit findings draft.docx",
        "timestamp": "2026-02-20T17:30:00+01:00",
        "origin": "derived",
        "description": "Findings drafted from the excursion log.",
        "content_mode": "full",
        "project_ids": ["P-GDP", "P-LANES"],
        "derived_from": [f"{HOME}\\Documents\\Audit\\Temperature excursions.xlsx"],
    },
    {
        "path": f"{HOME}\\Desktop\\scratch.md",
        "timestamp": "2026-02-21T08:00:00",
        "origin": "user_created",
        "description": "Scratch notes.",
        "content_mode": "full",
        "project_ids": [],
    },
    {
        "path": "D:\\Archive\\2025\\lanes 2025.xlsx",
        "timestamp": "2025-12-30T12:00:00",
        "origin": "backup",
        "description": "Last year's lane list, archived.",
        "content_mode": "full",
        "project_ids": ["P-LANES"],
        "derived_from": [],
    },
    {
        "path": "C:\\Tools\\readme.txt",
        "timestamp": "2025-11-02T10:00:00",
        "origin": "system",
        "description": "A tool's readme outside the home.",
        "content_mode": "stub",
    },
]
DOCUMENTS = {
    "persona": {
        "persona": "A logistics coordinator at a cold-chain pharmaceutical distributor in "
        "Rotterdam preparing for a GDP audit.",
        "current_timestamp": "2026-03-01T09:00:00",
        "os": "windows",
        "mood": "busy",
    },
    "user_profile": {
        "identity": {
            "name": "Marit Heller",
            "job_title": "Logistics Coordinator",
            "organization": "Koelketen Pharma B.V.",
            "location": "Rotterdam, NL",
            "email": "m.heller@koelketen.example",
            "pronouns": "she/her",
        },
        "biographical_summary": "Ten years in cold-chain logistics.",
        "career_profile": {"industry": "Pharmaceutical distribution"},
        "related_people": ["Joost de Vries"],
        "favourite_tools": ["Excel"],
    },
    "collaboration_context": {
        "collaborators": [
            {
                "name": "Joost de Vries",
                "role": "QA Manager",
                "email": "j.devries@koelketen.example",
            },
            {"name": "Anouk Bakker", "role": "Warehouse Lead", "timezone": "Europe/Amsterdam"},
        ]
    },
    "monthly_objectives": {
        "simulation_period": {"start": "2026-03-02", "end": "2026-03-31"},
        "deliverables": [
            {
                "title": "GDP audit readiness report",
                "description": "A report on readiness for the GDP audit: open excursions, "
                "corrective actions and owners.",
                "format": "docx",
                "due": "2026-03-20",
            },
            {
                "title": "Excursion dashboard",
                "description": "Excursions per lane.",
                "format": "xlsx",
            },
        ],
        "recurring_activities": ["Weekly lane review"],
        "weekly_focus": {"week_1": "collect data"},
    },
    "project_index": {
        "projects": [
            {"project_id": "P-GDP", "name": "GDP audit 2026", "description": "Prepare the audit."},
            {"project_id": "P-LANES", "name": "Lane requalification", "budget": 12000},
        ]
    },
    "filesystem_policy": {
        "system_start_timestamp": "2025-10-01T08:00:00",
        "volume_layout": {"C:": "system", "D:": "data"},
        "naming_style": "spaces",
    },
    "file_graph": {
        "nodes": [r["path"] for r in RECORDS],
        "edges": [
            {"source": RECORDS[2]["path"], "target": RECORDS[4]["path"], "type": "references"},
            {"source": RECORDS[2]["path"], "target": "C:\\gone.txt", "type": "references"},
        ],
    },
}


def drive_path(root: Path, logical: str) -> Path:
    drive, rest = logical.split(":", 1)
    return root / "drives" / f"{drive}:" / Path(*rest.strip("\\").split("\\"))


def write_docx(path: Path, text: str) -> None:
    document = docx.Document()
    document.add_heading(path.stem, level=1)
    document.add_paragraph(text)
    document.save(path)


def write_xlsx(path: Path, rows: list[tuple]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet.append(("Total", f"=SUM(B2:B{len(rows)})"))
    book.save(path)


def write_paper_computer(base: Path, *, cid: str = CID, records=None, documents=None) -> Path:
    """Write one computer under ``base/computers/<cid>/``; returns its folder."""
    root = base / "computers" / cid
    records = RECORDS if records is None else records
    for record in records:
        if ".." in record["path"]:
            continue
        path = drive_path(root, record["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".docx":
            write_docx(path, record["description"])
        elif path.suffix == ".xlsx":
            write_xlsx(path, [("Lane", "Excursions"), ("RTM-AMS", 3), ("RTM-BRU", 5)])
        else:
            path.write_text(f"# {path.stem}\n\n{record['description']}\n", encoding="utf-8")
    for name, doc in (documents or DOCUMENTS).items():
        (root / f"{name}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    (root / "file_list.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    return root
