"""Workbook edits in the package's own XML give what openpyxl's full load and save gave, keep
every part they do not touch, and hand the packages they cannot edit safely to openpyxl."""

import datetime as dt
import io
import random
import zipfile

import openpyxl
import pytest

from simulations.engine import office
from simulations.engine.texts import text_of
from simulations.engine.xlsx_edit import CannotPatch, XlsxPatch
from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s


def _ours(tmp_path):
    """A workbook from the studio's own writer: two sheets, formulas, a date and a format."""
    content = s.WorkbookContent(
        summary="Budget",
        sheets=[
            s.Sheet(
                name="Budget",
                columns=["Item", "Q1", "Q2", "Total", "Start"],
                rows=[
                    ["Beds", 1200, 1350.5, "=B2+C2", 46082],
                    ["Staff training", 300, 0, "=B3+C3", 46089],
                    ["Total", "=SUM(B2:B3)", "=SUM(C2:C3)", "=D2+D3", ""],
                    ["Note: Q2 budget pending", "", "", "", ""],
                ],
                number_formats={"Q1": "#,##0", "Q2": "#,##0.00", "Start": "yyyy-mm-dd"},
            ),
            s.Sheet(
                name="Key figures",
                columns=["Figure", "Value"],
                rows=[["Budget", "=Budget!D4"], ["Beds", 1200], ["Staff", 42]],
            ),
        ],
    )
    path = tmp_path / "ours.xlsx"
    write_artifact(path, "xlsx", content)
    return path


def _openpyxls(tmp_path):
    """One openpyxl made: shared strings, a date cell, styles, a formula with a cached result."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Plan"
    sheet.append(["Task", "Due", "Hours", "Owner"])
    sheet.append(["Draft plan", dt.datetime(2026, 3, 2), 12, "Dana"])
    sheet.append(["Review plan", dt.datetime(2026, 3, 9), 4.5, "Dana"])
    sheet.append(["Total", None, "=SUM(C2:C3)", ""])
    sheet["A1"].font = openpyxl.styles.Font(bold=True)
    book.create_sheet("Notes").append(["Plan 12 owner Dana"])
    path = tmp_path / "openpyxl.xlsx"
    book.save(path)
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda x: x.replace(b"<v></v>", b"<v>16.5</v>"))
    return path


def _rewrite(path, part, change):
    with zipfile.ZipFile(path) as source:
        members = [(i.filename, source.read(i)) for i in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            target.writestr(name, change(data) if name == part else data)


def _edits(rng, path):
    book = openpyxl.load_workbook(path)
    sheets = ["", "Nowhere!"] + [f"'{name}'!" for name in book.sheetnames] * 4
    values = [
        v
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v not in (None, "") and not (isinstance(v, str) and v.startswith("="))
    ]
    pick = rng.choice(values)
    if isinstance(pick, str):
        start = rng.randrange(len(pick))
        find = pick[start : start + rng.randint(1, 6)]
    else:
        find = str(pick)
    if rng.random() < 0.1:  # a date's serial number: openpyxl sees a date there, not a number
        find = "46082"
    cells = {}
    for _ in range(rng.randint(0, 4)):
        sheet = rng.choice(sheets)
        ref = f"{sheet}{rng.choice('ABCDEFH')}{rng.randint(1, 9)}"
        cells[ref] = rng.choice(
            [150, 2.75, "1,200", "=B2*2", "Revised", " padded ", None, True, "", "x=y"]
        )
    append = rng.choice(["", "Contingency,500,250", "a\tb\t3", "Late item,,7\nMore,1"])
    return dict(find=find, replace=rng.choice(["", "X", "1,350", "9"]), append=append, cells=cells)


def _grid(data):
    """Every sheet's cells with a value (openpyxl writes an empty string as an empty cell)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: {
            c.coordinate: (c.value, c.data_type)
            for row in sheet.iter_rows()
            for c in row
            if c.value not in (None, "")
        }
        for sheet in book.worksheets
    }


def _by_openpyxl(path, edit):
    return office._edit_book(office._OpenpyxlBook(path), **edit)


@pytest.mark.parametrize("make", [_ours, _openpyxls])
def test_random_edits_give_what_openpyxl_gave(tmp_path, make):
    path = make(tmp_path)
    rng = random.Random(7)
    compared = 0
    for _ in range(60):
        edit = _edits(rng, path)
        try:
            expected = _by_openpyxl(path, edit)
        except Exception as exc:  # noqa: BLE001 - then the patch must refuse it as well
            with pytest.raises(Exception) as refused:
                office.edit_xlsx(path, **edit)
            assert type(refused.value).__name__ in ("ArtifactReadError", type(exc).__name__)
            continue
        data, count = office.edit_xlsx(path, **edit)
        assert count == expected[1], edit
        assert _grid(data) == _grid(expected[0]), edit
        compared += 1
    assert compared > 30


def test_the_patch_keeps_other_parts_and_marks_the_book_for_recalculation(tmp_path):
    path = _openpyxls(tmp_path)
    data, count = office.edit_xlsx(path, find="", replace="", append="", cells={"Plan!B5": 3})
    assert count == 1
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(io.BytesIO(data)) as after:
        assert before.namelist() == after.namelist()
        changed = {n for n in before.namelist() if before.read(n) != after.read(n)}
        assert changed == {"xl/worksheets/sheet1.xml", "xl/workbook.xml"}
        sheet = after.read("xl/worksheets/sheet1.xml")
        assert b"<v>16.5</v>" not in sheet and b"<f>SUM(C2:C3)</f>" in sheet  # cached result gone
        assert b'fullCalcOnLoad="1"' in after.read("xl/workbook.xml")
        assert b'<dimension ref="A1:D5"/>' in sheet
    written = tmp_path / "after.xlsx"
    written.write_bytes(data)
    assert "Draft plan" in text_of(written, "xlsx")  # the studio's own reader opens it


def test_a_calculation_chain_is_dropped_with_its_relationship_and_type(tmp_path):
    path = _ours(tmp_path)
    chain = b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="D2" i="1"/></calcChain>'
    rel = (
        b'<Relationship Id="rIdChain" Target="calcChain.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/calcChain"/></Relationships>'
    )
    kind = (
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>'
    )
    _rewrite(path, "xl/_rels/workbook.xml.rels", lambda x: x.replace(b"</Relationships>", rel))
    _rewrite(path, "[Content_Types].xml", lambda x: x.replace(b"</Types>", kind))
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/calcChain.xml", chain)
    data, _ = office.edit_xlsx(path, find="", replace="", append="", cells={"D2": 5})
    with zipfile.ZipFile(io.BytesIO(data)) as after:
        assert "xl/calcChain.xml" not in after.namelist()
        assert b"calcChain" not in after.read("xl/_rels/workbook.xml.rels")
        assert b"calcChain" not in after.read("[Content_Types].xml")
    assert openpyxl.load_workbook(io.BytesIO(data))["Budget"]["D2"].value == 5


def test_packages_it_cannot_edit_safely_go_to_openpyxl(tmp_path):
    path = _ours(tmp_path)
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda x: x.replace(b'<row r="2"', b"<row"))
    with pytest.raises(CannotPatch):
        XlsxPatch(path.read_bytes()).set(None, "A1", 1)
    data, count = office.edit_xlsx(path, find="", replace="", append="", cells={"A9": "Late"})
    assert count == 1 and openpyxl.load_workbook(io.BytesIO(data))["Budget"]["A9"].value == "Late"

    shared = _ours(tmp_path)
    _rewrite(
        shared,
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(b"<f>B2+C2</f>", b'<f t="shared" ref="D2:D3" si="0">B2+C2</f>'),
    )
    with pytest.raises(CannotPatch):
        XlsxPatch(shared.read_bytes()).set(None, "D2", 1)

    # A sheet the edit does not touch, found unpatchable only when saving (its cached formula
    # results are dropped too): the whole edit goes to openpyxl.
    other = _ours(tmp_path)
    _rewrite(other, "xl/worksheets/sheet2.xml", lambda x: x.replace(b'<row r="3"', b"<row"))
    data, count = office.edit_xlsx(other, find="", replace="", append="", cells={"A9": 4})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert count == 1 and book["Budget"]["A9"].value == 4
    assert book["Key figures"]["B2"].value == "=Budget!D4"
