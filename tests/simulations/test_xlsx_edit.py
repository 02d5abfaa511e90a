"""The workbook editor: openpyxl's edit, saved with every formula's cached value computed
again, so pandas and openpyxl's data_only read the new totals."""

import datetime as dt
import io
import zipfile

import openpyxl
import pandas
import pytest
from openpyxl.utils.datetime import to_excel

from simulations.engine import office, office_edits
from simulations.engine.texts import text_of
from studio.artifacts.safety import ArtifactReadError
from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s


def _ours(tmp_path):
    """A workbook from the studio's own writer: two sheets, formulas, a chart and a highlight."""
    content = s.WorkbookContent(
        summary="Budget",
        sheets=[
            s.Sheet(
                name="Budget",
                columns=["Item", "Q1", "Q2", "Total"],
                rows=[
                    ["Beds", 1200, 1350.5, "=B2+C2"],
                    ["Staff training", 300, 0, "=B3+C3"],
                    ["Total", "=SUM(B2:B3)", "=SUM(C2:C3)", "=D2+D3"],
                ],
                number_formats={"Q1": "#,##0", "Q2": "#,##0.00"},
                charts=[s.SheetChart(categories="Item", values=["Q1", "Q2"], rows=2)],
                conditional_formats=[s.ConditionalFormat(column="Total", rule="above", value=1000)],
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


def _edit(path, **edit):
    edit = {"find": "", "replace": "", "append": "", "cells": {}, **edit}
    data, count = office_edits.edit_xlsx(path, **edit)
    return data, count


def _values(data):
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def test_setting_a_cell_recomputes_every_dependent_cached_value(tmp_path):
    path = _ours(tmp_path)
    data, count = _edit(path, cells={"Budget!B2": "1,500"})
    assert count == 1
    values = _values(data)
    assert values["Budget"][1] == ["Beds", 1500, 1350.5, 2850.5]
    assert values["Budget"][3] == ["Total", 1800, 1350.5, 3150.5]
    assert values["Key figures"][1] == ["Budget", 3150.5]
    formulas = openpyxl.load_workbook(io.BytesIO(data))
    assert formulas["Budget"]["D4"].value == "=D2+D3"  # formulas stay formulas
    frames = pandas.read_excel(io.BytesIO(data), sheet_name=None)
    assert frames["Budget"]["Total"].notna().all()
    assert frames["Key figures"]["Value"].tolist() == [3150.5, 1200, 42]


def test_find_replace_append_and_formulas_set_from_text(tmp_path):
    path = _ours(tmp_path)
    data, count = _edit(
        path,
        find="Staff training",
        replace="Training",
        append="Contingency,500,250,=B5+C5",
        cells={"'Key figures'!B5": "=Budget!B4*2"},
    )
    assert count == 2
    values = _values(data)
    assert values["Budget"][2][0] == "Training"
    assert values["Budget"][4] == ["Contingency", 500, 250, 750]
    assert values["Key figures"][4] == [None, 3000]
    # Numbers found are replaced as numbers; formulas are not searched.
    data, count = _edit(path, find="42", replace="43")
    assert count == 1 and _values(data)["Key figures"][3] == ["Staff", 43]


def test_charts_and_conditional_formats_survive_an_edit(tmp_path):
    data, _ = _edit(_ours(tmp_path), cells={"C3": 10})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Budget"]
    assert len(sheet._charts) == 1
    assert [str(rng.sqref) for rng in sheet.conditional_formatting] == ["D2:D4"]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        app = package.read("docProps/app.xml").decode()
        assert "Microsoft Excel" not in app and "Synthetic Computers Studio" in app
        assert b'fullCalcOnLoad="1"' in package.read("xl/workbook.xml")


def test_a_workbook_from_elsewhere_gets_fresh_values_and_unknown_formulas_no_stale_cache(
    tmp_path,
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Plan"
    sheet.append(["Task", "Due", "Hours", "Ends"])
    sheet.append(["Draft plan", dt.datetime(2026, 3, 2), 12, "=B2+7"])
    sheet.append(["Review plan", dt.datetime(2026, 3, 9), 4.5, '=CELL("row",B3)'])
    sheet.append(["Total", None, "=SUM(C2:C3)", None])
    path = tmp_path / "elsewhere.xlsx"
    book.save(path)
    data, count = _edit(path, cells={"C3": 8})
    assert count == 1
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Plan"]
    assert values["C4"].value == 20
    assert values["D2"].value == to_excel(dt.datetime(2026, 3, 2)) + 7  # a serial number
    assert values["D3"].value is None  # outside the evaluator: LibreOffice computes it on load
    written = tmp_path / "after.xlsx"
    written.write_bytes(data)
    assert "Draft plan" in text_of(written, "xlsx")  # the studio's own reader opens it


def test_bad_edits_say_why_and_change_nothing(tmp_path):
    path = _ours(tmp_path)
    before = path.read_bytes()
    with pytest.raises(office.ContentError, match="not a cell reference"):
        _edit(path, cells={"B": 1})
    with pytest.raises(office.ContentError, match="no sheet named 'Nowhere'"):
        _edit(path, cells={"Nowhere!B2": 1})
    with pytest.raises(office.ContentError, match="a cell holds text"):
        _edit(path, cells={"B2": [1, 2]})
    assert path.read_bytes() == before
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(ArtifactReadError):
        _edit(broken, cells={"A1": 1})


def test_docx_and_pptx_edits_go_through_their_libraries(tmp_path):
    import docx
    from pptx import Presentation

    doc_path = tmp_path / "memo.docx"
    write_artifact(doc_path, "docx", office.document_from_text("# Memo\n\nThe **old** plan.", "x"))
    data, count = office_edits.edit_docx(
        doc_path, find="old plan", replace="new plan", append="- done"
    )
    assert count == 1
    paragraphs = [(p.style.name, p.text) for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert ("Normal", "The new plan.") in paragraphs and ("List Bullet", "done") in paragraphs

    deck_path = tmp_path / "deck.pptx"
    write_artifact(deck_path, "pptx", office.presentation_from_text("# Deck\n## One\n- a", "x"))
    data, count = office_edits.edit_pptx(deck_path, find="a", replace="b", append="Two\n- c\n- d")
    slides = list(Presentation(io.BytesIO(data)).slides)
    assert count == 1 and len(slides) == 3
    assert [p.text for p in slides[2].placeholders[1].text_frame.paragraphs] == ["c", "d"]
