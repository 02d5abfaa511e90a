"""Plain text of generated content, for the search index, without re-reading the file."""

from __future__ import annotations

from studio.generation import schemas as s


def _cells(rows) -> list[str]:
    return ["\t".join("" if v is None else str(v) for v in row) for row in rows]


def content_text(content: s.ArtifactBase, *, limit: int = 50_000) -> str:
    parts: list[str] = []
    if isinstance(content, s.DocumentContent):
        parts.append(content.title)
        for block in content.blocks:
            parts.append(block.text)
            parts.extend(block.items)
            if block.table:
                parts.append("\t".join(block.table.columns))
                parts.extend(_cells(block.table.rows))
    elif isinstance(content, s.WorkbookContent):
        for sheet in content.sheets:
            parts.append(f"Sheet: {sheet.name}")
            parts.append("\t".join(sheet.columns))
            parts.extend(_cells(sheet.rows))
    elif isinstance(content, s.PresentationContent):
        parts += [content.title, content.subtitle]
        for slide in content.slides:
            parts.append(slide.title)
            parts.extend(slide.bullets)
            parts.append(slide.notes)
    elif isinstance(content, s.TextContent):
        parts.append(content.text)
    elif isinstance(content, s.CsvContent):
        parts.append(",".join(content.columns))
        parts.extend(_cells(content.rows))
    elif isinstance(content, s.EmailContent):
        parts += [content.subject, content.body]
    elif isinstance(content, s.CalendarContent):
        for event in content.events:
            parts.append(f"{event.start:%Y-%m-%d %H:%M} {event.title} {event.location}")
    text = "\n".join(p for p in parts if p)
    return text[:limit]
