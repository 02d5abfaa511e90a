"""pptx through python-pptx: a title slide, then a slide per section with bullets, a table
or a chart, and speaker notes."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import math
from collections.abc import Iterator
from typing import IO, Any

from studio.artifacts.writers.common import Meta, format_cell, pad, save_stably, xml_text
from studio.generation.schemas import Chart, PresentationContent, Slide, Table

_TITLE_LAYOUT, _CONTENT_LAYOUT = 0, 1
_MAX_TABLE_ROWS = 14  # more rows than this do not fit a slide legibly


def write_pptx(stream: IO[bytes], content: PresentationContent, meta: Meta) -> None:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(_template()))
    _title_slide(deck, content)
    body = deck.slide_layouts[_CONTENT_LAYOUT].placeholders[1]
    # Where the layout puts the body: read once, a slide's placeholder inherits it slowly.
    area = (body.left, body.top, body.width, body.height)
    for slide in content.slides:
        _content_slide(deck, slide, area, meta.when)
    props = deck.core_properties
    props.title = xml_text(meta.title)[:255]
    props.author = props.last_modified_by = xml_text(meta.author)[:255]
    props.created = props.modified = meta.when
    props.revision = 1
    props.comments = ""
    save_stably(deck.save, stream)


@functools.cache
def _template() -> bytes:
    """python-pptx's default deck without the nine layouts no deck of ours uses."""
    from pptx import Presentation

    deck = Presentation()
    layouts = deck.slide_layouts
    for index, layout in reversed(list(enumerate(layouts))):
        if index not in (_TITLE_LAYOUT, _CONTENT_LAYOUT):
            layouts.remove(layout)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _title_slide(deck: Any, content: PresentationContent) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_LAYOUT])
    slide.shapes.title.text = xml_text(content.title)
    subtitle = slide.placeholders[1]
    if content.subtitle.strip():
        subtitle.text = xml_text(content.subtitle)
    else:
        _remove_shape(subtitle)


def _content_slide(
    deck: Any, data: Slide, area: tuple[int, int, int, int], when: dt.datetime
) -> None:
    from pptx.enum.text import MSO_AUTO_SIZE

    slide = deck.slides.add_slide(deck.slide_layouts[_CONTENT_LAYOUT])
    slide.shapes.title.text = xml_text(data.title)
    body = slide.placeholders[1]
    items = [item for item in data.bullets if item.strip()]
    visual = data.table is not None or data.chart is not None
    if items:
        if visual:  # bullets on the left third, the table or chart beside them
            left, top, width, height = area
            body.left, body.top, body.width, body.height = left, top, width // 3, height
            area = (left + width // 3, top, width - width // 3, height)
        frame = body.text_frame
        # Lets PowerPoint/LibreOffice shrink long bullet lists instead of overflowing.
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        frame.paragraphs[0].text = xml_text(items[0])
        for item in items[1:]:
            frame.add_paragraph().text = xml_text(item)
    else:
        _remove_shape(body)
    if data.table is not None:
        _table(slide, data.table, area)
    elif data.chart is not None:
        _chart(slide, data.chart, area, when)
    if data.notes.strip():
        slide.notes_slide.notes_text_frame.text = xml_text(data.notes)


def _remove_shape(shape: Any) -> None:
    # An empty placeholder shows "Click to add text" in editors; a real deck would not.
    element = shape._element
    element.getparent().remove(element)


def _table(slide: Any, data: Table, area: tuple[int, int, int, int]) -> None:
    from pptx.util import Pt

    rows = [data.columns, *data.rows[:_MAX_TABLE_ROWS]]
    columns = len(data.columns)
    left, top, width, _ = area
    height = min(area[3], len(rows) * Pt(26))
    table = slide.shapes.add_table(len(rows), columns, left, top, width, height).table
    size = Pt(14 if len(rows) <= 8 else 11)
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, pad(values, columns), strict=True):
            cell.text = xml_text(format_cell(value))
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = size


def _chart(slide: Any, data: Chart, area: tuple[int, int, int, int], when: dt.datetime) -> None:
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION

    chart_type = {
        "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
        "bar": XL_CHART_TYPE.BAR_CLUSTERED,
        "line": XL_CHART_TYPE.LINE_MARKERS,
        "pie": XL_CHART_TYPE.PIE,
    }[data.type]
    chart_data = _dated_chart_data(when)
    chart_data.categories = [xml_text(name) for name in data.categories]
    series = data.series[:1] if data.type == "pie" else data.series
    for one in series:
        values = [v if v is not None and math.isfinite(v) else None for v in one.values]
        chart_data.add_series(xml_text(one.name), pad(values, len(data.categories)))
    chart = slide.shapes.add_chart(chart_type, *area, chart_data).chart
    if data.title.strip():
        chart.has_title = True
        chart.chart_title.text_frame.text = xml_text(data.title)
    else:
        chart.has_title = False
    chart.has_legend = data.type == "pie" or len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False


def _dated_chart_data(when: dt.datetime) -> Any:
    """Chart data whose embedded workbook is dated like the deck: xlsxwriter, which python-pptx
    writes it with, dates it with the clock, and the same deck would differ byte for byte."""
    from pptx.chart.data import CategoryChartData
    from pptx.chart.xlsx import CategoryWorkbookWriter

    class DatedWorkbookWriter(CategoryWorkbookWriter):
        @contextlib.contextmanager
        def _open_worksheet(self, xlsx_file: Any) -> Iterator[Any]:
            with super()._open_worksheet(xlsx_file) as (workbook, worksheet):
                workbook.set_properties({"created": when.replace(tzinfo=dt.UTC)})
                yield workbook, worksheet

    class DatedChartData(CategoryChartData):
        @property
        def _workbook_writer(self) -> Any:
            return DatedWorkbookWriter(self)

    return DatedChartData()
