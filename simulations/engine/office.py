"""Turning what an agent writes into real files, and editing existing ones.

``write_file`` accepts either the studio's content models (the same ones generation uses,
rendered by studio.artifacts.writers) or plain text with light Markdown, which is what most
models find natural: '#' headings, '-' bullets, '1.' numbered items and '|' tables for
documents; '## Slide title' sections for presentations; comma- or tab-separated lines for
workbooks. ``edit_file`` finds and replaces text, appends, or sets workbook cells, through
python-docx, python-pptx and openpyxl (one editor per kind); an edited workbook carries its
formulas' values computed again, as a written one does.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from studio.artifacts.safety import ArtifactReadError, check_office_zip, library_errors
from studio.artifacts.writers.common import save_stably
from studio.generation import schemas as s

_NUMBERED = re.compile(r"^\d+[.)]\s+")
_CELL_REF = re.compile(r"^(?:(?P<sheet>[^!]+)!)?(?P<col>[A-Za-z]{1,3})(?P<row>\d{1,7})$")


class ContentError(ValueError):
    """Content an agent proposed that cannot become a file; the message tells it why."""


def _summary(text: str) -> str:
    first = next((line.strip("#-* \t") for line in text.splitlines() if line.strip()), "")
    return first[:200]


def _validation_text(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:8]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "(content)"
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


def _number(text: str) -> Any:
    raw = text.strip()
    if raw.startswith("="):
        return raw
    plain = raw.replace(",", "")
    try:
        return int(plain)
    except ValueError:
        pass
    try:
        return float(plain)
    except ValueError:
        return raw


# -- text -> content models -----------------------------------------------------------------


def document_from_text(text: str, fallback_title: str) -> s.DocumentContent:
    blocks: list[s.DocBlock] = []
    title = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            heading = stripped.lstrip("#").strip()
            if level == 1 and not title:
                title = heading
            else:
                blocks.append(
                    s.DocBlock(type="heading", text=heading, level=min(4, max(1, level - 1)))
                )
            i += 1
            continue
        if stripped.startswith(("- ", "* ")) or _NUMBERED.match(stripped):
            numbered = bool(_NUMBERED.match(stripped))
            items = []
            while i < len(lines):
                item = lines[i].strip()
                if numbered and _NUMBERED.match(item):
                    items.append(_NUMBERED.sub("", item))
                elif not numbered and item.startswith(("- ", "* ")):
                    items.append(item[2:].strip())
                else:
                    break
                i += 1
            blocks.append(s.DocBlock(type="numbered" if numbered else "bullets", items=items))
            continue
        if stripped.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
                i += 1
            if rows:
                width = len(rows[0])
                body = [
                    [_number(c) if c.startswith("=") else c for c in row[:width]]
                    + [""] * (width - len(row))
                    for row in rows[1:]
                ]
                blocks.append(s.DocBlock(type="table", table=s.Table(columns=rows[0], rows=body)))
            continue
        paragraph = [stripped]
        i += 1
        while (
            i < len(lines)
            and lines[i].strip()
            and not lines[i].strip().startswith(("#", "- ", "* ", "|"))
            and not _NUMBERED.match(lines[i].strip())
        ):
            paragraph.append(lines[i].strip())
            i += 1
        blocks.append(s.DocBlock(type="paragraph", text=" ".join(paragraph)))
    if not blocks:
        raise ContentError("the document has no content")
    return s.DocumentContent(title=title or fallback_title, blocks=blocks, summary=_summary(text))


def presentation_from_text(text: str, fallback_title: str) -> s.PresentationContent:
    title, subtitle = "", ""
    slides: list[s.Slide] = []
    current: s.Slide | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## ") or (line.startswith("# ") and title):
            current = s.Slide(title=line.lstrip("#").strip())
            slides.append(current)
        elif line.startswith("# "):
            title = line[2:].strip()
        elif current is None:
            subtitle = (subtitle + " " + line).strip()
        elif line.lower().startswith("notes:"):
            current.notes = line[6:].strip()
        else:
            current.bullets.append(line.lstrip("-* ").strip())
    if not slides:
        raise ContentError("a presentation needs at least one '## Slide title' section")
    return s.PresentationContent(
        title=title or fallback_title,
        subtitle=subtitle[:300],
        slides=slides,
        summary=_summary(text),
    )


def _rows_from_text(text: str) -> list[list[Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ContentError("no rows")
    if all(line.strip().startswith("|") for line in lines):
        rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
        return [r for r in rows if not all(set(c) <= set("-: ") for c in r)]
    delimiter = "\t" if "\t" in lines[0] else ","
    return [row for row in csv.reader(lines, delimiter=delimiter)]


def workbook_from_text(text: str) -> s.WorkbookContent:
    rows = _rows_from_text(text)
    header, body = rows[0], [[_number(c) for c in row] for row in rows[1:]]
    sheet = s.Sheet(name="Sheet1", columns=[str(c) for c in header], rows=body)
    return s.WorkbookContent(sheets=[sheet], summary=f"{len(body)} rows: {', '.join(header)[:150]}")


def csv_from_text(text: str) -> s.CsvContent:
    rows = _rows_from_text(text)
    return s.CsvContent(
        columns=[str(c) for c in rows[0]],
        rows=[list(r) for r in rows[1:]],
        summary=f"{len(rows) - 1} rows",
    )


def content_for(kind: str, content: Any, *, fallback_title: str) -> s.ArtifactBase:
    """The content model a writer renders, from the agent's string or object."""
    if isinstance(content, dict):
        data = dict(content)
        if kind in ("md", "txt") and "text" in data:
            content = str(data["text"])
        else:
            model = s.CONTENT_BY_KIND.get(kind)
            if model is None:
                raise ContentError(f".{kind} files cannot be written with write_file")
            data.setdefault("summary", "")
            if kind in ("docx", "pptx"):
                data.setdefault("title", fallback_title)
            try:
                return model.model_validate(data)
            except ValidationError as exc:
                raise ContentError(
                    f"content does not fit a .{kind} file: {_validation_text(exc)}"
                ) from None
    if not isinstance(content, str):
        raise ContentError("content must be a string or an object")
    if not content.strip():
        raise ContentError("content is empty")
    try:
        if kind in ("md", "txt"):
            return s.TextContent(text=content, summary=_summary(content))
        if kind == "docx":
            return document_from_text(content, fallback_title)
        if kind == "pptx":
            return presentation_from_text(content, fallback_title)
        if kind == "xlsx":
            return workbook_from_text(content)
        if kind == "csv":
            return csv_from_text(content)
    except ValidationError as exc:
        raise ContentError(
            f"content does not fit a .{kind} file: {_validation_text(exc)}"
        ) from None
    raise ContentError(
        f".{kind} files cannot be written with write_file; writable kinds are "
        "docx, xlsx, pptx, md, txt and csv"
    )


# -- editing files in place -----------------------------------------------------------------


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
    return _number(find) == value


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
            new = value.replace(find, replace) if isinstance(value, str) else _number(replace)
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
        new = _number(value) if isinstance(value, str) else value
        sheet[f"{match['col'].upper()}{match['row']}"] = cell_value(new)
        count += 1
    for line in append.splitlines():
        if line.strip():
            delimiter = "\t" if "\t" in line else ","
            values = next(csv.reader([line], delimiter=delimiter))
            book.worksheets[0].append([cell_value(_number(c)) for c in values])
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
