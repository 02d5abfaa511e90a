"""What a model may ask for beyond text: charts and conditional formats in workbooks, tables
and charts on slides, headers and footers in documents; read back with the real libraries."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pydantic import ValidationError

from studio.artifacts.readers import extract_text
from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s
from tests.artifacts import MTIME, document, presentation, workbook


def _write(tmp_path: Path, kind: str, content) -> Path:
    path = tmp_path / f"rich.{kind}"
    write_artifact(path, kind, content)
    return path


def test_workbook_charts_and_conditional_formats(tmp_path: Path) -> None:
    content = workbook()
    spend = content.sheets[0]
    spend.charts = [
        s.SheetChart(
            type="bar", title="Spend by item", categories="Item", values=["Total"], rows=3
        ),
        s.SheetChart(type="pie", categories="item", values=["Units", "Total"]),
        s.SheetChart(categories="Nowhere", values=["Total"]),  # names no column: left out
    ]
    spend.conditional_formats = [
        s.ConditionalFormat(column="Total", rule="above", value=1000, color="#FFC7CE"),
        s.ConditionalFormat(column="Units", rule="data_bar"),
        s.ConditionalFormat(column="Price", rule="color_scale"),
        s.ConditionalFormat(column="Price", rule="below"),  # no threshold: left out
    ]
    sheet = openpyxl.load_workbook(_write(tmp_path, "xlsx", content))["Spend"]
    bar, pie = sheet._charts
    assert (bar.tagname, bar.type) == ("barChart", "bar")
    assert bar.series[0].val.numRef.f == "'Spend'!$D$2:$D$4"
    assert bar.series[0].cat.numRef.f == "'Spend'!$A$2:$A$4"
    assert pie.tagname == "pieChart" and len(pie.series) == 1
    rules = {
        str(rng.sqref): [rule.type for rule in rng.rules] for rng in sheet.conditional_formatting
    }
    assert rules == {"D2:D5": ["cellIs"], "B2:B5": ["dataBar"], "C2:C5": ["colorScale"]}
    above = next(iter(sheet.conditional_formatting)).rules[0]
    assert (above.operator, above.formula) == ("greaterThan", ["1000.0"])


def test_slides_with_a_table_and_a_chart(tmp_path: Path) -> None:
    from pptx import Presentation

    content = presentation()
    content.slides[0].table = s.Table(columns=["Phase", "Weeks"], rows=[["Build", 6], ["Test"]])
    content.slides[1].chart = s.Chart(
        type="line",
        title="Burn",
        categories=["Jan", "Feb", "Mar"],
        series=[
            s.ChartSeries(name="Plan", values=[1, 2, 3]),
            s.ChartSeries(name="Actual", values=[1, float("nan")]),
        ],
    )
    content.slides[2].chart = s.Chart(
        categories=["A"], series=[s.ChartSeries(name="n", values=[5])]
    )
    path = _write(tmp_path, "pptx", content)
    slides = list(Presentation(str(path)).slides)
    table = next(shape for shape in slides[1].shapes if shape.has_table).table
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Phase", "Weeks"],
        ["Build", "6"],
        ["Test", ""],
    ]
    body = slides[1].placeholders[1]
    assert [p.text for p in body.text_frame.paragraphs] == ["Goals", "Timeline", "Risks"]
    chart = next(shape for shape in slides[2].shapes if shape.has_chart).chart
    assert chart.chart_title.text_frame.text == "Burn" and chart.has_legend
    assert [list(series.values) for series in chart.plots[0].series] == [
        [1.0, 2.0, 3.0],
        [1.0, None, None],
    ]
    # A slide with a chart and no bullets keeps no empty placeholder.
    assert [shape.name for shape in slides[3].placeholders] == ["Title 1"]
    assert any(shape.has_chart for shape in slides[3].shapes)
    assert "Build" in extract_text(path, "pptx")


def test_document_header_and_footer_in_docx_and_pdf(tmp_path: Path) -> None:
    import docx
    from pypdf import PdfReader

    content = document()
    content.header, content.footer = "Acme Health · Q3 budget", "Confidential – draft"
    section = docx.Document(str(_write(tmp_path, "docx", content))).sections[0]
    assert section.header.paragraphs[0].text == "Acme Health · Q3 budget"
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("Confidential – draft")
    assert footer._p.xpath("./w:fldSimple/@w:instr") == ["PAGE"]
    pages = PdfReader(str(_write(tmp_path, "pdf", content))).pages
    assert all("Confidential – draft" in page.extract_text() for page in pages)
    assert "Acme Health · Q3 budget" in pages[0].extract_text()


def test_contracts_stay_optional_and_check_what_they_add() -> None:
    assert s.Sheet(name="a", columns=["x"]).charts == []
    assert (
        s.Slide(title="t").table is None
        and s.DocumentContent(
            summary="", title="t", blocks=[s.DocBlock(type="paragraph", text="x")]
        ).footer
        == ""
    )
    with pytest.raises(ValidationError):
        s.ConditionalFormat(column="a", rule="above", color="red")
    with pytest.raises(ValidationError):
        s.Chart(categories=["a"], series=[])


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_the_same_content_gives_the_same_bytes(tmp_path: Path, monkeypatch, kind: str) -> None:
    """Member dates come from nowhere but the content, so a seed reproduces a file bit for bit."""
    import time

    content = {"docx": document, "xlsx": workbook, "pptx": presentation}[kind]()
    if kind == "pptx":
        content.slides[0].chart = s.Chart(
            categories=["a"], series=[s.ChartSeries(name="n", values=[1])]
        )
    first = tmp_path / "first" / f"file.{kind}"
    write_artifact(first, kind, content, mtime=MTIME)
    clock = time.time
    monkeypatch.setattr(time, "time", lambda: clock() + 86_400)  # a day later, to zipfile
    second = tmp_path / "second" / f"file.{kind}"
    write_artifact(second, kind, content, mtime=MTIME)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        embedded = [name for name in package.namelist() if name.endswith(".xlsx")]
        if kind == "pptx":  # the chart's own workbook, dated like the deck
            book = openpyxl.load_workbook(io.BytesIO(package.read(embedded[0])))
            assert book.properties.created == MTIME.replace(tzinfo=None)


def test_newer_functions_are_stored_with_their_prefix_and_cached(tmp_path: Path) -> None:
    rows = [[1, "low", '=IFS(A2>1,"up",TRUE,"down")'], [2, "high", "=XLOOKUP(2,A2:A3,B2:B3)"]]
    sheet = s.Sheet(name="S", columns=["a", "b", "c"], rows=rows)
    path = _write(tmp_path, "xlsx", s.WorkbookContent(summary="s", sheets=[sheet]))
    formulas = openpyxl.load_workbook(path)["S"]
    assert formulas["C2"].value == '=_xlfn.IFS(A2>1,"up",TRUE,"down")'  # as Excel stores it
    assert formulas["C3"].value == "=_xlfn.XLOOKUP(2,A2:A3,B2:B3)"
    cached = openpyxl.load_workbook(path, data_only=True)["S"]
    assert (cached["C2"].value, cached["C3"].value) == ("down", "high")
