"""Writers produce real files: reopened with the real libraries, content comes back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from studio.artifacts import writers
from studio.artifacts.readers import extract_text
from studio.artifacts.writers import event_uid, write_artifact
from studio.generation.schemas import (
    CsvContent,
    DocBlock,
    DocumentContent,
    Person,
    Sheet,
    Table,
    WorkbookContent,
)
from tests.artifacts import (
    CJK,
    MTIME,
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


def _write(tmp_path: Path, kind: str, content, **kwargs) -> Path:
    path = tmp_path / "out" / f"artifact.{kind}"
    size = write_artifact(path, kind, content, **kwargs)
    assert size == path.stat().st_size > 0
    return path


# -- docx --------------------------------------------------------------------------------


def test_docx_round_trip(tmp_path: Path) -> None:
    import docx

    path = _write(tmp_path, "docx", document(), author="Zoë Ørsted", mtime=MTIME)
    doc = docx.Document(str(path))
    styled = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styled[0] == ("Title", "Q3 Budget Review")
    assert ("Heading 1", "Overview") in styled
    assert ("Heading 2", "Next steps") in styled
    assert ("List Bullet", "Travel down 12%") in styled
    assert ("Caption", "Table 1: spend by team") in styled
    budget = next(p for p in doc.paragraphs if "Q3 budget" in p.text)
    assert budget.text == "The Q3 budget closed at $1.24M, 3% under plan."
    assert [run.text for run in budget.runs if run.bold] == ["Q3 budget"]

    table = doc.tables[0]
    assert table.style.name == "Light Grid Accent 1"
    assert [c.text for c in table.rows[0].cells] == ["Team", "Budget", "Actual"]
    assert [c.text for c in table.rows[1].cells] == ["Platform", "420000", "401250.5"]
    assert [c.text for c in table.rows[2].cells] == ["Data", "310000", ""]
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")  # header repeats across pages

    props = doc.core_properties
    assert (props.author, props.last_modified_by) == ("Zoë Ørsted", "Zoë Ørsted")
    assert props.title == "Q3 Budget Review"
    assert props.created == props.modified == MTIME


def test_docx_numbered_lists_restart_at_one(tmp_path: Path) -> None:
    import docx

    doc = docx.Document(str(_write(tmp_path, "docx", document())))
    numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == [
        "Freeze hiring",
        "Renegotiate cloud contract",
        "Draft Q4 plan",
        "Review with finance",
    ]
    # The second list has its own numbering instance, restarted at 1.
    second = numbered[2]._p.pPr.numPr.numId.val
    assert numbered[3]._p.pPr.numPr.numId.val == second
    num = doc.part.numbering_part.element.num_having_numId(second)
    assert num.xpath("./w:lvlOverride/w:startOverride/@w:val") == ["1"]


def test_docx_drops_template_baggage(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(_write(tmp_path, "docx", document())) as archive:
        names = set(archive.namelist())
        styles = archive.read("word/styles.xml")
    assert "word/stylesWithEffects.xml" not in names
    assert "docProps/thumbnail.jpeg" not in names
    assert styles.count(b'w:type="table"') == 2  # Normal Table + the one we use
    assert len(styles) < 100_000


# -- xlsx --------------------------------------------------------------------------------


def test_xlsx_round_trip(tmp_path: Path) -> None:
    import openpyxl

    path = _write(tmp_path, "xlsx", workbook(), author="Zoë Ørsted", mtime=MTIME)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Spend", "Q3 Summary", "Checks"]
    sheet = book["Spend"]
    assert [c.value for c in sheet[1]] == ["Item", "Units", "Price", "Total"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].value == 4 and sheet["B2"].data_type == "n"
    assert sheet["C3"].value == 310.5
    # Formulas are stored as formulas, not as text.
    assert sheet["D2"].value == "=B2*C2" and sheet["D2"].data_type == "f"
    assert sheet["B5"].value == "=SUM(B2:B4)"
    assert book["Checks"]["B2"].value == "='Q3 Summary'!B2"
    # Number formats apply to the mapped column's data cells only.
    assert sheet["C2"].number_format == "#,##0.00"
    assert sheet["D4"].number_format == '"$"#,##0.00'
    assert sheet["C1"].number_format == "General"
    assert sheet["B2"].number_format == "General"
    assert sheet.column_dimensions["A"].width >= len("Monitors")
    assert book["Q3 Summary"]["B3"].value is True
    assert book["Q3 Summary"]["B4"].value == UNICODE
    props = book.properties
    assert (props.creator, props.title) == ("Zoë Ørsted", "artifact")
    assert props.created == props.modified == dt.datetime(2024, 3, 1, 12, 30)


def test_xlsx_sheet_names_are_made_legal(tmp_path: Path) -> None:
    import openpyxl

    content = WorkbookContent(
        summary="s",
        sheets=[
            Sheet(name="Q3/Q4 [draft]", columns=["a"]),
            Sheet(name="q3-q4 -draft-", columns=["a"]),
            Sheet(name="A" * 31, columns=["a"], rows=[["="], ["ok"]]),
        ],
    )
    book = openpyxl.load_workbook(_write(tmp_path, "xlsx", content))
    assert book.sheetnames == ["Q3-Q4 -draft-", "q3-q4 -draft- (2)", "A" * 31]
    lone_equals = book["A" * 31]["A2"]
    assert (lone_equals.value, lone_equals.data_type) == ("=", "s")


def test_xlsx_survives_control_characters_and_huge_text(tmp_path: Path) -> None:
    import openpyxl

    content = WorkbookContent(
        summary="s",
        sheets=[Sheet(name="S", columns=["a"], rows=[["bell\x07 here"], ["x" * 40_000]])],
    )
    sheet = openpyxl.load_workbook(_write(tmp_path, "xlsx", content))["S"]
    assert sheet["A2"].value == "bell here"
    assert len(sheet["A3"].value) == 32_767  # Excel's cell limit


def test_xlsx_and_csv_drop_non_finite_numbers(tmp_path: Path) -> None:
    import openpyxl

    rows = [[float("nan"), float("inf"), 1.5]]
    content = WorkbookContent(
        summary="s", sheets=[Sheet(name="S", columns=["a", "b", "c"], rows=rows)]
    )
    sheet = openpyxl.load_workbook(_write(tmp_path, "xlsx", content))["S"]
    assert [c.value for c in sheet[2]] == [None, None, 1.5]
    path = _write(tmp_path, "csv", CsvContent(summary="s", columns=["a", "b", "c"], rows=rows))
    assert path.read_text().splitlines()[1] == ",,1.5"


# -- pptx --------------------------------------------------------------------------------


def test_pptx_round_trip(tmp_path: Path) -> None:
    from pptx import Presentation

    deck = Presentation(str(_write(tmp_path, "pptx", presentation(), author="Zoë Ørsted")))
    slides = list(deck.slides)
    assert len(slides) == 4
    assert slides[0].slide_layout.name == "Title Slide"
    assert slides[0].shapes.title.text == "Project Atlas kickoff"
    assert slides[0].placeholders[1].text == "March 2024"
    assert slides[1].slide_layout.name == "Title and Content"
    assert slides[1].shapes.title.text == "Agenda"
    body = slides[1].placeholders[1].text_frame
    assert [p.text for p in body.paragraphs] == ["Goals", "Timeline", "Risks"]
    assert slides[1].notes_slide.notes_text_frame.text == "Keep it short."
    assert slides[2].notes_slide.notes_text_frame.text == f"Mention {UNICODE}"
    # A slide without bullets keeps no empty "Click to add text" placeholder or notes.
    assert [shape.name for shape in slides[3].placeholders] == ["Title 1"]
    assert not slides[3].has_notes_slide
    assert deck.core_properties.author == "Zoë Ørsted"


# -- pdf ---------------------------------------------------------------------------------


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_pdf_round_trip(tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = _write(tmp_path, "pdf", document(), author="Zoë Ørsted", mtime=MTIME)
    body = _pdf_text(path)
    for expected in ["Q3 Budget Review", "Overview", "Q3 budget closed at $1.24M", "Travel down"]:
        assert expected in body
    assert "1. Freeze hiring" in body and "1. Draft Q4 plan" in body
    assert "Platform 420000 401250.5" in body
    metadata = PdfReader(str(path)).metadata
    assert metadata.title == "Q3 Budget Review"
    assert metadata.author == "Zoë Ørsted"
    assert metadata.creation_date.replace(tzinfo=dt.UTC) == MTIME


def test_pdf_long_tables_break_pages_and_repeat_header(tmp_path: Path) -> None:
    from pypdf import PdfReader

    rows = [[f"row {i}", i, "note " * (i % 7)] for i in range(150)]
    content = DocumentContent(
        summary="s",
        title="Ledger",
        blocks=[
            DocBlock(type="table", table=Table(columns=["Entry", "Amount", "Memo"], rows=rows))
        ],
    )
    path = _write(tmp_path, "pdf", content)
    pages = [page.extract_text() for page in PdfReader(str(path)).pages]
    assert len(pages) > 2
    assert all("Entry Amount Memo" in page for page in pages)
    assert "row 149 149" in pages[-1]


@pytest.mark.parametrize("unicode_font", [True, False], ids=["ttf", "core-font-fallback"])
def test_pdf_unicode_never_crashes(tmp_path: Path, monkeypatch, unicode_font: bool) -> None:
    if not unicode_font:
        monkeypatch.setattr(writers, "_unicode_font", lambda: None)
    elif writers._unicode_font() is None:
        pytest.skip("no Unicode TTF installed")
    content = document(title=f"Report {UNICODE} {CJK}")
    content.blocks.append(DocBlock(type="paragraph", text=f"“Quoted” … {CJK}\tend\x00"))
    body = _pdf_text(_write(tmp_path, "pdf", content))
    if unicode_font:
        assert f"Report {UNICODE}" in body
    else:
        assert "Report Zoë Ørsted - >= 5 %" in body
        assert '"Quoted" ...' in body
    assert "?????" in body  # CJK has no glyphs in either font: replaced, not dropped silently


# -- text kinds --------------------------------------------------------------------------


def test_md_and_txt_are_utf8(tmp_path: Path) -> None:
    body = f"# Notes {UNICODE}\n\n{CJK}"
    for kind in ("md", "txt"):
        path = _write(tmp_path, kind, text(body))
        assert path.read_bytes() == (body + "\n").encode("utf-8")


def test_csv_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path, "csv", csv_content())
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows == [
        ["vendor", "amount", "paid"],
        ["Acme, Inc.", "1200.5", "TRUE"],
        [UNICODE, "", "FALSE"],
        ['Quote "Q"', "7", ""],
    ]


# -- eml ---------------------------------------------------------------------------------


def test_eml_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path, "eml", email(), envelope=envelope())
    raw = path.read_bytes()
    assert b"\r\n" in raw and max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert str(message["From"]) == "Zoë Ørsted <zoe@corp.example>"
    assert message["From"].addresses[0].addr_spec == "zoe@corp.example"
    assert str(message["To"]) == "Bob Stone <bob@corp.example>"
    assert message["Cc"].addresses[0].display_name == "Eve, Finance"
    assert str(message["Subject"]) == f"Re: Budget {UNICODE}"
    assert message["Date"].datetime == dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC)
    assert str(message["Message-ID"]) == "<q3-reply-2@corp.example>"
    assert str(message["In-Reply-To"]) == "<q3-1@corp.example>"
    assert str(message["References"]) == "<q3-0@corp.example> <q3-1@corp.example>"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == email().body  # CRLF on the wire


def test_eml_without_envelope_and_header_injection(tmp_path: Path) -> None:
    content = email()
    content.subject = "Hello\r\nBcc: victim@example.com"
    path = _write(tmp_path, "eml", content, author="zoe@corp.example", mtime=MTIME)
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert message["Bcc"] is None
    assert str(message["Subject"]) == "Hello Bcc: victim@example.com"
    assert message["Date"].datetime == MTIME
    first_id = str(message["Message-ID"])
    second = _write(tmp_path, "eml", content, author="zoe@corp.example", mtime=MTIME)
    again = BytesParser(policy=policy.default).parsebytes(second.read_bytes())
    assert str(again["Message-ID"]) == first_id  # deterministic, so reruns are stable


def test_eml_survives_invented_addresses(tmp_path: Path) -> None:
    odd = envelope()
    odd.sender = Person(name="No Address", email="not an email")
    odd.to = [
        Person(name="Typo", email="x@@corp.example"),
        Person(name="Ok", email="ok@corp.example"),
    ]
    odd.message_id = "<already-bracketed@corp.example>"
    path = _write(tmp_path, "eml", email(), envelope=odd)
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert str(message["From"]) == "No Address <unknown@invalid>"
    assert [a.addr_spec for a in message["To"].addresses] == ["unknown@invalid", "ok@corp.example"]
    assert str(message["Message-ID"]) == "<already-bracketed@corp.example>"


# -- ics ---------------------------------------------------------------------------------


def test_ics_round_trip(tmp_path: Path) -> None:
    from icalendar import Calendar

    path = _write(tmp_path, "ics", calendar(), author="Zoë Ørsted", mtime=MTIME)
    parsed = Calendar.from_ical(path.read_bytes())
    assert str(parsed["PRODID"]) == writers.PRODID
    assert str(parsed["VERSION"]) == "2.0"
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 2
    sync = events[0]
    assert str(sync["SUMMARY"]) == "Budget sync"
    assert str(sync["LOCATION"]) == "Room 4.12"
    assert str(sync["DESCRIPTION"]) == "Walk through Q3 numbers."
    assert sync["DTSTART"].dt == dt.datetime(2024, 3, 5, 10, 0)
    assert sync["DTEND"].dt == dt.datetime(2024, 3, 5, 11, 0)
    assert sync["DTSTAMP"].dt == MTIME
    assert str(sync["UID"]) == event_uid("Budget sync", dt.datetime(2024, 3, 5, 10, 0))
    attendees = sync["ATTENDEE"]
    assert str(attendees[0]) == "mailto:bob@corp.example"
    assert attendees[1].params["CN"] == "Zoë Ørsted"
    assert not str(attendees[1]).startswith("mailto:")
    assert events[1]["DTSTART"].dt == dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)
    rewritten = Calendar.from_ical(_write(tmp_path, "ics", calendar()).read_bytes())
    assert [str(e["UID"]) for e in rewritten.walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_ics_tolerates_backwards_and_mixed_times(tmp_path: Path) -> None:
    from icalendar import Calendar

    content = calendar()
    content.events[0].end = content.events[0].start - dt.timedelta(hours=1)  # ends before start
    content.events[1].end = dt.datetime(2024, 3, 4, 10, 0)  # naive end, aware start
    parsed = Calendar.from_ical(_write(tmp_path, "ics", content).read_bytes())
    first, second = parsed.walk("VEVENT")
    assert first["DTEND"].dt == first["DTSTART"].dt
    assert second["DTEND"].dt == dt.datetime(2024, 3, 4, 10, 0)


# -- every kind --------------------------------------------------------------------------

CONTENT = {
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


@pytest.mark.parametrize("kind", sorted(CONTENT))
def test_mtime_set_and_no_temp_files_left(tmp_path: Path, kind: str) -> None:
    extra = {"envelope": envelope()} if kind == "eml" else {}
    path = _write(tmp_path, kind, CONTENT[kind](), mtime=MTIME, **extra)
    assert path.stat().st_mtime == MTIME.timestamp()
    write_artifact(path, kind, CONTENT[kind](), **extra)  # overwrite in place
    assert os.listdir(path.parent) == [path.name]


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path, monkeypatch) -> None:
    path = _write(tmp_path, "txt", text("original"))

    def explode(stream: io.BufferedWriter, content, meta) -> None:
        stream.write(b"half a file")
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(writers.WRITERS, "txt", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_artifact(path, "txt", text("replacement"))
    assert path.read_text() == "original\n"
    assert os.listdir(path.parent) == [path.name]


@pytest.mark.parametrize("kind", sorted(CONTENT))
def test_unicode_survives_every_kind(tmp_path: Path, kind: str) -> None:
    factories = {
        "docx": lambda: document(title=f"{UNICODE} {CJK}"),
        "pdf": lambda: document(title=f"{UNICODE} {CJK}"),
        "md": lambda: text(f"{UNICODE} {CJK}"),
        "txt": lambda: text(f"{UNICODE} {CJK}"),
    }
    content = factories.get(kind, CONTENT[kind])()
    if kind in ("xlsx", "pptx", "csv", "eml"):
        _inject_cjk(content)
    if kind == "ics":
        content.events[0].title = f"{UNICODE} {CJK}"
    extra = {"envelope": envelope()} if kind == "eml" else {}
    body = extract_text(_write(tmp_path, kind, content, **extra), kind)
    assert UNICODE in body
    if kind != "pdf":  # no CJK glyphs in the PDF fonts: replaced (checked above)
        assert CJK in body


def _inject_cjk(content) -> None:
    if hasattr(content, "sheets"):
        content.sheets[1].rows.append(["cjk", CJK])
    elif hasattr(content, "slides"):
        content.slides[0].bullets.append(CJK)
    elif hasattr(content, "rows"):
        content.rows.append([CJK, 1, True])
    else:
        content.body += CJK


def test_rejects_unknown_kind_and_wrong_content(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported artifact kind"):
        write_artifact(tmp_path / "x.exe", "exe", text())
    with pytest.raises(TypeError, match="DocumentContent"):
        write_artifact(tmp_path / "x.docx", "docx", text())
    assert not any(tmp_path.iterdir())
