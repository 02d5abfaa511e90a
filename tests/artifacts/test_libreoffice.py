"""A real client reads our Office files: headless LibreOffice opens generated docx, xlsx and
pptx files and a simulation-edited workbook; the values it computes for every formula are the
ones we cached, and pandas reads no blank totals.

LibreOffice must be installed (`make test` installs it through the `libreoffice` target): the
test fails without it rather than skip.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas
import pytest
from pypdf import PdfReader

from simulations.engine import office_edits
from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s
from tests.artifacts.generated import generated_contents, write_generated

# LibreOffice writes data bars with an x14 extension openpyxl reads without.
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")


RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="module")
def soffice(tmp_path_factory):
    """convert(paths, target) -> the folder LibreOffice wrote the converted files into."""
    binary = shutil.which("soffice")
    assert binary, "LibreOffice is not installed: `make libreoffice` installs it"
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    # By default LibreOffice shows an xlsx file's cached values as they are; recalculating
    # every formula on load makes its values its own.
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD)

    def convert(paths: list[Path], target: str) -> Path:
        out = tmp_path_factory.mktemp(f"converted-{target}")
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, paths),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        return out

    return convert


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[tuple[str, Path]]:
    return write_generated(tmp_path_factory.mktemp("generated"))


def _formula_cells(path: Path) -> dict[tuple[str, str], object]:
    """(sheet, cell) -> cached value, for every formula cell of the workbook."""
    formulas = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    return {
        (sheet.title, cell.coordinate): cached[sheet.title][cell.coordinate].value
        for sheet in formulas.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


def _same(ours: object, theirs: object) -> bool:
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9)
    return ours == theirs


def _edited(source: Path, target: Path) -> Path:
    """The workbook after a simulated worker's edit: a figure changed, a row appended."""
    book = openpyxl.load_workbook(source)
    sheet = next(s for s in book.worksheets if s.title not in ("Summary", "Key figures"))
    number = next(c for row in sheet.iter_rows(min_row=2) for c in row if type(c.value) is int)
    data, count = office_edits.edit_xlsx(
        source,
        find="",
        replace="",
        append="Late adjustment,1",
        cells={f"'{sheet.title}'!{number.coordinate}": number.value * 3 + 17},
    )
    assert count == 1
    target.write_bytes(data)
    return target


def _tampered(source: Path, target: Path) -> str:
    """A copy whose first sheet's first cached number is wrong; returns that cell."""
    part = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(source) as package:
        members = {name: package.read(name) for name in package.namelist()}
    cell = re.search(rb'<c r="([A-Z]+[0-9]+)"[^>]*><f>[^<]+</f><v>[0-9.]+</v>', members[part])
    wrong = re.sub(rb"<v>[0-9.]+</v>", b"<v>-4242</v>", cell.group(0))
    members[part] = members[part].replace(cell.group(0), wrong)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return cell.group(1).decode()


def _lookups(path: Path) -> Path:
    """Functions models reach for beyond sums (LibreOffice 7.4 has no XLOOKUP to compare)."""
    rows = [
        ["North", 120, "2024-01-31", '=IFS(B2>150,"high",B2>100,"mid",TRUE,"low")'],
        ["South", 180, "2024-02-29", '=IFNA(MATCH("West",A2:A4,0),"missing")'],
        ["East", 90, "2024-03-31", '=SUMIFS(B2:B4,A2:A4,"<>East")'],
        [
            "Lookups",
            '=VLOOKUP("East",A2:B4,2,FALSE)',
            "=INDEX(A2:A4,MATCH(180,B2:B4,0))",
            '=IFERROR(1/0,"none")',
        ],
    ]
    content = s.WorkbookContent(
        summary="s",
        sheets=[s.Sheet(name="Regions", columns=["Region", "Sales", "Month", "Check"], rows=rows)],
    )
    write_artifact(path, "xlsx", content)
    return path


def test_libreoffice_computes_the_values_we_cached(soffice, files, tmp_path):
    workbooks = [path for kind, path in files if kind == "xlsx"]
    assert len(workbooks) >= 4
    workbooks.append(_lookups(tmp_path / "lookups.xlsx"))
    edited = _edited(workbooks[0], tmp_path / "edited.xlsx")
    tampered = tmp_path / "tampered.xlsx"
    wrong_cell = _tampered(workbooks[1], tampered)
    converted = soffice([*workbooks, edited, tampered], "xlsx")

    checked = 0
    for path in [*workbooks, edited]:
        ours = _formula_cells(path)
        theirs = openpyxl.load_workbook(converted / path.name, data_only=True)
        assert ours and all(value is not None for value in ours.values()), path.name
        for (sheet, ref), value in ours.items():
            assert _same(value, theirs[sheet][ref].value), (path.name, sheet, ref, value)
            checked += 1
    assert checked > 100

    # LibreOffice computed the values itself: a wrong cache does not survive its load.
    sheet = openpyxl.load_workbook(tampered).sheetnames[0]
    assert openpyxl.load_workbook(tampered, data_only=True)[sheet][wrong_cell].value == -4242
    recomputed = openpyxl.load_workbook(converted / tampered.name, data_only=True)
    expected = _formula_cells(workbooks[1])[(sheet, wrong_cell)]
    assert _same(expected, recomputed[sheet][wrong_cell].value)


def test_pandas_reads_every_formula_value(files, tmp_path):
    workbooks = [path for kind, path in files if kind == "xlsx"]
    edited = _edited(workbooks[0], tmp_path / "edited.xlsx")
    for path in [*workbooks, edited]:
        frames = pandas.read_excel(path, sheet_name=None, header=None)
        for (sheet, ref), _ in _formula_cells(path).items():
            row, column = openpyxl.utils.cell.coordinate_to_tuple(ref)
            assert pandas.notna(frames[sheet].iat[row - 1, column - 1]), (path.name, sheet, ref)


def test_libreoffice_renders_documents_and_decks(soffice, files):
    contents = generated_contents()
    paths = [path for kind, path in files if kind in ("docx", "pptx")]
    converted = soffice(paths, "pdf")
    for (kind, title, content), (_, path) in zip(
        [c for c in contents if c[0] != "xlsx"], [f for f in files if f[0] != "xlsx"], strict=True
    ):
        pdf = PdfReader(converted / f"{path.stem}.pdf")
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
        assert " ".join(title.split())[:30] in text, path.name
        if kind == "docx":
            table = next(b.table for b in content.blocks if b.table is not None)
            assert str(table.columns[0]) in text
            assert content.footer and " ".join(content.footer.split())[:20] in text
        else:
            assert len(pdf.pages) == len(content.slides) + 1
            tabled = next(slide for slide in content.slides if slide.table is not None)
            assert tabled.table.columns[0] in text
