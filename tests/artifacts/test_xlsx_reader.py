"""The xlsx reader: cached values shown with their number formats, formulas beside them,
formulas without a cached value computed, and limits noted."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl

from studio.artifacts.readers import PreviewLimits, extract_text, preview
from studio.generation.schemas import Sheet, WorkbookContent
from tests.artifacts.test_readers import _written


def test_xlsx_preview_shows_values_and_formulas(tmp_path: Path) -> None:
    result = preview(_written(tmp_path, "xlsx"), "xlsx")
    spend, summary, checks = result.sheets
    assert spend.name == "Spend" and spend.column_letters == ["A", "B", "C", "D"]
    assert [c.value for c in spend.rows[0]] == ["Item", "Units", "Price", "Total"]
    laptops = spend.rows[1]
    assert [c.value for c in laptops] == ["Laptops", "4", "1,250.00", "$5,000.00"]
    assert laptops[3].formula == "=B2*C2" and laptops[0].formula is None
    totals = {c.formula: c.value for c in spend.rows[4] if c.formula}
    assert totals == {
        "=SUM(B2:B4)": "15",
        "=ROUND(AVERAGE(C2:C4),1)": "553.50",  # the Price column's #,##0.00
        "=SUM(D2:D4)": "$7,362.95",
    }
    assert (summary.rows[1][1].formula, summary.rows[1][1].value) == ("=Spend!D5", "7362.95")
    assert summary.rows[2][1].value == "TRUE"
    assert checks.rows[1][1].value == "7362.95"  # ='Q3 Summary'!B2, across two sheets
    assert checks.rows[2][1].value == "yes"
    assert not result.truncated


def _patch_member(path: Path, member: str, edit) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {info: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts.items():
            target.writestr(info, edit(data) if info.filename == member else data)


def test_xlsx_prefers_cached_values(tmp_path: Path) -> None:
    path = _written(tmp_path, "xlsx")
    # A cached value the evaluator would not give: the preview shows it, computing nothing.
    _patch_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb"<f>B2\*C2</f><v>[^<]*</v>", b"<f>B2*C2</f><v>999</v>", xml),
    )
    laptops = preview(path, "xlsx").sheets[0].rows[1]
    assert (laptops[3].formula, laptops[3].value) == ("=B2*C2", "$999.00")
    assert "=B2*C2 → $999.00" in extract_text(path, "xlsx")


S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def build_xlsx(
    path: Path, sheets: dict[str, str], strings: str = "", styles: str = "", dimension: str = ""
) -> Path:
    """A workbook as Excel or LibreOffice write it: shared strings, styles, cached values."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    rels += f'<Relationship Id="rS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    rels += f'<Relationship Id="rY" Type="{REL}/styles" Target="/xl/styles.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{S_NS}" xmlns:r="{R_NS}">'
            f"<sheets>{entries}</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG_NS}">{rels}</Relationships>'
        )
        for i, body in enumerate(sheets.values(), 1):
            archive.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f'<worksheet xmlns="{S_NS}"><dimension ref="{dimension or "A1"}"/>'
                f"<sheetData>{body}</sheetData></worksheet>",
            )
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{S_NS}">{strings}</sst>')
        archive.writestr("xl/styles.xml", f'<styleSheet xmlns="{S_NS}">{styles}</styleSheet>')
    return path


STYLES = (
    '<numFmts><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    '<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="4"/></cellXfs>'
)


def test_xlsx_excel_style_workbook(tmp_path: Path) -> None:
    strings = (
        "<si><t>Region</t></si><si><t xml:space='preserve'>North &amp; South </t></si>"
        "<si><r><t>Rich </t></r><r><rPr><b/></rPr><t>text</t></r><rPh><t>ignored</t></rPh></si>"
        "<si><t>line_x000D_break</t></si>"
    )
    data = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" s="1"><v>45352</v></c><c r="B2" s="2"><v>0.125</v></c>'
        '<c r="C2"><f t="shared" ref="C2:C4" si="0">D2*2</f><v>2</v></c><c r="D2"><v>1</v></c></row>'
        '<row r="3"><c r="C3"><f t="shared" si="0"/></c><c r="D3"><v>5</v></c>'
        '<c r="E3" t="b"><v>1</v></c><c r="F3" t="e"><v>#DIV/0!</v></c></row>'
        '<row r="6"><c r="A6" t="s"><v>2</v></c><c r="B6" t="s"><v>3</v></c>'
        '<c r="C6" s="3"><v>1234567.5</v></c><c r="D6" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>'
    )
    path = build_xlsx(tmp_path / "excel.xlsx", {"Data": data}, strings, STYLES)
    rows = [[c.value for c in row] for row in preview(path, "xlsx").sheets[0].rows]
    assert rows[0][:2] == ["Region", "North & South "]
    assert rows[1][:4] == ["2024-03-01", "12.5%", "2", "1"]
    # C3 shares C2's formula: translated to D3*2 and evaluated, as it has no cached value.
    assert rows[2][2:6] == ["10", "5", "TRUE", "#DIV/0!"]
    assert rows[3] == rows[4] == [""] * 6  # gaps in row numbers stay as empty rows
    assert rows[5][:4] == ["Rich text", "line\rbreak", "1,234,567.50", "ab"]
    formulas = [c.formula for c in preview(path, "xlsx").sheets[0].rows[2]]
    assert formulas[2] == "=D3*2"


def test_xlsx_big_sheet_is_cut_with_notes(tmp_path: Path) -> None:
    rows = [[f"row {i}", i, f"=B{i + 2}*2"] + list(range(10)) for i in range(120)]
    rows[3][0] = "x" * 5_000
    content = WorkbookContent(
        summary="s",
        sheets=[
            Sheet(
                name="Big",
                columns=["Name", "N", "Double"] + [f"c{i}" for i in range(10)],
                rows=rows,
            )
        ]
        + [Sheet(name=f"Extra {i}", columns=["a"]) for i in range(3)],
    )
    limits = PreviewLimits(max_rows=50, max_columns=5, max_cell_chars=100, max_sheets=2)
    result = preview(_written(tmp_path, "xlsx", content), "xlsx", limits=limits)
    big = result.sheets[0]
    assert len(result.sheets) == 2
    assert len(big.rows) == 50 and all(len(row) == 5 for row in big.rows)
    assert big.truncated
    assert big.rows[4][0].value == "x" * 100 + "…"
    assert big.rows[49][2].value == str(2 * 48)
    assert result.truncated
    assert result.notes == [
        "Big: showing the first 50 rows of 121.",
        "Big: showing the first 5 columns.",
        "Some cells were cut at 100 characters.",
        "Showing the first 2 of 4 sheets.",
    ]


def test_xlsx_row_total_in_note_when_file_declares_it(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 60))
    path = build_xlsx(tmp_path / "dim.xlsx", {"Data": rows}, dimension="A1:A12000")
    result = preview(path, "xlsx", limits=PreviewLimits(max_rows=20))
    assert result.sheets[0].total_rows == 12_000
    assert result.notes == ["Data: showing the first 20 rows of 12,000."]


def test_xlsx_without_cached_values_is_computed(tmp_path: Path) -> None:
    """A workbook from elsewhere: openpyxl's own save leaves every formula's cache empty."""
    ours = preview(_written(tmp_path, "xlsx"), "xlsx")
    elsewhere = tmp_path / "elsewhere.xlsx"
    openpyxl.load_workbook(tmp_path / "file.xlsx").save(elsewhere)
    assert openpyxl.load_workbook(elsewhere, data_only=True)["Spend"]["D2"].value is None
    computed = preview(elsewhere, "xlsx")
    assert [[c.value for c in row] for sheet in computed.sheets for row in sheet.rows] == [
        [c.value for c in row] for sheet in ours.sheets for row in sheet.rows
    ]
