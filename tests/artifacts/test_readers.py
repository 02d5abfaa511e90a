"""Readers reproduce what the writers wrote, compute formula values and respect limits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from studio.artifacts import readers
from studio.artifacts.formulas import (
    FormulaEngine,
    FormulaError,
    display_value,
    evaluate_formula,
)
from studio.artifacts.readers import (
    TRUNCATION_MARKER,
    ArtifactReadError,
    PreviewLimits,
    extract_text,
    preview,
)
from studio.artifacts.writers import write_artifact
from studio.generation.schemas import DocBlock, DocumentContent
from tests.artifacts import (
    UNICODE,
    calendar,
    csv_content,
    document,
    email,
    envelope,
    presentation,
    text,
    workbook,
)


def _written(tmp_path: Path, kind: str, content=None, **kwargs) -> Path:
    factories = {
        "docx": document,
        "pdf": document,
        "xlsx": workbook,
        "pptx": presentation,
        "md": text,
        "txt": text,
        "csv": csv_content,
        "eml": email,
        "ics": calendar,
    }
    path = tmp_path / f"file.{kind}"
    if kind == "eml":
        kwargs.setdefault("envelope", envelope())
    write_artifact(path, kind, content or factories[kind](), **kwargs)
    return path


# -- extract_text ------------------------------------------------------------------------

EXPECTED_TEXT = {
    "docx": [
        "Q3 Budget Review\nOverview\n",
        "The Q3 budget closed at $1.24M",
        "Travel down 12%\nLicences flat\n",
        "Team\tBudget\tActual\nPlatform\t420000\t401250.5\nData\t310000\t\n",
    ],
    "pdf": ["Q3 Budget Review", "Travel down 12%", "Platform 420000 401250.5"],
    "xlsx": [
        "Sheet: Spend\nItem\tUnits\tPrice\tTotal\n",
        "Laptops\t4\t1,250.00\t=B2*C2 → $5,000.00\n",
        "Sum\t=SUM(B2:B4) → 15\t=ROUND(AVERAGE(C2:C4),1) → 553.50\t=SUM(D2:D4) → $7,362.95\n",
        "Sheet: Q3 Summary\nMetric\tValue\nTotal spend\t=Spend!D5 → 7362.95\nApproved\tTRUE\n",
        f"Owner\t{UNICODE}\n",
        'From summary\t=\'Q3 Summary\'!B2 → 7362.95\nBig order\t=IF(Spend!B3>5,"yes","no") → yes',
    ],
    "pptx": [
        "Slide 1: Project Atlas kickoff\n- March 2024\n",
        "Slide 2: Agenda\n- Goals\n- Timeline\n- Risks\nNotes: Keep it short.\n",
        f"Slide 3: Budget\n- $1.2M approved\n- {UNICODE}\nNotes: Mention {UNICODE}",
        "Slide 4: Questions",
    ],
    "md": ["# Notes\n\n- first point\n- second point\n"],
    "txt": ["# Notes\n\n- first point\n- second point\n"],
    "csv": ['vendor,amount,paid\n"Acme, Inc.",1200.5,TRUE\n'],
    "eml": [
        "From: Zoë Ørsted <zoe@corp.example>\nTo: Bob Stone <bob@corp.example>\n",
        f"Subject: Re: Budget {UNICODE}\n",
        "In-Reply-To: <q3-1@corp.example>\nReferences: <q3-0@corp.example> <q3-1@corp.example>\n",
        f"\nHi Bob,\n\nThe numbers are attached.\n\n{UNICODE}\n",
    ],
    "ics": [
        "Event: Kickoff\nWhen: 2024-03-04 09:00 – 10:00 UTC\n\nEvent: Budget sync\n",
        "When: 2024-03-05 10:00 – 11:00\nWhere: Room 4.12\n",
        "Attendees: bob@corp.example, Zoë Ørsted\nWalk through Q3 numbers.",
    ],
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_TEXT))
def test_extract_text_reproduces_content(tmp_path: Path, kind: str) -> None:
    body = extract_text(_written(tmp_path, kind), kind)
    for expected in EXPECTED_TEXT[kind]:
        assert expected in body
    assert TRUNCATION_MARKER not in body


@pytest.mark.parametrize("kind", sorted(EXPECTED_TEXT))
def test_extract_text_truncates_with_marker(tmp_path: Path, kind: str) -> None:
    body = extract_text(_written(tmp_path, kind), kind, max_chars=20)
    assert body.endswith("\n" + TRUNCATION_MARKER)
    assert len(body) <= 20 + len(TRUNCATION_MARKER) + 1


def test_unknown_kind_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\0")
    with pytest.raises(ArtifactReadError, match="unsupported file kind"):
        extract_text(path, "bin")
    with pytest.raises(ArtifactReadError, match="unsupported file kind"):
        preview(path, "bin")


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    for kind in ("docx", "txt", "eml"):
        with pytest.raises(ArtifactReadError, match="file not found"):
            preview(tmp_path / f"gone.{kind}", kind)


# -- previews ----------------------------------------------------------------------------


def test_docx_preview_html(tmp_path: Path) -> None:
    result = preview(_written(tmp_path, "docx"), "docx")
    html = result.html or ""
    assert "<h1>Q3 Budget Review</h1>" in html
    assert "<h1>Overview</h1>" in html and "<h2>Next steps</h2>" in html
    assert "<strong>Q3 budget</strong>" in html
    assert "<ul><li>Travel down 12%</li><li>Licences flat</li></ul>" in html
    assert "<ol><li>Freeze hiring</li>" in html
    assert "<table>" in html and "<th><p>Team</p></th>" in html
    assert not result.truncated and not result.notes


def test_docx_preview_of_large_document_streams(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(readers, "MAMMOTH_MAX_XML_BYTES", 0)
    html = preview(_written(tmp_path, "docx"), "docx").html or ""
    assert html.startswith("<h1>Q3 Budget Review</h1><h1>Overview</h1>")
    assert "<p>The <strong>Q3 budget</strong> closed at $1.24M, 3% under plan.</p>" in html
    assert "<ul><li>Travel down 12%</li><li>Licences flat</li></ul>" in html
    assert "<ol><li>Freeze hiring</li><li>Renegotiate cloud contract</li></ol>" in html
    assert "<ol><li>Draft Q4 plan</li>" in html
    assert "<td>Platform</td><td>420000</td><td>401250.5</td>" in html
    limited = preview(_written(tmp_path, "docx"), "docx", limits=PreviewLimits(max_text_chars=100))
    assert limited.notes == [
        "Large document: showing a simplified preview.",
        "Showing the first 100 characters of the document.",
    ]
    assert limited.truncated


def test_pptx_preview(tmp_path: Path) -> None:
    slides = preview(_written(tmp_path, "pptx"), "pptx").slides
    assert [s.title for s in slides] == ["Project Atlas kickoff", "Agenda", "Budget", "Questions"]
    assert slides[1].bullets == ["Goals", "Timeline", "Risks"] and slides[1].levels == [0, 0, 0]
    assert slides[2].notes == f"Mention {UNICODE}"
    assert slides[3].bullets == [] and slides[3].notes == ""


def test_pptx_preview_limits_slides(tmp_path: Path) -> None:
    result = preview(_written(tmp_path, "pptx"), "pptx", limits=PreviewLimits(max_slides=2))
    assert len(result.slides) == 2
    assert result.notes == ["Showing the first 2 of 4 slides."]


def test_pdf_preview(tmp_path: Path) -> None:
    result = preview(_written(tmp_path, "pdf"), "pdf")
    assert "Q3 Budget Review" in (result.text or "")
    assert not result.truncated


def test_pdf_preview_stops_at_text_limit(tmp_path: Path) -> None:
    content = DocumentContent(
        summary="s",
        title="Long",
        blocks=[
            DocBlock(type="paragraph", text=f"Paragraph {i} " + "word " * 80) for i in range(120)
        ],
    )
    result = preview(
        _written(tmp_path, "pdf", content), "pdf", limits=PreviewLimits(max_text_chars=3000)
    )
    assert result.truncated
    assert result.notes[0].startswith("Showing text of the first 1 of ")
    assert result.text.endswith(TRUNCATION_MARKER)


def test_email_preview(tmp_path: Path) -> None:
    mail = preview(_written(tmp_path, "eml"), "eml").email
    assert mail is not None
    assert mail.sender == "Zoë Ørsted <zoe@corp.example>"
    assert mail.to == "Bob Stone <bob@corp.example>"
    assert mail.cc == '"Eve, Finance" <eve@corp.example>'
    assert mail.subject == f"Re: Budget {UNICODE}"
    assert mail.date == "Tue, 05 Mar 2024 09:30:00 +0000"
    assert mail.message_id == "<q3-reply-2@corp.example>"
    assert mail.in_reply_to == "<q3-1@corp.example>"
    assert mail.references == ["<q3-0@corp.example>", "<q3-1@corp.example>"]
    assert mail.body_text == email().body
    assert mail.headers["Subject"] == mail.subject


def test_email_html_body_and_attachments(tmp_path: Path) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "a@example.com"
    message["Subject"] = "Report"
    message.set_content(
        "<p>Hello <b>team</b></p><script>alert(1)</script><p>Bye</p>", subtype="html"
    )
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="q3.pdf")
    path = tmp_path / "html.eml"
    path.write_bytes(message.as_bytes())
    mail = preview(path, "eml").email
    assert mail.body_text == "Hello team\nBye"
    assert mail.attachments == ["q3.pdf"]
    assert "Attachments: q3.pdf" in extract_text(path, "eml")


def test_calendar_preview_is_a_sorted_agenda(tmp_path: Path) -> None:
    events = preview(_written(tmp_path, "ics"), "ics").events
    assert [e.title for e in events] == ["Kickoff", "Budget sync"]
    sync = events[1]
    assert sync.when == "2024-03-05 10:00 – 11:00"
    assert sync.location == "Room 4.12"
    assert sync.attendees == ["bob@corp.example", "Zoë Ørsted"]
    assert sync.start == dt.datetime(2024, 3, 5, 10, 0) and not sync.all_day


def test_calendar_all_day_recurring_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
        "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Offsite\r\nDTSTART;VALUE=DATE:20240310\r\n"
        "DTEND;VALUE=DATE:20240312\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Standup\r\nDTSTART:20240301T090000Z\r\n"
        "DURATION:PT15M\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n"
        "ATTENDEE;CN=Bob Stone:mailto:bob@corp.example\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    result = preview(path, "ics", limits=PreviewLimits(max_events=1))
    assert [e.title for e in result.events] == ["Standup"]
    standup = result.events[0]
    assert standup.when == "2024-03-01 09:00 – 09:15 UTC"
    assert standup.recurrence == "FREQ=WEEKLY;BYDAY=MO"
    assert standup.attendees == ["Bob Stone <bob@corp.example>"]
    assert result.notes == ["Showing the first 1 of 2 events."]
    offsite = preview(path, "ics").events[1]
    assert offsite.all_day and offsite.when == "2024-03-10 – 2024-03-12"


def test_csv_preview(tmp_path: Path) -> None:
    table = preview(_written(tmp_path, "csv"), "csv").table
    assert table is not None
    assert table.columns == ["vendor", "amount", "paid"]
    assert table.rows[0] == ["Acme, Inc.", "1200.5", "TRUE"]
    assert table.rows[2] == ['Quote "Q"', "7", ""]


def test_csv_preview_dialect_encoding_and_limits(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    lines = ["name;amount;city"] + [f"Zoë {i};{i},5;Malmö" for i in range(30)]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    result = preview(path, "csv", limits=PreviewLimits(max_rows=10, max_columns=2))
    assert result.table.columns == ["name", "amount"]
    assert result.table.rows[0] == ["Zoë 0", "0,5"]
    assert len(result.table.rows) == 10 and result.table.truncated
    assert result.notes == ["Showing the first 10 rows of 30.", "Showing the first 2 columns."]


def test_markdown_preview(tmp_path: Path) -> None:
    body = "# Plan\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n**bold** and [site](https://example.com)\n"
    result = preview(_written(tmp_path, "md", text(body)), "md")
    assert "<h1>Plan</h1>" in result.html
    assert "<td>1</td>" in result.html
    assert (
        '<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>' in result.html
    )
    assert result.text == body


def test_text_preview_limits(tmp_path: Path) -> None:
    result = preview(
        _written(tmp_path, "txt", text("a" * 500)), "txt", limits=PreviewLimits(max_text_chars=100)
    )
    assert result.text == "a" * 100
    assert result.notes == ["Showing the first 100 characters."]


# -- the formula engine ------------------------------------------------------------------

CELLS = {
    ("Data", 1, 2): 2.0,
    ("Data", 2, 2): 4,
    ("Data", 3, 2): "text",
    ("Data", 4, 2): None,
    ("Data", 1, 3): "=B1*10",
    ("Data", 2, 3): "=C1+B2",
    ("My Sheet", 1, 1): "=Data!C2/2",
    ("Data", 5, 1): "=A6",
    ("Data", 6, 1): "=A5",
}


def _evaluate(formula: str) -> str:
    engine = FormulaEngine(lambda s, r, c: CELLS.get((s, r, c)), ["Data", "My Sheet"])
    return display_value(engine.evaluate(formula, "Data"))


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=1+2*3", "7"),
        ("=(1+2)*3", "9"),
        ("=-2^2", "4"),
        ("=2^3^2", "64"),
        ("=50%", "0.5"),
        ("=B1+$B$2", "6"),
        ("=C2", "24"),
        ("='My Sheet'!A1", "12"),
        ("=SUM(B1:B4)", "6"),
        ("=SUM(B1:B4, 10)", "16"),
        ("=AVERAGE(B1:B4)", "3"),
        ("=MIN(B1:C2)", "2"),
        ("=MAX(B1:C2)", "24"),
        ("=COUNT(B1:B4)", "2"),
        ("=COUNTA(B1:B4)", "3"),
        ("=ROUND(2.675, 2)", "2.68"),
        ("=ROUND(-2.5, 0)", "-3"),
        ("=ROUND(1234, -2)", "1200"),
        ("=ABS(-3.5)", "3.5"),
        ('=IF(B2>3, "big", "small")', "big"),
        ("=IF(B1>=3, 1)", "FALSE"),
        ('=IF(B3="TEXT", 1, 0)', "1"),
        ("=AND(B1>1, B2<5)", "TRUE"),
        ("=NOT(OR(B1>5, B2>5))", "TRUE"),
        ('="a"&B1&TRUE', "a2TRUE"),
        ("=B3+1", "#VALUE!"),
        ("=1/0", "#DIV/0!"),
        ("=SUM(1/0, 2)", "#DIV/0!"),
        ("=AVERAGE(B3:B4)", "#DIV/0!"),
        ("=(-8)^(1/3)", "#NUM!"),
        ("=10^400", "#NUM!"),
        ("=B4", "0"),
    ],
)
def test_formula_engine(formula: str, expected: str) -> None:
    assert _evaluate(formula) == expected


@pytest.mark.parametrize(
    "formula",
    [
        "=NPV(0.1,B1:B2)",
        "=A5",
        "=1+",
        "=SUM(",
        "=Nowhere!A1",
        "=TaxRate*2",
        "=A:A",
        "=" + "(" * 300 + "1" + ")" * 300,
    ],
)
def test_formula_engine_refuses_what_it_cannot_do(formula: str) -> None:
    with pytest.raises(FormulaError):
        _evaluate(formula)


def test_formula_engine_bounds_work() -> None:
    engine = FormulaEngine(lambda s, r, c: 1, ["S"], cell_budget=10_000)
    assert engine.evaluate("=SUM(A1:A5000)", "S") == 5000
    with pytest.raises(FormulaError, match="too many cells"):
        engine.evaluate("=SUM(A1:XFD1048576)", "S")


def test_formula_engine_long_chains_do_not_crash() -> None:
    def lookup(sheet: str, row: int, column: int):
        return f"=A{row + 1}+1" if row < 5_000 else 0

    with pytest.raises(FormulaError):
        evaluate_formula("=A1", sheet="S", lookup=lookup, sheet_names=["S"])
    engine = FormulaEngine(lookup, ["S"])
    # Evaluated bottom-up, as a preview walks rows, every link is one step away.
    values = [engine.cell_value("S", row, 1) for row in range(5_000, 0, -1)]
    assert values[-1] == 4_999


def test_pptx_groups_and_tables_are_read(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(1), Inches(2), Inches(1)).text_frame.text = "grouped"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(3), Inches(4), Inches(1)).table
    table.cell(0, 0).text, table.cell(1, 1).text = "Owner", "Zoë"
    path = tmp_path / "shapes.pptx"
    deck.save(str(path))
    result = preview(path, "pptx")
    assert result.slides[0].bullets == ["grouped"]
    assert result.slides[0].tables == [[["Owner", ""], ["", "Zoë"]]]
    assert result.slide_shape == "4-3"  # python-pptx's default deck is 10 × 7.5 in
