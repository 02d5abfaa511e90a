"""Hand-built computers for view tests: real files written by the real writers, indexed the
way the pipeline indexes them, with content chosen so tests can look for exact strings.

The generated (offline engine) computers are exercised too, in test_views_generated.py;
these exist because hostile files, symlinks and known strings can't come from the pipeline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field

from django.utils import timezone

from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s
from studio.generation.text import content_text
from studio.models import Computer, ComputerFile, FileEdge, Folder, Persona, PersonaPool
from studio.paths import slugify_name
from studio.services.index import computer_stats, folder_rows

T0 = dt.datetime(2024, 3, 4, 9, 30, tzinfo=dt.UTC)
# Bytes each writer produced, so building the same computer again is a copy, not a render.
_WRITTEN: dict[tuple, bytes] = {}


@dataclass
class Spec:
    path: str
    kind: str
    content: s.ArtifactBase | None = None
    raw: bytes | None = None  # written as-is instead of content (hostile or broken files)
    owner: str = ""  # a collaborator's name for their private files
    envelope: s.EmailEnvelope | None = None
    mtime: dt.datetime = T0
    key: str = ""
    depends_on: list[tuple[str, str]] = field(default_factory=list)  # (key, relation)
    planted_error: str = ""


def make_pool(*, name: str, owner=None, shared: bool = True, personas: int = 1) -> PersonaPool:
    pool = PersonaPool.objects.create(name=name, owner=owner, shared=shared)
    for n in range(personas):
        text = f"Persona {n} of {name}: a ward nurse who audits medication rounds."
        Persona.objects.create(
            pool=pool,
            text=text,
            role="Nurse",
            digest=hashlib.sha256(text.encode()).hexdigest(),
            line_number=n + 1,
        )
    return pool


def build_computer(
    *,
    pool: PersonaPool,
    specs: list[Spec],
    profile: s.Profile | None = None,
    display_name: str = "Ada Lovelace",
) -> Computer:
    """A ready computer holding ``specs``, on disk under COMPUTERS_ROOT and in the DB."""
    persona = pool.personas.first() or make_pool(name=f"{pool.name}-p").personas.first()
    computer = Computer.objects.create(
        persona=persona,
        pool=pool,
        state=Computer.State.READY,
        stage="ready",
        display_name=display_name,
        job_title="Charge Nurse",
        employer="St Elsewhere",
        industry="Healthcare",
        profile=profile.model_dump(mode="json") if profile else {},
        target_files=len(specs),
        files_total=len(specs),
        files_done=len(specs),
        finished_at=timezone.now(),
        llm_backend="offline engine",
    )
    # Ids are reused once a test's transaction rolls back; the folder may hold an older one.
    shutil.rmtree(computer.root, ignore_errors=True)
    rows = []
    for n, spec in enumerate(specs):
        base = (computer.private_root / slugify_name(spec.owner)) if spec.owner else computer.home
        disk = base / spec.path
        if spec.raw is not None:
            disk.parent.mkdir(parents=True, exist_ok=True)
            disk.write_bytes(spec.raw)
            size = len(spec.raw)
            text = ""
        else:
            cache_key = (
                spec.path,
                spec.owner,
                spec.kind,
                spec.content.model_dump_json(),
                spec.envelope.model_dump_json() if spec.envelope else "",
            )
            if cache_key in _WRITTEN:
                disk.parent.mkdir(parents=True, exist_ok=True)
                disk.write_bytes(_WRITTEN[cache_key])
                size = len(_WRITTEN[cache_key])
            else:
                size = write_artifact(
                    disk,
                    spec.kind,
                    spec.content,
                    envelope=spec.envelope,
                    author=spec.owner or display_name,
                    mtime=spec.mtime,
                )
                _WRITTEN[cache_key] = disk.read_bytes()
            text = content_text(spec.content)
        title = getattr(spec.content, "title", "") or getattr(spec.content, "subject", "") or ""
        rows.append(
            ComputerFile(
                computer=computer,
                key=spec.key or f"k{n:04d}",
                scope=ComputerFile.Scope.COLLABORATOR if spec.owner else ComputerFile.Scope.HOME,
                owner=spec.owner,
                path=spec.path,
                folder=spec.path.rpartition("/")[0],
                name=spec.path.rpartition("/")[2],
                kind=spec.kind,
                title=title,
                size=size,
                sha256=hashlib.sha256(disk.read_bytes()).hexdigest(),
                mtime=spec.mtime,
                summary=getattr(spec.content, "summary", "") if spec.content else "",
                text=text,
                depth=spec.path.count("/") + 1,
                planted_error=spec.planted_error,
                facts=dict(spec.content.facts) if spec.content else {},
            )
        )
    ComputerFile.objects.bulk_create(rows)
    ids = dict(ComputerFile.objects.filter(computer=computer).values_list("key", "id"))
    edges = [
        FileEdge(computer=computer, source_id=ids[r.key], target_id=ids[key], relation=rel)
        for r, spec in zip(rows, specs, strict=True)
        for key, rel in spec.depends_on
    ]
    FileEdge.objects.bulk_create(edges)
    folders = folder_rows(computer=computer, paths=[r.path for r in rows if r.scope == "home"])
    Folder.objects.bulk_create(folders)
    computer.stats = computer_stats(rows=rows, edges=len(edges), folders=len(folders))
    computer.save(update_fields=["stats"])
    return computer


# -- the standard computer: one file of each kind, with strings tests look for ---------------

ME = s.Person(name="Ada Lovelace", email="ada@elsewhere.example")
GRACE = s.Person(name="Grace Hopper", email="grace@elsewhere.example")


def profile() -> s.Profile:
    collaborators = [
        s.Collaborator(
            name=n,
            role=r,
            email=f"{n.split()[0].lower()}@elsewhere.example",
            communication_style=st,
            decision_authority="approves rotas",
        )
        for n, r, st in [
            ("Grace Hopper", "Ward Manager", "terse, numbers first"),
            ("Alan Turing", "Pharmacist", "precise"),
            ("Mary Seacole", "Matron", "warm"),
            ("Florence Nightingale", "Director of Nursing", "formal"),
            ("Joseph Lister", "Infection Control Lead", "blunt"),
        ]
    ]
    return s.Profile(
        full_name="Ada Lovelace",
        first_name="Ada",
        last_name="Lovelace",
        email=ME.email,
        job_title="Charge Nurse",
        department="Paediatrics",
        employer="St Elsewhere",
        industry="Healthcare",
        occupation_family="healthcare",
        location="London",
        responsibilities=["night shift rota", "medication audits"],
        projects=[
            s.Project(
                name="Medication Audit",
                code="MED-AUDIT",
                description="Quarterly audit of medication rounds",
                key_figures={"missed doses": "14"},
            )
        ],
        collaborators=collaborators,
        naming_convention="YYYY-MM-DD title",
        tidiness=0.7,
    )


def standard_specs() -> list[Spec]:
    doc = s.DocumentContent(
        title="Quarterly Ward Report",
        summary="Q1 ward report",
        blocks=[
            s.DocBlock(type="heading", text="Quarterly Ward Report", level=1),
            s.DocBlock(type="paragraph", text="Missed doses fell to 14 this quarter."),
            s.DocBlock(type="bullets", items=["Night rota stable", "Two audits done"]),
            s.DocBlock(
                type="table", table=s.Table(columns=["Ward", "Beds"], rows=[["Rainbow", 24]])
            ),
        ],
    )
    book = s.WorkbookContent(
        summary="budget",
        sheets=[
            s.Sheet(
                name="Budget",
                columns=["Item", "Cost", "Qty", "Total"],
                rows=[["Syringes", 2.5, 40, "=B2*C2"], ["Gloves", 0.2, 450, "=B3*C3"]],
            ),
            s.Sheet(
                name="Summary",
                columns=["Label", "Value"],
                rows=[["Grand total", "=SUM(Budget!D2:D3)"]],
            ),
        ],
    )
    deck = s.PresentationContent(
        title="Audit Kickoff",
        summary="kickoff",
        slides=[
            s.Slide(
                title="Why we audit",
                bullets=["Missed doses", "Safety"],
                notes="Mention the 14 missed doses first.",
            ),
            s.Slide(title="Next steps", bullets=["Weekly checks"], notes="Ask Grace for sign-off."),
        ],
    )
    first = s.EmailEnvelope(message_id="<m1.ada@elsewhere.example>", sender=GRACE, to=[ME], date=T0)
    reply = s.EmailEnvelope(
        message_id="<m2.ada@elsewhere.example>",
        sender=ME,
        to=[GRACE],
        date=T0 + dt.timedelta(hours=3),
        in_reply_to="<m1.ada@elsewhere.example>",
        references=["<m1.ada@elsewhere.example>"],
    )
    return [
        Spec("Documents/Reports/2024-03 Ward Report.docx", "docx", doc, key="doc"),
        Spec("Documents/Finance/Budget 2024.xlsx", "xlsx", book, key="xlsx"),
        Spec("Documents/Presentations/Audit Kickoff.pptx", "pptx", deck, key="pptx"),
        Spec(
            "Documents/Reports/Policy.pdf",
            "pdf",
            s.DocumentContent(
                title="Medication Policy",
                summary="policy",
                blocks=[s.DocBlock(type="paragraph", text="Double-check every controlled drug.")],
            ),
            key="pdf",
        ),
        Spec(
            "Mail/Rota question.eml",
            "eml",
            s.EmailContent(
                subject="Rota question", body="Can you cover Friday night?", summary="q"
            ),
            envelope=first,
            key="m1",
        ),
        Spec(
            "Mail/Re Rota question.eml",
            "eml",
            s.EmailContent(
                subject="Re: Rota question", body="Yes, I can cover Friday.", summary="a"
            ),
            envelope=reply,
            key="m2",
            mtime=T0 + dt.timedelta(hours=3),
            depends_on=[("m1", "replies_to")],
        ),
        Spec(
            "Calendar/ward.ics",
            "ics",
            s.CalendarContent(
                summary="cal",
                events=[
                    s.CalendarEvent(
                        title="Audit review",
                        start=T0 + dt.timedelta(days=2),
                        end=T0 + dt.timedelta(days=2, hours=1),
                        location="Room 4",
                    )
                ],
            ),
            key="ics",
        ),
        Spec(
            "Notes/handover.md",
            "md",
            s.TextContent(
                text="# Handover notes\n\nBed **12** needs obs.\n\n<script>alert('x')</script>\n\n"
                "[click](javascript:alert(1))\n",
                summary="notes",
            ),
            key="md",
        ),
        Spec(
            "Data/obs export.csv",
            "csv",
            s.CsvContent(columns=["Bed", "Pulse"], rows=[[12, 88], [14, 92]], summary="obs"),
            key="csv",
        ),
        Spec(
            "todo.txt",
            "txt",
            s.TextContent(text="Order more syringes\nCall pharmacy\n", summary="todo"),
            key="txt",
        ),
        Spec(
            "Shared/benchmark.xlsx",
            "xlsx",
            s.WorkbookContent(
                summary="bench",
                sheets=[s.Sheet(name="Rates", columns=["Ward", "Rate"], rows=[["Rainbow", 0.12]])],
            ),
            owner="Grace Hopper",
            key="c00_bench",
            planted_error="rate is 10x too high",
        ),
    ]
