"""Editing an agent's existing files in place: find and replace text, append, or set workbook
cells, through python-docx, python-pptx and openpyxl (one editor per kind); an edited
workbook carries its formulas' values computed again, as a written one does."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from simulations.engine.office import ContentError, number_or_text
from studio.artifacts.safety import ArtifactReadError, check_office_zip, library_errors
from studio.artifacts.writers.common import save_stably

_CELL_REF = re.compile(r"^(?:(?P<sheet>[^!]+)!)?(?P<col>[A-Za-z]{1,3})(?P<row>\d{1,7})$")


def edit_text(data: bytes, *, find: str, replace: str, append: str) -> tuple[bytes, int]:
    text = data.decode("utf-8", "replace")
    count = text.count(find) if find else 0
    if find:
        text = text.replace(find, replace)
    if append:
        text = text.rstrip("\n") + "\n" + append.rstrip("\n") + "\n"
    return text.encode("utf-8"), count


def _replace_in_paragraph(paragraph: Any, find: str, replace: str) -> int:
    if find not in paragraph.text:
        return 0
    count = paragraph.text.count(find)
    runs = paragraph.runs
    for run in runs:
        if find in run.text:
            run.text = run.text.replace(find, replace)
    if find in paragraph.text and runs:  # the match spans runs: keep the first run's format
        full = paragraph.text.replace(find, replace)
        runs[0].text = full
        for run in runs[1:]:
            run.text = ""
    return count


def edit_docx(path: Path, *, find: str, replace: str, append: str) -> tuple[bytes, int]:
    from docx import Document

    check_office_zip(path, "docx")
    with library_errors("docx", "edit"):
        document = Document(str(path))
        count = 0
        if find:
            paragraphs = list(document.paragraphs)
            for table in document.tables:
                for row in table.rows:
                    for cell in row.cells:
                        paragraphs.extend(cell.paragraphs)
            for paragraph in paragraphs:
                count += _replace_in_paragraph(paragraph, find, replace)
        for line in append.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                level = len(stripped) - len(stripped.lstrip("#"))
                document.add_heading(stripped.lstrip("#").strip(), level=min(4, level))
            elif stripped.startswith(("- ", "* ")):
                document.add_paragraph(stripped[2:].strip(), style="List Bullet")
            else:
                document.add_paragraph(stripped)
        out = io.BytesIO()
        save_stably(document.save, out)
    return out.getvalue(), count


def edit_pptx(path: Path, *, find: str, replace: str, append: str) -> tuple[bytes, int]:
    from pptx import Presentation

    check_office_zip(path, "pptx")
    with library_errors("pptx", "edit"):
        presentation = Presentation(str(path))
        count = 0
        if find:
            for slide in presentation.slides:
                for shape in slide.shapes:
                    if shape.has_text_frame:
                        for paragraph in shape.text_frame.paragraphs:
                            count += _replace_in_paragraph(paragraph, find, replace)
        lines = [line.strip() for line in append.splitlines() if line.strip()]
        if lines:
            layout = presentation.slide_layouts[1 if len(presentation.slide_layouts) > 1 else 0]
            slide = presentation.slides.add_slide(layout)
            if slide.shapes.title is not None:
                slide.shapes.title.text = lines[0].lstrip("#").strip()
            body = next((p for p in slide.placeholders if p.placeholder_format.idx == 1), None)
            if body is not None and lines[1:]:
                frame = body.text_frame
                frame.text = lines[1].lstrip("-* ")
                for line in lines[2:]:
                    frame.add_paragraph().text = line.lstrip("-* ")
        out = io.BytesIO()
        save_stably(presentation.save, out)
    return out.getvalue(), count


def _cell_matches(value: Any, find: str) -> bool:
    if isinstance(value, str):
        return find in value and not value.startswith("=")
    if isinstance(value, bool) or value is None:
        return False
    return number_or_text(find) == value


def edit_xlsx(
    path: Path, *, find: str, replace: str, append: str, cells: dict[str, Any]
) -> tuple[bytes, int]:
    """The edit through openpyxl, saved with every formula's value computed again."""
    import openpyxl

    from studio.artifacts.writers.xlsx_save import save_workbook

    check_office_zip(path, "xlsx")
    with library_errors("xlsx", "edit"):
        book = openpyxl.load_workbook(str(path))
    count = _edit_book(book, find=find, replace=replace, append=append, cells=cells)
    out = io.BytesIO()
    with library_errors("xlsx", "edit"):
        save_workbook(book, out)
    return out.getvalue(), count


def _edit_book(book: Any, *, find: str, replace: str, append: str, cells: dict[str, Any]) -> int:
    """Apply the edit to an openpyxl workbook; returns how many cells changed."""
    from studio.artifacts.writers.xlsx import cell_value

    count = 0
    found = (
        (c for sheet in book.worksheets for row in sheet.iter_rows() for c in row) if find else ()
    )
    for cell in found:
        if _cell_matches(cell.value, find):
            value = cell.value
            new = (
                value.replace(find, replace) if isinstance(value, str) else number_or_text(replace)
            )
            cell.value = cell_value(new)
            count += 1
    titles = [sheet.title for sheet in book.worksheets]
    for ref, value in cells.items():
        match = _CELL_REF.match(ref.strip())
        if not match:
            raise ContentError(f"{ref!r} is not a cell reference like 'B4' or 'Budget!B4'")
        name = match["sheet"].strip("'") if match["sheet"] else None
        if name is not None and name not in titles:
            raise ContentError(f"no sheet named {match['sheet']!r}; sheets: {', '.join(titles)}")
        if not isinstance(value, str | int | float | bool | None):
            raise ContentError(f"{ref}: a cell holds text, a number, true/false or nothing")
        sheet = book[name] if name else book.worksheets[0]
        new = number_or_text(value) if isinstance(value, str) else value
        sheet[f"{match['col'].upper()}{match['row']}"] = cell_value(new)
        count += 1
    for line in append.splitlines():
        if line.strip():
            delimiter = "\t" if "\t" in line else ","
            values = next(csv.reader([line], delimiter=delimiter))
            book.worksheets[0].append([cell_value(number_or_text(c)) for c in values])
    return count


def edit_file_bytes(
    path: Path, kind: str, *, find: str, replace: str, append: str, cells: dict[str, Any]
) -> tuple[bytes, int]:
    if cells and kind != "xlsx":
        raise ContentError("cells can only be set in .xlsx workbooks")
    if kind in ("md", "txt", "csv"):
        return edit_text(path.read_bytes(), find=find, replace=replace, append=append)
    if kind == "docx":
        return edit_docx(path, find=find, replace=replace, append=append)
    if kind == "pptx":
        return edit_pptx(path, find=find, replace=replace, append=append)
    if kind == "xlsx":
        return edit_xlsx(path, find=find, replace=replace, append=append, cells=cells)
    raise ArtifactReadError(
        f".{kind} files cannot be edited; docx, xlsx, pptx, md, txt and csv can"
    )
