"""pptx: slide titles, bullets with their levels, tables and speaker notes, and the slides'
proportions (so the preview draws each slide in its shape), via python-pptx.

Callers go through studio.artifacts.readers, which checks the zip first.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.artifacts.readers.types import (
    SLIDE_SHAPES,
    Preview,
    PreviewLimits,
    SlidePreview,
    nearest_shape,
)


def _pptx_slides(
    path: Path, limits: PreviewLimits, result: Preview | None
) -> Iterator[SlidePreview]:
    from pptx import Presentation

    presentation = Presentation(str(path))
    if result is not None and presentation.slide_width and presentation.slide_height:
        result.slide_shape = nearest_shape(
            presentation.slide_width, presentation.slide_height, SLIDE_SHAPES
        )
    slides = presentation.slides
    for number, slide in enumerate(slides, start=1):
        if number > limits.max_slides:
            if result is not None:
                result.note(f"Showing the first {limits.max_slides} of {len(slides)} slides.")
            return
        yield _slide_preview(number, slide)


def _slide_preview(number: int, slide: Any) -> SlidePreview:
    title_shape = slide.shapes.title
    title = title_shape.text_frame.text.strip() if title_shape is not None else ""
    title_id = title_shape.shape_id if title_shape is not None else None
    bullets: list[str] = []
    levels: list[int] = []
    tables: list[list[list[str]]] = []
    for shape in _iter_shapes(slide.shapes):
        if shape.shape_id == title_id:
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            tables.append([[cell.text.strip() for cell in row.cells] for row in shape.table.rows])
            continue
        for text, level in _shape_lines(shape):
            bullets.append(text)
            levels.append(level)
    notes = ""
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = slide.notes_slide.notes_text_frame.text.strip()
    return SlidePreview(
        number=number, title=title, bullets=bullets, levels=levels, notes=notes, tables=tables
    )


def _iter_shapes(shapes: Any) -> Iterator[Any]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _iter_shapes(shape.shapes)
        else:
            yield shape


def _shape_lines(shape: Any) -> Iterator[tuple[str, int]]:
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        for paragraph in shape.text_frame.paragraphs:
            text = paragraph.text.strip()
            if text:
                yield text, paragraph.level


def pptx_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="pptx")
    result.slides = list(_pptx_slides(path, limits, result))
    return result


def pptx_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    unbounded = PreviewLimits(
        max_slides=10_000, max_decompressed_bytes=limits.max_decompressed_bytes
    )
    for slide in _pptx_slides(path, unbounded, None):
        lines = [f"Slide {slide.number}: {slide.title}".rstrip()]
        lines += [
            f"{'  ' * level}- {text}"
            for text, level in zip(slide.bullets, slide.levels, strict=True)
        ]
        lines += [" | ".join(row) for table in slide.tables for row in table]
        if slide.notes:
            lines.append(f"Notes: {slide.notes}")
        yield "\n".join(lines) + "\n\n"
