"""Render generated content into real files: docx, xlsx, pptx, pdf, md, txt, csv, eml, ics.

This is on the hot path of building computers (thousands of files each), so writers avoid
per-cell work where a column- or document-level setting does the job, and the PDF writer lays
out text itself because fpdf2's multi_cell line breaking is quadratic per line.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
import io
import logging
import math
import os
import re
import secrets
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as xml_escape

from studio.generation.schemas import (
    CONTENT_BY_KIND,
    ArtifactBase,
    CalendarContent,
    CalendarEvent,
    CellValue,
    CsvContent,
    DocBlock,
    DocumentContent,
    EmailContent,
    EmailEnvelope,
    Person,
    PresentationContent,
    Sheet,
    Slide,
    Table,
    TextContent,
    WorkbookContent,
)

__all__ = ["write_artifact", "format_cell", "WRITERS"]

logger = logging.getLogger(__name__)

PRODID = "-//Synthetic Computers Studio//Artifact Writer//EN"
SYNTHETIC_DOMAIN = "synthetic-computers.studio"


@dataclass(frozen=True)
class _Meta:
    """Document properties shared by every writer."""

    title: str
    author: str
    when: dt.datetime  # naive UTC
    envelope: EmailEnvelope | None


Writer = Callable[[IO[bytes], Any, _Meta], None]


def write_artifact(
    path: Path,
    kind: str,
    content: ArtifactBase,
    *,
    envelope: EmailEnvelope | None = None,
    author: str = "",
    mtime: dt.datetime | None = None,
) -> int:
    """Write `content` as a `kind` file at `path` atomically and return its size in bytes.

    Naive datetimes (mtime, envelope dates, event times) are taken as UTC for timestamps.
    """
    path = Path(path)
    writer = WRITERS.get(kind)
    if writer is None:
        raise ValueError(f"unsupported artifact kind: {kind!r}")
    expected = CONTENT_BY_KIND[kind]
    if not isinstance(content, expected):
        raise TypeError(f"{kind} needs {expected.__name__}, got {type(content).__name__}")
    when = _utc_naive(mtime) if mtime else dt.datetime.now(dt.UTC).replace(tzinfo=None)
    meta = _Meta(title=_title_of(content, path), author=author, when=when, envelope=envelope)
    return _atomic_write(path, lambda stream: writer(stream, content, meta), mtime)


def _atomic_write(
    path: Path, produce: Callable[[IO[bytes]], None], mtime: dt.datetime | None
) -> int:
    """Write via a temp file in the same directory so readers never see a partial file.

    No fsync: generated files are reproducible from the DB, and an fsync per file would
    dominate the cost of generating thousands of them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # 0o666 lets the process umask decide permissions, like a plain open() would.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            produce(stream)
            stream.flush()
            size = os.fstat(stream.fileno()).st_size
        if mtime is not None:
            stamp = _aware(mtime).timestamp()
            os.utime(temp, (stamp, stamp))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return size


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class _ZipMember:
    """A file of a zip package, deflated once (a template's constant parts are kept so)."""

    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate stream

    @classmethod
    def of(cls, name: str, data: bytes) -> _ZipMember:
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(
            name.encode(), zlib.crc32(data), len(data), deflate.compress(data) + deflate.flush()
        )


_DOS_DATE_1980 = (1 << 5) | 1  # 1980-01-01, the zip format's epoch (zipfile's own default)


def _write_zip(stream: IO[bytes], members: list[_ZipMember]) -> None:
    """A plain zip archive (deflate, no zip64: packages here are small) from members that are
    compressed already; zipfile can only compress them again."""
    offset, directory = 0, []
    for m in members:
        fields = (8, 0, _DOS_DATE_1980, m.crc, len(m.data), m.size, len(m.name), 0)
        header = struct.pack("<IHH" + "HHHIIIHH", 0x04034B50, 20, 0, *fields)
        stream.write(header + m.name)
        stream.write(m.data)
        directory.append(
            struct.pack(
                "<IHHH" + "HHHIIIHH" + "HHHII", 0x02014B50, 20, 20, 0, *fields, 0, 0, 0, 0, offset
            )
            + m.name
        )
        offset += len(header) + len(m.name) + len(m.data)
    listing = b"".join(directory)
    stream.write(listing)
    stream.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(listing), offset, 0
        )
    )


# -- shared helpers ----------------------------------------------------------------------


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _utc_naive(value: dt.datetime) -> dt.datetime:
    return _aware(value).astimezone(dt.UTC).replace(tzinfo=None)


def _title_of(content: ArtifactBase, path: Path) -> str:
    title = getattr(content, "title", "") or getattr(content, "subject", "")
    return str(title or path.stem)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry; lxml and Office refuse them."""
    return _XML_ILLEGAL.sub("", text)


def format_cell(value: CellValue) -> str:
    """Display text for a cell value in text-only formats (docx/pdf tables, csv)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")
    return str(value)


_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def _bold_spans(text: str) -> Iterator[tuple[str, bool]]:
    """Split '**bold**' markup, which models put in prose, into (text, bold) runs."""
    position = 0
    for match in _BOLD_RE.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], False
        yield match.group(1), True
        position = match.end()
    if position < len(text):
        yield text[position:], False


# -- docx --------------------------------------------------------------------------------


def _write_docx(stream: IO[bytes], content: DocumentContent, meta: _Meta) -> None:
    """The document's XML is written as text into the slim template's package, whose other
    parts are copied already compressed: opening the template with python-docx, building the
    body element by element and saving (deflating every part again) took 26 ms for a
    13-block document on a 2-core box, a tenth of a simulated worker's CPU; this, 0.8 ms."""
    template = _docx_template()
    body = _DocxBody(template)
    body.paragraph(content.title, "Title", rich=False)
    for block in content.blocks:
        body.block(block)
    parts = {
        "word/document.xml": template.document_head + "".join(body.xml) + template.document_tail,
        "docProps/core.xml": _core_xml(meta),
    }
    if body.extra_nums:
        numbering = template.numbering
        at = numbering.rindex("</w:numbering>")
        parts["word/numbering.xml"] = numbering[:at] + "".join(body.extra_nums) + numbering[at:]
    _write_zip(
        stream,
        [
            _ZipMember.of(name, parts[name].encode()) if name in parts else member
            for name, member in template.members
        ],
    )


def _core_xml(meta: _Meta) -> str:
    """docProps/core.xml of a docx, pptx or xlsx package."""
    when = meta.when.strftime("%Y-%m-%dT%H:%M:%SZ")
    author = xml_escape(_xml_text(meta.author)[:255])
    modified_by = f"<cp:lastModifiedBy>{author}</cp:lastModifiedBy>" if author else ""
    return (
        _XML_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
        '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{xml_escape(_xml_text(meta.title)[:255])}</dc:title>"
        f"<dc:creator>{author}</dc:creator>{modified_by}<cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>"
    )


_DOCX_STYLES = (
    "Title",
    *(f"Heading {level}" for level in range(1, 10)),
    "List Bullet",
    "List Number",
    "Caption",
)


@dataclass(frozen=True)
class _DocxTemplate:
    """python-docx's default template, slimmed, as the parts a document is written into."""

    members: list[tuple[str, _ZipMember]]  # in package order, compressed
    document_head: str  # word/document.xml up to the body's content
    document_tail: str  # the section properties and the closing tags
    numbering: str  # word/numbering.xml
    style_ids: dict[str, str]  # style name -> id, for the styles documents use
    table_style_id: str | None
    list_number_abstract_id: int | None
    first_free_num_id: int
    block_width_emu: int


@functools.cache
def _docx_template() -> _DocxTemplate:
    """Built once per process. Styles are referred to by id: resolving a name is a scan of
    every style in python-docx."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    style_ids = {}
    for name in (*_DOCX_STYLES, _DOCX_TABLE_STYLE):
        with contextlib.suppress(KeyError):
            style_ids[name] = document.styles[name].style_id
    table_style_id = style_ids.pop(_DOCX_TABLE_STYLE, None)
    _slim_template(document, keep_table_styles={"TableNormal", table_style_id})
    numbering = document.part.numbering_part.element
    abstract_id = None
    style = document.styles["List Number"].element if "List Number" in style_ids else None
    num_pr = style.pPr.numPr if style is not None and style.pPr is not None else None
    if num_pr is not None and num_pr.numId is not None:
        abstract_id = numbering.num_having_numId(num_pr.numId.val).abstractNumId.val
    used = {int(n) for n in numbering.xpath("./w:num/@w:numId")}
    block_width = document._block_width
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        texts = {name: package.read(name) for name in package.namelist()}
    main = texts["word/document.xml"].decode()
    at = main.index("<w:sectPr")
    return _DocxTemplate(
        members=[(name, _ZipMember.of(name, data)) for name, data in texts.items()],
        document_head=main[:at],
        document_tail=main[at:],
        numbering=texts["word/numbering.xml"].decode(),
        style_ids=style_ids,
        table_style_id=table_style_id,
        list_number_abstract_id=abstract_id,
        first_free_num_id=max(used, default=0) + 1,
        block_width_emu=block_width,
    )


_DROPPED_RELATIONSHIPS = ("/stylesWithEffects", "/thumbnail", "/customXml")


def _slim_template(document: Any, keep_table_styles: set[str | None]) -> None:
    """Drop what python-docx's template carries that no document of ours uses.

    The template ships 100 table styles (~300 KB of XML), a Word 2010 styles copy and a
    thumbnail of itself. Every reader (Word, LibreOffice, mammoth in our own preview) parses
    the styles on open: this halves file size and makes mammoth previews ~5x faster.
    """
    from docx.oxml.ns import qn

    styles = document.styles.element
    for style in styles.findall(qn("w:style")):
        if (
            style.get(qn("w:type")) == "table"
            and style.get(qn("w:styleId")) not in keep_table_styles
        ):
            styles.remove(style)
    for rels in (document.part.rels, document.part.package.rels):
        for rel_id, rel in list(rels.items()):
            if rel.reltype.endswith(_DROPPED_RELATIONSHIPS):
                del rels[rel_id]


_DOCX_TABLE_STYLE = "Light Grid Accent 1"


class _DocxBody:
    """A document's body as WordprocessingML text, block by block."""

    def __init__(self, template: _DocxTemplate) -> None:
        self.template = template
        self.xml: list[str] = []
        self.extra_nums: list[str] = []  # w:num elements for lists after the first
        self._numbered_lists = 0

    def block(self, block: DocBlock) -> None:
        if block.type == "heading":
            self.paragraph(block.text, f"Heading {block.level}", rich=False)
        elif block.type == "paragraph":
            for chunk in block.text.split("\n\n"):
                self.paragraph(chunk, None)
        elif block.type == "bullets":
            self._intro(block)
            for item in block.items:
                self.paragraph(item, "List Bullet")
        elif block.type == "numbered":
            self._intro(block)
            num_id = self._next_num_id()
            for item in block.items:
                self.paragraph(item, "List Number", num_id=num_id)
        elif block.type == "table":
            if block.text.strip():
                self.paragraph(block.text, "Caption", rich=False)
            if block.table is not None:
                self.xml.append(
                    _docx_table_xml(
                        block.table, self.template.table_style_id, self.template.block_width_emu
                    )
                )

    def paragraph(
        self, text: str, style: str | None, *, rich: bool = True, num_id: int | None = None
    ) -> None:
        style_id = self.template.style_ids.get(style) if style else None
        props = f'<w:pStyle w:val="{style_id}"/>' if style_id else ""
        if num_id is not None:
            props += f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
        runs = _bold_spans(text) if rich else [(text, False)]
        self.xml.append(
            f"<w:p><w:pPr>{props}</w:pPr>" if props else "<w:p>",
        )
        self.xml.extend(_docx_run_xml(chunk, bold=bold) for chunk, bold in runs)
        self.xml.append("</w:p>")

    def _intro(self, block: DocBlock) -> None:
        if block.text.strip():
            self.paragraph(block.text, None)

    def _next_num_id(self) -> int | None:
        """A fresh w:num per numbered list so each restarts at 1.

        Every "List Number" paragraph shares the style's numbering instance, so without this
        a second list would continue counting from the first.
        """
        self._numbered_lists += 1
        abstract_id = self.template.list_number_abstract_id
        if self._numbered_lists == 1 or abstract_id is None:
            return None  # the style's own numbering starts at 1
        num_id = self.template.first_free_num_id + len(self.extra_nums)
        self.extra_nums.append(
            f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        )
        return num_id


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_EMU_PER_TWIP = 635


def _docx_table_xml(data: Table, style_id: str | None, block_width_emu: int) -> str:
    columns = len(data.columns)
    col_width = int(block_width_emu / _EMU_PER_TWIP / columns)
    style = f'<w:tblStyle w:val="{xml_escape(style_id, _ATTR)}"/>' if style_id else ""
    # tblLook 0420 = header-row formatting on, banded columns off, first column plain.
    parts = [
        f'<w:tbl xmlns:w="{_W_NS}"><w:tblPr>{style}<w:tblW w:type="auto" w:w="0"/>'
        '<w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
        f'<w:gridCol w:w="{col_width}"/>' * columns,
        "</w:tblGrid>",
    ]
    cell_props = f'<w:tcPr><w:tcW w:type="dxa" w:w="{col_width}"/></w:tcPr>'
    for index, values in enumerate([data.columns, *data.rows]):
        # The header row repeats on every page a long table spans.
        parts.append("<w:tr><w:trPr><w:tblHeader/></w:trPr>" if index == 0 else "<w:tr>")
        for value in _pad(values, columns):
            parts.append(f"<w:tc>{cell_props}<w:p>{_docx_run_xml(format_cell(value))}</w:p></w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


_ATTR = {'"': "&quot;"}


def _docx_run_xml(text: str, *, bold: bool = False) -> str:
    """A run of text; line breaks and tabs become Word's (as python-docx writes them)."""
    if not text:
        return ""
    text = _xml_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for line in text.split("\n"):
        cells = (
            f'<w:t xml:space="preserve">{xml_escape(c)}</w:t>' if c else ""
            for c in line.split("\t")
        )
        lines.append("<w:tab/>".join(cells))
    return f"<w:r>{'<w:rPr><w:b/></w:rPr>' if bold else ''}{'<w:br/>'.join(lines)}</w:r>"


def _pad(values: list[CellValue], width: int) -> list[CellValue]:
    if len(values) >= width:
        return values[:width]
    return [*values, *([None] * (width - len(values)))]


# -- xlsx --------------------------------------------------------------------------------

XLSX_MAX_CELL_CHARS = 32_767  # Excel's hard limit; longer text makes Excel "repair" the file
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _write_xlsx(stream: IO[bytes], content: WorkbookContent, meta: _Meta) -> None:
    """SpreadsheetML written as text: sheets with shared strings, a bold header row frozen in
    place, column widths and the columns' number formats. openpyxl's write-only workbook took
    ~14 ms for two small sheets on a 2-core box (its style and theme machinery, per file);
    this, well under one. Values follow openpyxl's rules: a string starting with "=" is a
    formula unless it is a lone "=", booleans and numbers are typed, None leaves no cell."""
    book = _XlsxBook()
    used: set[str] = set()
    sheets = [(_sheet_title(sheet.name, used), book.sheet_xml(sheet)) for sheet in content.sheets]
    parts = {
        "[Content_Types].xml": _XLSX_TYPES.format(
            "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for n in range(1, len(sheets) + 1)
            )
        ),
        "_rels/.rels": _XLSX_ROOT_RELS,
        "docProps/app.xml": _XLSX_APP,
        "docProps/core.xml": _core_xml(meta),
        "xl/workbook.xml": _XLSX_WORKBOOK.format(
            "".join(
                f'<sheet name="{xml_escape(title, _ATTR)}" sheetId="{n}" r:id="rId{n}"/>'
                for n, (title, _) in enumerate(sheets, 1)
            )
        ),
        "xl/_rels/workbook.xml.rels": _opc_rels(
            [("worksheet", f"worksheets/sheet{n}.xml") for n in range(1, len(sheets) + 1)]
            + [("styles", "styles.xml"), ("sharedStrings", "sharedStrings.xml")]
        ),
        "xl/styles.xml": book.styles_xml(),
        "xl/sharedStrings.xml": book.strings_xml(),
        **{f"xl/worksheets/sheet{n}.xml": xml for n, (_, xml) in enumerate(sheets, 1)},
    }
    _write_zip(stream, [_ZipMember.of(name, text.encode()) for name, text in parts.items()])


_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_TYPES = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.extended-properties+xml"/>{}</Types>'
)
_XLSX_ROOT_RELS = (
    _XML_HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/extended-properties" Target="docProps/app.xml"/></Relationships>'
)
_XLSX_APP = (
    _XML_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>Microsoft Excel</Application></Properties>'
)
_XLSX_WORKBOOK = (
    _XML_HEAD + f'<workbook xmlns="{_SML}" xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships"><bookViews><workbookView/></bookViews>'
    "<sheets>{}</sheets></workbook>"
)


class _XlsxBook:
    """Shared strings and cell styles across a workbook's sheets."""

    def __init__(self) -> None:
        self.strings: dict[str, int] = {}
        self.formats: dict[str, int] = {}  # number format -> cell style index (2, 3, ...)

    def string(self, text: str) -> int:
        return self.strings.setdefault(text, len(self.strings))

    def style(self, number_format: str) -> int:
        return self.formats.setdefault(number_format, len(self.formats) + 2)

    def sheet_xml(self, sheet: Sheet) -> str:
        from openpyxl.utils import get_column_letter

        widths = _column_widths(sheet)
        letters = [get_column_letter(n) for n in range(1, max(len(widths), 1) + 1)]
        formats = dict(_column_formats(sheet))
        rows = []
        for r, values in enumerate([sheet.columns, *sheet.rows], 1):
            cells = []
            for index, raw in enumerate(values):
                value = _xlsx_value(raw)
                if value is None:
                    continue
                if index >= len(letters):
                    letters.extend(get_column_letter(n) for n in range(len(letters) + 1, index + 2))
                if r == 1:
                    style = ' s="1"'
                elif index in formats:
                    style = f' s="{self.style(formats[index])}"'
                else:
                    style = ""
                cells.append(self._cell(f"{letters[index]}{r}", value, style))
            rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width:g}" customWidth="1"/>'
            for n, width in enumerate(widths, 1)
        )
        return (
            _XML_HEAD + f'<worksheet xmlns="{_SML}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}'
            f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
        )

    def _cell(self, ref: str, value: CellValue, style: str) -> str:
        if isinstance(value, bool):
            return f'<c r="{ref}" t="b"{style}><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):  # whole floats as integers, as openpyxl wrote them
            return f'<c r="{ref}"{style}><v>{format_cell(value)}</v></c>'
        if value.startswith("=") and len(value.strip()) > 1:  # a lone "=" stays text
            return f'<c r="{ref}"{style}><f>{xml_escape(value[1:])}</f><v></v></c>'
        return f'<c r="{ref}" t="s"{style}><v>{self.string(value)}</v></c>'

    def strings_xml(self) -> str:
        items = "".join(
            f'<si><t xml:space="preserve">{xml_escape(text)}</t></si>' for text in self.strings
        )
        count = len(self.strings)
        return (
            _XML_HEAD + f'<sst xmlns="{_SML}" count="{count}" uniqueCount="{count}">{items}</sst>'
        )

    def styles_xml(self) -> str:
        from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE

        custom, xfs = [], []
        for number_format in self.formats:
            fmt_id = BUILTIN_FORMATS_REVERSE.get(number_format)
            if fmt_id is None:
                fmt_id = 164 + len(custom)
                custom.append(
                    f'<numFmt numFmtId="{fmt_id}" formatCode="{xml_escape(number_format, _ATTR)}"/>'
                )
            xfs.append(
                f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
            )
        num_fmts = f'<numFmts count="{len(custom)}">{"".join(custom)}</numFmts>' if custom else ""
        return (
            _XML_HEAD + f'<styleSheet xmlns="{_SML}">{num_fmts}'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/>'
            '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
            '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{2 + len(xfs)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            f'{"".join(xfs)}</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
            'builtinId="0"/></cellStyles></styleSheet>'
        )


def _sheet_title(name: str, used: set[str]) -> str:
    """Excel refuses []:*?/\\ in sheet names, more than 31 chars and case-blind duplicates."""
    base = _SHEET_NAME_BAD.sub("-", _xml_text(name)).strip("'").strip() or "Sheet"
    base = base[:31]
    title, counter = base, 2
    while title.casefold() in used:
        suffix = f" ({counter})"
        title = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(title.casefold())
    return title


def _xlsx_value(value: CellValue) -> CellValue:
    if isinstance(value, str):
        return _xml_text(value)[:XLSX_MAX_CELL_CHARS]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no NaN or infinity; writing one corrupts the sheet
    return value


def _column_formats(sheet: Sheet) -> list[tuple[int, str]]:
    if not sheet.number_formats:
        return []
    by_name = {name.strip().casefold(): fmt for name, fmt in sheet.number_formats.items()}
    formats = []
    for index, column in enumerate(sheet.columns):
        number_format = sheet.number_formats.get(column) or by_name.get(column.strip().casefold())
        if number_format:
            formats.append((index, number_format))
    return formats


def _column_widths(sheet: Sheet, sample_rows: int = 200) -> list[float]:
    """Width from the header and a sample of rows: wide enough to read, never absurd."""
    widths = [len(str(name)) + 4 for name in sheet.columns]  # +4 leaves room for the filter icon
    extra = 3 if sheet.number_formats else 1
    for row in sheet.rows[:sample_rows]:
        for index, value in enumerate(row[: len(widths)]):
            if isinstance(value, str) and value.startswith("="):
                length = 12
            else:
                length = len(format_cell(value)) + extra
            if length > widths[index]:
                widths[index] = length
    return [float(min(max(width, 8), 60)) for width in widths]


# -- pptx --------------------------------------------------------------------------------

_TITLE_LAYOUT, _CONTENT_LAYOUT = 0, 1


def _write_pptx(stream: IO[bytes], content: PresentationContent, meta: _Meta) -> None:
    """Slides are written as text from slides python-pptx made once with placeholder texts
    (``_pptx_template``): adding slides and notes through python-pptx clones placeholders
    with hundreds of XPath queries: 88 ms for an 8-slide deck with notes; this, 2.3 ms.
    (The placeholders are whole <a:p> elements: escaped text cannot forge one.)"""
    template = _pptx_template()
    title_slide = template.titled if content.subtitle.strip() else template.title_only
    slides = [
        (
            title_slide.replace(template.title, _pptx_paragraphs(content.title)).replace(
                template.subtitle, _pptx_paragraphs(content.subtitle)
            ),
            template.title_layout,
            "",
        )
    ]
    for slide in content.slides:
        items = [item for item in slide.bullets if item.strip()]
        xml = (template.bulleted if items else template.bare).replace(
            template.title, _pptx_paragraphs(slide.title)
        )
        bullets = "".join(_pptx_paragraph(item) for item in items)
        slides.append((xml.replace(template.bullet, bullets), template.content_layout, slide.notes))
    parts: dict[str, str] = {}
    overrides, sld_ids, pres_rels = [], [], []
    for number, (xml, layout, notes) in enumerate(slides, 1):
        name = f"ppt/slides/slide{number}.xml"
        rels = [("slideLayout", f"../slideLayouts/{layout}")]
        overrides.append((name, "slide"))
        if notes.strip():
            notes_name = f"ppt/notesSlides/notesSlide{number}.xml"
            rels.append(("notesSlide", f"../notesSlides/notesSlide{number}.xml"))
            parts[notes_name] = template.notes.replace(template.note, _pptx_paragraphs(notes))
            parts[f"ppt/notesSlides/_rels/notesSlide{number}.xml.rels"] = _opc_rels(
                [
                    ("notesMaster", f"../notesMasters/{template.notes_master}"),
                    ("slide", f"../slides/slide{number}.xml"),
                ]
            )
            overrides.append((notes_name, "notesSlide"))
        parts[name] = xml
        parts[f"ppt/slides/_rels/slide{number}.xml.rels"] = _opc_rels(rels)
        rel_id = f"rId{template.first_free_rel + number - 1}"
        sld_ids.append(f'<p:sldId id="{255 + number}" r:id="{rel_id}"/>')
        pres_rels.append(
            f'<Relationship Id="{rel_id}" Type="{_OPC_REL}slide" Target="slides/slide{number}.xml"/>'
        )
    head = {
        "[Content_Types].xml": template.content_types.replace(
            "</Types>",
            "".join(
                f'<Override PartName="/{name}" ContentType="application/vnd.openxmlformats-'
                f'officedocument.presentationml.{kind}+xml"/>'
                for name, kind in overrides
            )
            + "</Types>",
        ),
        "ppt/presentation.xml": template.presentation.replace(
            "<p:sldIdLst/>", f"<p:sldIdLst>{''.join(sld_ids)}</p:sldIdLst>"
        ),
        "ppt/_rels/presentation.xml.rels": template.presentation_rels.replace(
            "</Relationships>", "".join(pres_rels) + "</Relationships>"
        ),
        "docProps/core.xml": _core_xml(meta),
    }
    _write_zip(
        stream,
        [
            _ZipMember.of(name, head[name].encode()) if name in head else member
            for name, member in template.members
        ]
        + [_ZipMember.of(name, xml.encode()) for name, xml in parts.items()],
    )


_OPC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_PPTX_CTRL = re.compile(r"[\x00-\x08\x0B-\x1F]")


def _opc_rels(rels: list[tuple[str, str]]) -> str:
    return (
        _XML_HEAD
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_OPC_REL}{kind}" Target="{target}"/>'
            for n, (kind, target) in enumerate(rels, 1)
        )
        + "</Relationships>"
    )


def _pptx_paragraphs(text: str) -> str:
    """A text frame's text as python-pptx sets it: a paragraph per line."""
    return "".join(_pptx_paragraph(line) for line in _xml_text(text).split("\n"))


def _pptx_paragraph(text: str) -> str:
    """One paragraph as python-pptx writes it: runs split at line breaks (vertical tab or
    line feed), empty runs left out, other control characters escaped as _xHHHH_."""
    pieces = []
    for index, run in enumerate(re.split("\n|\v", _xml_text(text))):
        if index:
            pieces.append("<a:br/>")
        if run:
            escaped = _PPTX_CTRL.sub(lambda m: f"_x{ord(m[0]):04X}_", run)
            pieces.append(f"<a:r><a:t>{xml_escape(escaped)}</a:t></a:r>")
    return f"<a:p>{''.join(pieces)}</a:p>" if pieces else "<a:p/>"


@dataclass(frozen=True)
class _PptxTemplate:
    """python-pptx's default deck, slimmed, and its slides as text with placeholder texts."""

    members: list[tuple[str, _ZipMember]]  # the deck's parts, in package order, compressed
    content_types: str
    presentation: str
    presentation_rels: str
    first_free_rel: int  # the number of the presentation's first free relationship id
    title_layout: str  # file names of the two layouts decks use, and of the notes master
    content_layout: str
    notes_master: str
    titled: str  # slides: a title slide with and without subtitle, content with and without
    title_only: str  # bullets, and a notes page
    bulleted: str
    bare: str
    notes: str
    title: str  # the paragraphs in those that stand for a text of the deck's
    subtitle: str
    bullet: str
    note: str


@functools.cache
def _pptx_template() -> _PptxTemplate:
    """python-pptx's default deck without the nine layouts no deck of ours uses and with its
    notes master made, and four slides made with the writers below from placeholder texts."""
    from pptx import Presentation

    presentation = Presentation()
    layouts = presentation.slide_layouts
    for index, layout in reversed(list(enumerate(layouts))):
        if index not in (_TITLE_LAYOUT, _CONTENT_LAYOUT):
            layouts.remove(layout)
    notes_master = presentation.notes_master
    texts = {name: f"PPTX-{name.upper()}-7f3a" for name in ("title", "subtitle", "bullet", "note")}
    deck = io.BytesIO()
    presentation.save(deck)
    with zipfile.ZipFile(deck) as package:
        members = {name: package.read(name) for name in package.namelist()}
    for subtitle in (texts["subtitle"], ""):
        _pptx_title_slide(
            presentation,
            PresentationContent(
                summary="", title=texts["title"], subtitle=subtitle, slides=[Slide(title="x")]
            ),
        )
    _pptx_content_slide(presentation, texts["title"], [texts["bullet"]], texts["note"])
    _pptx_content_slide(presentation, texts["title"], [], "")
    prototype = io.BytesIO()
    presentation.save(prototype)
    with zipfile.ZipFile(prototype) as package:
        made = [package.read(f"ppt/slides/slide{n}.xml").decode() for n in range(1, 5)]
        notes = package.read("ppt/notesSlides/notesSlide1.xml").decode()
    markers = {name: f"<a:p><a:r><a:t>{text}</a:t></a:r></a:p>" for name, text in texts.items()}
    for xml, needed in zip(
        [*made, notes],
        [("title", "subtitle"), ("title",), ("title", "bullet"), ("title",), ("note",)],
        strict=True,
    ):
        if any(xml.count(markers[name]) != 1 for name in needed):  # python-pptx changed
            raise RuntimeError(f"unexpected slide XML from python-pptx: {xml}")
    rels = members["ppt/_rels/presentation.xml.rels"].decode()
    return _PptxTemplate(
        members=[(name, _ZipMember.of(name, data)) for name, data in members.items()],
        content_types=members["[Content_Types].xml"].decode(),
        presentation=members["ppt/presentation.xml"].decode(),
        presentation_rels=rels,
        first_free_rel=max(int(n) for n in re.findall(r'Id="rId(\d+)"', rels)) + 1,
        title_layout=layouts[_TITLE_LAYOUT].part.partname.rsplit("/", 1)[1],
        content_layout=layouts[_CONTENT_LAYOUT].part.partname.rsplit("/", 1)[1],
        notes_master=notes_master.part.partname.rsplit("/", 1)[1],
        titled=made[0],
        title_only=made[1],
        bulleted=made[2],
        bare=made[3],
        notes=notes,
        **markers,
    )


def _pptx_title_slide(presentation: Any, content: PresentationContent) -> None:
    slide = presentation.slides.add_slide(presentation.slide_layouts[_TITLE_LAYOUT])
    slide.shapes.title.text = _xml_text(content.title)
    subtitle = slide.placeholders[1]
    if content.subtitle.strip():
        subtitle.text = _xml_text(content.subtitle)
    else:
        _remove_shape(subtitle)


def _pptx_content_slide(presentation: Any, title: str, bullets: list[str], notes: str) -> None:
    from pptx.enum.text import MSO_AUTO_SIZE

    slide = presentation.slides.add_slide(presentation.slide_layouts[_CONTENT_LAYOUT])
    slide.shapes.title.text = _xml_text(title)
    body = slide.placeholders[1]
    items = [item for item in bullets if item.strip()]
    if items:
        frame = body.text_frame
        # Lets PowerPoint/LibreOffice shrink long bullet lists instead of overflowing.
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        frame.paragraphs[0].text = _xml_text(items[0])
        for item in items[1:]:
            frame.add_paragraph().text = _xml_text(item)
    else:
        _remove_shape(body)
    if notes.strip():
        slide.notes_slide.notes_text_frame.text = _xml_text(notes)


def _remove_shape(shape: Any) -> None:
    # An empty placeholder shows "Click to add text" in editors; a real deck would not.
    element = shape._element
    element.getparent().remove(element)


# -- pdf ---------------------------------------------------------------------------------

_FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
    ("C:\\Windows\\Fonts\\arial.ttf", "C:\\Windows\\Fonts\\arialbd.ttf"),
)

_TRANSLITERATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\u2265": ">=",
    "\u2264": "<=",
    "\u2260": "!=",
    "\u2192": "->",
    "\u2190": "<-",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
    "\u0141": "L",
    "\u0142": "l",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\t": "    ",
}


@dataclass(frozen=True)
class _UnicodeFont:
    regular: str
    bold: str
    codepoints: frozenset[int]


@functools.lru_cache(maxsize=1)
def _unicode_font() -> _UnicodeFont | None:
    """First installed TTF from the candidates, with the set of code points it covers."""
    from fontTools.ttLib import TTFont

    for regular, bold in _FONT_CANDIDATES:
        if os.path.exists(regular) and os.path.exists(bold):
            try:
                with TTFont(regular, lazy=True) as font:
                    codepoints = frozenset(font.getBestCmap())
            except Exception:  # noqa: BLE001 - a broken system font just means "try the next"
                logger.warning("skipping unreadable font %s", regular, exc_info=True)
                continue
            return _UnicodeFont(regular, bold, codepoints)
    return None


class _Glyphs:
    """Maps text to what the chosen font can draw: transliterate, else '?'. Never raises."""

    def __init__(self, supported: Callable[[int], bool]) -> None:
        self._supported = supported
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if all(self._supported(ord(char)) for char in text):
            return text
        return "".join(self._char(char) for char in text)

    def _char(self, char: str) -> str:
        cached = self._cache.get(char)
        if cached is None:
            cached = self._cache[char] = self._substitute(char)
        return cached

    def _substitute(self, char: str) -> str:
        if char == "\n" or (self._supported(ord(char)) and char != "\t"):
            return char
        if unicodedata.category(char) in ("Cc", "Cf"):
            return _TRANSLITERATION.get(char, "")
        mapped = _TRANSLITERATION.get(char)
        if mapped is not None and all(self._supported(ord(c)) for c in mapped):
            return mapped
        decomposed = unicodedata.normalize("NFKD", char)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        if stripped and all(self._supported(ord(c)) for c in stripped):
            return stripped
        return "?"


def _latin1_printable(codepoint: int) -> bool:
    return 0x20 <= codepoint < 0x7F or 0xA0 <= codepoint <= 0xFF


def _document_strings(content: DocumentContent) -> Iterator[str]:
    yield content.title
    for block in content.blocks:
        yield block.text
        yield from block.items
        if block.table is not None:
            yield from block.table.columns
            for row in block.table.rows:
                yield from (format_cell(value) for value in row)


def _write_pdf(stream: IO[bytes], content: DocumentContent, meta: _Meta) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)  # _PdfLayout breaks pages itself
    pdf.set_title(meta.title)
    pdf.set_author(meta.author)
    pdf.set_creation_date(meta.when.replace(tzinfo=dt.UTC))
    layout = _PdfLayout(pdf, _pdf_fonts(pdf, _document_strings(content)))
    layout.heading(content.title, size=20)
    for block in content.blocks:
        layout.block(block)
    layout.finish_page()
    stream.write(bytes(pdf.output()))


@dataclass(frozen=True)
class _PdfFonts:
    family: str
    glyphs: _Glyphs
    bullet: str


def _pdf_fonts(pdf: Any, strings: Iterable[str]) -> _PdfFonts:
    """Core Helvetica when the text is Latin-1 (fast, tiny files); a Unicode TTF otherwise."""
    latin1 = all(_latin1_printable(ord(c)) or c in "\n\t" for text in strings for c in text)
    font = None if latin1 else _unicode_font()
    if font is None:
        return _PdfFonts("helvetica", _Glyphs(_latin1_printable), "-")
    _install_unicode_font(pdf, font)
    return _PdfFonts(_TTF_FAMILY, _Glyphs(font.codepoints.__contains__), "\u2022")


_TTF_FAMILY = "studio-sans"


def _install_unicode_font(pdf: Any, font: _UnicodeFont) -> None:
    # Parsed per document (~30 ms a face): fpdf2 subsets the parsed font in place on output,
    # so a parsed font cannot be shared between documents.
    pdf.add_font(_TTF_FAMILY, "", font.regular)
    pdf.add_font(_TTF_FAMILY, "B", font.bold)


_PT_TO_MM = 25.4 / 72
_MAX_CELL_LINES = 12


class _PdfLayout:
    """Greedy word-wrap and pagination on top of fpdf2's primitive text() and rect()."""

    margin = 20.0
    body_size = 10.5
    table_size = 9.0

    def __init__(self, pdf: Any, fonts: _PdfFonts) -> None:
        self.pdf = pdf
        self.fonts = fonts
        self.width = pdf.w - 2 * self.margin
        self.bottom = pdf.h - self.margin
        self.y = self.margin
        self._current = (False, self.body_size)
        self._new_page()

    # blocks
    def block(self, block: DocBlock) -> None:
        if block.type == "heading":
            self.heading(block.text, size={1: 16, 2: 13.5, 3: 12, 4: 11}[block.level])
        elif block.type == "paragraph":
            for chunk in block.text.split("\n\n"):
                self.paragraph(chunk)
        elif block.type in ("bullets", "numbered"):
            if block.text.strip():
                self.paragraph(block.text)
            for number, item in enumerate(block.items, start=1):
                marker = f"{number}." if block.type == "numbered" else self.fonts.bullet
                self.paragraph(item, marker=marker, space_after=1.2)
        elif block.type == "table":
            if block.text.strip():
                self.paragraph(block.text, bold=True, space_after=1.5)
            if block.table is not None:
                self.table(block.table)

    def heading(self, text: str, *, size: float) -> None:
        self.y += size * _PT_TO_MM * 0.5
        self.paragraph(text, size=size, bold=True, space_after=size * _PT_TO_MM * 0.4)

    def paragraph(
        self,
        text: str,
        *,
        size: float | None = None,
        bold: bool = False,
        marker: str = "",
        space_after: float = 2.5,
    ) -> None:
        size = size or self.body_size
        self._font(bold, size)
        indent = 6.0 if marker else 0.0
        line_height = size * _PT_TO_MM * 1.35
        lines = self.wrap(self.fonts.glyphs(text.replace("**", "")), self.width - indent)
        for index, line in enumerate(lines):
            self._ensure_room(line_height)
            if marker and index == 0:
                self.pdf.text(self.margin, self.y + size * _PT_TO_MM, marker)
            self.pdf.text(self.margin + indent, self.y + size * _PT_TO_MM, line)
            self.y += line_height
        self.y += space_after

    def table(self, table: Table) -> None:
        columns = len(table.columns)
        widths = self._column_widths(table, columns)
        header = [self.fonts.glyphs(str(name)) for name in table.columns]
        self._table_row(header, widths, header=True)
        for row in table.rows:
            cells = [self.fonts.glyphs(format_cell(value)) for value in _pad(row, columns)]
            self._table_row(cells, widths, header=False, repeat=header)
        self.y += 3

    # primitives
    def wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        measure = self._measure
        space = measure(" ")
        for raw_line in text.split("\n"):
            current, current_width = "", 0.0
            for word in raw_line.split(" "):
                word_width = measure(word)
                if word_width > width:
                    pieces = self._break_word(word, width)
                    word = pieces.pop()
                    word_width = measure(word)
                    if current:
                        lines.append(current)
                    lines.extend(pieces)
                    current, current_width = word, word_width
                elif current and current_width + space + word_width > width:
                    lines.append(current)
                    current, current_width = word, word_width
                elif current:
                    current, current_width = f"{current} {word}", current_width + space + word_width
                else:
                    current, current_width = word, word_width
            lines.append(current)
        return lines

    def _break_word(self, word: str, width: float) -> list[str]:
        pieces, current, current_width = [], "", 0.0
        for char in word:
            char_width = self._measure(char)
            if current and current_width + char_width > width:
                pieces.append(current)
                current, current_width = "", 0.0
            current += char
            current_width += char_width
        pieces.append(current)
        return pieces

    def _measure(self, text: str) -> float:
        """Text width in mm from the font's width table.

        fpdf2's get_string_width builds styled fragments per call (~30 us); wrapping calls it
        once per word, so the table lookup makes PDF writing several times faster.
        """
        widths, scale, default = self._metrics
        if self._by_codepoint:
            return sum(widths.get(ord(char), default) for char in text) * scale
        return sum(widths.get(char, default) for char in text) * scale

    def _column_widths(self, table: Table, columns: int) -> list[float]:
        weights = [max(len(str(name)), 4) for name in table.columns]
        for row in table.rows[:50]:
            for index, value in enumerate(row[:columns]):
                weights[index] = max(weights[index], min(len(format_cell(value)), 40))
        total = sum(weights)
        return [self.width * weight / total for weight in weights]

    def _table_row(
        self, cells: list[str], widths: list[float], *, header: bool, repeat: Sequence[str] = ()
    ) -> None:
        """Draw one row; a row that starts a new page is preceded by the repeated header."""
        size = self.table_size
        line_height = size * _PT_TO_MM * 1.3
        self._font(header, size)
        wrapped = [
            self._cell_lines(text, width - 2) for text, width in zip(cells, widths, strict=True)
        ]
        height = max(len(lines) for lines in wrapped) * line_height + 1.6
        if self._ensure_room(height) and repeat:
            self._table_row(list(repeat), widths, header=True)
            self._font(header, size)
        x = self.margin
        if header:
            self.pdf.set_fill_color(222, 231, 242)
        for lines, width in zip(wrapped, widths, strict=True):
            self.pdf.rect(x, self.y, width, height, style="DF" if header else "D")
            for index, line in enumerate(lines):
                baseline = self.y + 0.8 + index * line_height + size * _PT_TO_MM
                self.pdf.text(x + 1, baseline, line)
            x += width
        self.y += height

    def _cell_lines(self, text: str, width: float) -> list[str]:
        lines = self.wrap(text, max(width, 2))
        if len(lines) > _MAX_CELL_LINES:
            lines = lines[:_MAX_CELL_LINES]
            lines[-1] = lines[-1][:-3] + "..."
        return lines

    def _font(self, bold: bool, size: float) -> None:
        self._current = (bold, size)
        self.pdf.set_font(self.fonts.family, "B" if bold else "", size)
        font = self.pdf.current_font
        widths = font.cw
        # TTF fonts key widths by code point, core fonts by character.
        self._by_codepoint = not isinstance(next(iter(widths), ""), str)
        default = font.desc.missing_width if hasattr(font, "desc") else 500
        self._metrics = (widths, size * 0.001 / self.pdf.k, default or 500)

    def _ensure_room(self, height: float) -> bool:
        if self.y + height <= self.bottom:
            return False
        self._new_page()
        return True

    def _new_page(self) -> None:
        if self.pdf.page_no():
            self.finish_page()
        self.pdf.add_page()
        self.y = self.margin

    def finish_page(self) -> None:
        """Page number last, so text extraction reads the body before the footer."""
        self.pdf.set_font(self.fonts.family, "", 8)
        label = f"{self.pdf.page_no()}"
        self.pdf.text((self.pdf.w - self.pdf.get_string_width(label)) / 2, self.pdf.h - 10, label)
        self._font(*self._current)  # the footer changed the font mid-paragraph


# -- md, txt, csv ------------------------------------------------------------------------


def _write_text(stream: IO[bytes], content: TextContent, _meta: _Meta) -> None:
    text = content.text if content.text.endswith("\n") else content.text + "\n"
    stream.write(text.encode("utf-8", errors="replace"))


def _write_csv(stream: IO[bytes], content: CsvContent, _meta: _Meta) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    writer = csv.writer(text)
    writer.writerow(content.columns)
    writer.writerows([format_cell(value) for value in row] for row in content.rows)
    text.flush()
    text.detach()  # leave the binary stream open for _atomic_write


# -- eml ---------------------------------------------------------------------------------


def _write_eml(stream: IO[bytes], content: EmailContent, meta: _Meta) -> None:
    message = EmailMessage(policy=policy.SMTP)
    envelope = meta.envelope
    if envelope is not None:
        message["From"] = _address(envelope.sender)
        message["To"] = [_address(person) for person in envelope.to]
        if envelope.cc:
            message["Cc"] = [_address(person) for person in envelope.cc]
        message["Date"] = format_datetime(_aware(envelope.date))
        message["Message-ID"] = _msg_id(envelope.message_id)
        if envelope.in_reply_to:
            message["In-Reply-To"] = _msg_id(envelope.in_reply_to)
        if envelope.references:
            message["References"] = " ".join(_msg_id(ref) for ref in envelope.references)
    else:
        if meta.author:
            message["From"] = _header_text(meta.author)
        message["Date"] = format_datetime(meta.when.replace(tzinfo=dt.UTC))
        digest = hashlib.sha256(f"{content.subject}\n{content.body}".encode()).hexdigest()[:20]
        message["Message-ID"] = f"<{digest}@{SYNTHETIC_DOMAIN}>"
    message["Subject"] = _header_text(content.subject)
    message.set_content(content.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    stream.write(message.as_bytes())


def _header_text(value: str) -> str:
    # Header values may not carry line breaks (that would be header injection).
    return " ".join(value.split())


def _address(person: Person) -> Address | str:
    name = _header_text(person.name)
    email_address = person.email.strip()
    try:
        return Address(display_name=name, addr_spec=email_address)
    except (ValueError, IndexError, HeaderParseError):
        # A model-invented address that does not parse keeps the name readable.
        return Address(display_name=name, username="unknown", domain="invalid")


def _msg_id(value: str) -> str:
    value = "".join(value.split()).strip("<>")
    return f"<{value}>"


# -- ics ---------------------------------------------------------------------------------


_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAMED_EMAIL_RE = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^@\s<>]+@[^@\s<>]+)>\s*$")


def _write_ics(stream: IO[bytes], content: CalendarContent, meta: _Meta) -> None:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _header_text(meta.title))
    stamp = meta.when.replace(tzinfo=dt.UTC)
    for event in content.events:
        calendar.add_component(_ics_event(event, stamp, meta.author))
    calendar.add_missing_timezones()
    stream.write(calendar.to_ical())


def _ics_event(event: CalendarEvent, stamp: dt.datetime, organizer: str) -> Any:
    from icalendar import Event

    component = Event()
    component.add("uid", event_uid(event.title, event.start))
    component.add("dtstamp", stamp)
    component.add("dtstart", event.start)
    component.add("dtend", _event_end(event.start, event.end))
    component.add("summary", event.title)
    if event.location:
        component.add("location", event.location)
    if event.description:
        component.add("description", event.description)
    if organizer.strip():
        component.add("organizer", _cal_address(organizer))
    for attendee in event.attendees:
        if attendee.strip():
            component.add("attendee", _cal_address(attendee))
    return component


def _event_end(start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """An end before the start (a model's slip) becomes a zero-length event."""
    try:
        return max(start, end)
    except TypeError:  # one naive, one aware: not comparable, keep what was planned
        return end


def event_uid(title: str, start: dt.datetime) -> str:
    """Stable UID so regenerating a calendar updates events instead of duplicating them."""
    digest = hashlib.sha256(f"{title}\n{start.isoformat()}".encode()).hexdigest()[:24]
    return f"{digest}@{SYNTHETIC_DOMAIN}"


def _cal_address(who: str) -> Any:
    """mailto: for an email address; otherwise CN with Thunderbird's 'invalid:nomail'."""
    from icalendar import vCalAddress

    who = _header_text(who)
    named = _NAMED_EMAIL_RE.match(who)
    if named:
        address = vCalAddress(f"mailto:{named['email']}")
        if named["name"].strip(' "'):
            address.params["cn"] = named["name"].strip(' "')
    elif _EMAIL_RE.match(who):
        address = vCalAddress(f"mailto:{who}")
    else:
        address = vCalAddress("invalid:nomail")
        address.params["cn"] = who
    return address


WRITERS: dict[str, Writer] = {
    "docx": _write_docx,
    "xlsx": _write_xlsx,
    "pptx": _write_pptx,
    "pdf": _write_pdf,
    "md": _write_text,
    "txt": _write_text,
    "csv": _write_csv,
    "eml": _write_eml,
    "ics": _write_ics,
}
