"""Turning what an agent writes into real files (editing existing ones: ``office_edits``).

``write_file`` accepts either the studio's content models (the same ones generation uses,
rendered by studio.artifacts.writers) or plain text with light Markdown, which is what most
models find natural: '#' headings, '-' bullets, '1.' numbered items and '|' tables for
documents; '## Slide title' sections for presentations; comma- or tab-separated lines for
workbooks.
"""

from __future__ import annotations

import csv
import re
from typing import Any

from pydantic import ValidationError

from studio.generation import schemas as s

_NUMBERED = re.compile(r"^\d+[.)]\s+")


class ContentError(ValueError):
    """Content an agent proposed that cannot become a file; the message tells it why."""


def _summary(text: str) -> str:
    first = next((line.strip("#-* \t") for line in text.splitlines() if line.strip()), "")
    return first[:200]


def validation_text(exc: ValidationError, whole: str = "(content)") -> str:
    """A model's invalid content or arguments, said back to it in one line (``whole`` names
    an error about the value as a whole)."""
    parts = []
    for err in exc.errors()[:8]:
        where = ".".join(str(p) for p in err.get("loc", ())) or whole
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


def number_or_text(text: str) -> Any:
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
                    [number_or_text(c) if c.startswith("=") else c for c in row[:width]]
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
    header, body = rows[0], [[number_or_text(c) for c in row] for row in rows[1:]]
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
                    f"content does not fit a .{kind} file: {validation_text(exc)}"
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
        raise ContentError(f"content does not fit a .{kind} file: {validation_text(exc)}") from None
    raise ContentError(
        f".{kind} files cannot be written with write_file; writable kinds are "
        "docx, xlsx, pptx, md, txt and csv"
    )
