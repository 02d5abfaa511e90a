"""Safe, bounded readers for every artifact kind.

Used by the file browser (preview), the agents' read_file tool and the search index
(extract_text). Every file is treated as hostile: Office zips are checked before a library
opens them, every library error becomes ArtifactReadError with a readable message, and every
preview is bounded by PreviewLimits so a huge file costs no more than a small one.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import nh3
from defusedxml import ElementTree as SafeElementTree

from studio.artifacts.formulas import (
    MAX_COLUMNS,
    MAX_ROWS,
    FormulaEngine,
    FormulaError,
    column_index,
    display_value,
)
from studio.artifacts.safety import (
    MB,
    ArtifactReadError,
    UnsafeFileError,
    check_office_zip,
    library_errors,
)

__all__ = [
    "ArtifactReadError",
    "CellPreview",
    "EmailPreview",
    "EventPreview",
    "Preview",
    "PreviewLimits",
    "READABLE_KINDS",
    "SheetPreview",
    "SlidePreview",
    "TablePreview",
    "UnsafeFileError",
    "extract_text",
    "preview",
    "sanitise_html",
]

TRUNCATION_MARKER = "[… truncated]"
ELLIPSIS = "…"


@dataclass(frozen=True)
class PreviewLimits:
    max_rows: int = 500
    max_columns: int = 50
    max_cell_chars: int = 2_000
    max_sheets: int = 20
    max_text_chars: int = 200_000
    max_slides: int = 200
    max_events: int = 1_000
    max_decompressed_bytes: int = 200 * MB
    # eml and ics are parsed whole, so their size is capped instead of their output.
    max_parsed_file_bytes: int = 25 * MB


DEFAULT_LIMITS = PreviewLimits()


@dataclass
class CellPreview:
    value: str
    formula: str | None = None


@dataclass
class SheetPreview:
    name: str
    rows: list[list[CellPreview]] = field(default_factory=list)
    truncated: bool = False
    total_rows: int | None = None
    total_columns: int | None = None
    column_letters: list[str] = field(default_factory=list)


@dataclass
class SlidePreview:
    number: int
    title: str
    bullets: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    notes: str = ""


@dataclass
class EmailPreview:
    headers: dict[str, str]
    subject: str
    sender: str
    to: str
    cc: str
    date: str
    message_id: str
    in_reply_to: str
    references: list[str]
    body_text: str
    attachments: list[str] = field(default_factory=list)


@dataclass
class EventPreview:
    title: str
    start: dt.datetime | dt.date | None
    end: dt.datetime | dt.date | None
    when: str
    all_day: bool = False
    location: str = ""
    description: str = ""
    attendees: list[str] = field(default_factory=list)
    organizer: str = ""
    uid: str = ""
    recurrence: str = ""


@dataclass
class TablePreview:
    columns: list[str]
    rows: list[list[str]]
    truncated: bool = False


@dataclass
class Preview:
    kind: str
    html: str | None = None  # already sanitised
    text: str | None = None
    sheets: list[SheetPreview] = field(default_factory=list)
    slides: list[SlidePreview] = field(default_factory=list)
    email: EmailPreview | None = None
    events: list[EventPreview] = field(default_factory=list)
    table: TablePreview | None = None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        """Record that something was left out."""
        self.truncated = True
        if message not in self.notes:
            self.notes.append(message)


# -- public API --------------------------------------------------------------------------


def extract_text(path: Path, kind: str, *, max_chars: int = 200_000) -> str:
    """Plain text of a file of any kind, cut at `max_chars` with a trailing marker."""
    extractor = _TEXT_EXTRACTORS.get(kind)
    if extractor is None:
        raise ArtifactReadError(f"unsupported file kind: {kind!r}")
    limits = PreviewLimits(max_text_chars=max_chars)
    pieces: list[str] = []
    total = 0
    with library_errors(kind), closing(extractor(Path(path), limits)) as chunks:
        for chunk in chunks:
            pieces.append(chunk)
            total += len(chunk)
            if total > max_chars:
                break
    return _cut_text("".join(pieces), max_chars)


def preview(path: Path, kind: str, *, limits: PreviewLimits = DEFAULT_LIMITS) -> Preview:
    """A bounded, template-ready view of a file; HTML in it is already sanitised."""
    renderer = _PREVIEWERS.get(kind)
    if renderer is None:
        raise ArtifactReadError(f"unsupported file kind: {kind!r}")
    with library_errors(kind):
        return renderer(Path(path), limits)


_ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
    "ul", "ol", "li", "strong", "em", "b", "i", "u", "s", "sub", "sup", "a",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


def sanitise_html(markup: str) -> str:
    """Allow-list sanitiser for HTML made from untrusted documents.

    No script/style/iframe or other active content, no on* or style attributes, and links
    only to http(s)/mailto or relative targets -- javascript: and data: URLs are dropped.
    """
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# -- shared helpers ----------------------------------------------------------------------


def _cut_text(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[:max_chars].rstrip() + "\n" + TRUNCATION_MARKER


def _cut_cell(text: str, limits: PreviewLimits) -> tuple[str, bool]:
    if len(text) <= limits.max_cell_chars:
        return text, False
    return text[: limits.max_cell_chars] + ELLIPSIS, True


def _check_size(path: Path, kind: str, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise UnsafeFileError(
            f"refused .{kind} file: {size / MB:,.1f} MB is over the {limit / MB:,.0f} MB "
            "limit for this kind"
        )


_SNIFF_BYTES = 64 * 1024


def _text_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) or utf-16 by BOM; anything else is read as cp1252."""
    with path.open("rb") as stream:
        head = stream.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _read_text(path: Path, max_chars: int) -> tuple[str, bool]:
    """Up to max_chars characters of a text file, and whether there was more."""
    with path.open(encoding=_text_encoding(path), errors="replace", newline=None) as stream:
        text = stream.read(max_chars + 1)
    return text[:max_chars], len(text) > max_chars


def _datetime_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return display_value(value)


# -- docx --------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DOCX_BODY = "word/document.xml"
# mammoth converts the whole document in pure Python, ~2.5 s per MB of document XML (a
# 100-block report is ~120 KB). Beyond this size the streaming renderer takes over: the same
# headings, emphasis, links, lists and tables, minus footnotes, nesting and images, and it
# stops at the preview limit, so a 5 MB document previews in ~30 ms.
MAMMOTH_MAX_XML_BYTES = 64 * 1024


_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RUN_SPECIALS = {_W + "tab": "\t", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_OFF_VALUES = ("0", "false", "off", "none")


@dataclass
class _DocxParagraph:
    parts: list[str] = field(default_factory=list)  # plain text
    markup: list[str] = field(default_factory=list)  # the same text as escaped HTML runs
    style: str = ""
    num_id: str = ""
    listed: bool = False


@dataclass
class _DocxBlock:
    kind: str  # "p" or "table"
    text: str = ""
    markup: str = ""
    style: str = ""
    num_id: str = ""
    listed: bool = False
    rows: list[list[str]] = field(default_factory=list)


def _docx_blocks(path: Path, links: dict[str, str] | None = None) -> Iterator[_DocxBlock]:
    """Stream paragraphs and tables of the document body without building its DOM.

    Parsed with defusedxml (no DTDs, no entities), and elements are freed as they end, so
    memory stays flat however long the document is and callers can stop early.
    """
    with zipfile.ZipFile(path) as archive, archive.open(_DOCX_BODY) as source:
        yield from _DocxWalker(links or {}).walk(source)


class _DocxWalker:
    def __init__(self, links: dict[str, str]) -> None:
        self.links = links  # relationship id -> hyperlink target
        self.paragraphs: list[_DocxParagraph] = []
        self.tables: list[list[list[list[str]]]] = []  # tables > rows > cells > paragraphs
        self.in_run = 0
        self.bold = self.italic = False
        self.link: str | None = None
        self.skipping = 0  # inside mc:Fallback, a duplicate of content we already read

    def walk(self, source: Any) -> Iterator[_DocxBlock]:
        body = None
        events = SafeElementTree.iterparse(source, events=("start", "end"), forbid_dtd=True)
        for event, element in events:
            if event == "start":
                if element.tag == _W + "body":
                    body = element
                self._start(element)
                continue
            block = self._end(element)
            if block is not None:
                yield block
            at_top_level = body is not None and not self.tables and not self.paragraphs
            if at_top_level and element.tag in (_W + "p", _W + "tbl"):
                body.clear()  # frees what was read; memory stays flat on huge documents

    def _start(self, element: Any) -> None:
        tag = element.tag
        if tag == _MC_FALLBACK:
            self.skipping += 1
        elif self.skipping:
            return
        elif tag == _W + "p":
            self.paragraphs.append(_DocxParagraph())
        elif tag == _W + "r":
            self.in_run += 1
            self.bold = self.italic = False
        elif tag == _W + "hyperlink":
            anchor = element.get(_W + "anchor")
            self.link = self.links.get(element.get(_R_ID, "")) or (f"#{anchor}" if anchor else None)
        elif tag == _W + "tbl":
            self.tables.append([])
        elif tag == _W + "tr" and self.tables:
            self.tables[-1].append([])
        elif tag == _W + "tc" and self.tables and self.tables[-1]:
            self.tables[-1][-1].append([])

    def _end(self, element: Any) -> _DocxBlock | None:
        tag = element.tag
        if tag == _MC_FALLBACK:
            self.skipping -= 1
            return None
        if self.skipping:
            return None
        paragraph = self.paragraphs[-1] if self.paragraphs else None
        if paragraph is not None and self.in_run:
            self._run_content(paragraph, element)
        if tag == _W + "r":
            self.in_run -= 1
        elif tag == _W + "hyperlink":
            self.link = None
        elif paragraph is not None and tag in (_W + "pStyle", _W + "numId"):
            value = element.get(_W + "val", "")
            if tag == _W + "pStyle":
                paragraph.style = value
            else:
                paragraph.num_id, paragraph.listed = value, value != "0"
        elif tag == _W + "p" and paragraph is not None:
            return self._end_paragraph()
        elif tag == _W + "tbl" and self.tables:
            return self._end_table()
        return None

    def _run_content(self, paragraph: _DocxParagraph, element: Any) -> None:
        tag = element.tag
        if tag in (_W + "b", _W + "i"):
            on = element.get(_W + "val", "true").lower() not in _OFF_VALUES
            if tag == _W + "b":
                self.bold = on
            else:
                self.italic = on
            return
        text = element.text or "" if tag == _W + "t" else _RUN_SPECIALS.get(tag, "")
        if text:
            paragraph.parts.append(text)
            paragraph.markup.append(self._run_html(text))

    def _run_html(self, text: str) -> str:
        markup = html.escape(text).replace("\n", "<br>")
        if self.bold:
            markup = f"<strong>{markup}</strong>"
        if self.italic:
            markup = f"<em>{markup}</em>"
        if self.link:
            markup = f'<a href="{html.escape(self.link)}">{markup}</a>'
        return markup

    def _end_paragraph(self) -> _DocxBlock | None:
        paragraph = self.paragraphs.pop()
        text = "".join(paragraph.parts)
        if self.paragraphs:  # a text box inside another paragraph
            if text:
                self.paragraphs[-1].parts.append("\n" + text)
                self.paragraphs[-1].markup.append("<br>" + "".join(paragraph.markup))
            return None
        if self.tables and self.tables[-1] and self.tables[-1][-1]:
            self.tables[-1][-1][-1].append(text)
            return None
        return _DocxBlock(
            "p",
            text=text,
            markup="".join(paragraph.markup),
            style=paragraph.style,
            num_id=paragraph.num_id,
            listed=paragraph.listed,
        )

    def _end_table(self) -> _DocxBlock | None:
        rows = [["\n".join(cell).strip() for cell in row] for row in self.tables.pop()]
        if self.tables and self.tables[-1] and self.tables[-1][-1]:
            nested = "\n".join("\t".join(row) for row in rows)
            self.tables[-1][-1][-1].append(nested)
            return None
        return _DocxBlock("table", rows=rows)


def _docx_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    check_office_zip(path, "docx", max_decompressed_bytes=limits.max_decompressed_bytes)
    for block in _docx_blocks(path):
        if block.kind == "p":
            yield block.text + "\n"
        else:
            yield "".join("\t".join(row) + "\n" for row in block.rows) + "\n"


def _docx_preview(path: Path, limits: PreviewLimits) -> Preview:
    check_office_zip(path, "docx", max_decompressed_bytes=limits.max_decompressed_bytes)
    result = Preview(kind="docx")
    with zipfile.ZipFile(path) as archive:
        body_size = archive.getinfo(_DOCX_BODY).file_size
    if body_size > MAMMOTH_MAX_XML_BYTES:
        result.html = sanitise_html(_docx_streamed_html(path, limits, result))
        result.notes.insert(0, "Large document: showing a simplified preview.")
        return result
    markup = _mammoth_html(path)
    if len(markup) > limits.max_text_chars:
        # nh3 parses like a browser, so closing the tags a cut leaves open is its job.
        markup = markup[: limits.max_text_chars]
        result.note(f"Showing the first {limits.max_text_chars:,} characters of the document.")
    result.html = sanitise_html(markup)
    return result


_MAMMOTH_STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => h2:fresh
p[style-name='Caption'] => p:fresh
"""


def _mammoth_html(path: Path) -> str:
    import mammoth

    with _mammoth_source(path) as stream:
        result = mammoth.convert_to_html(
            stream,
            style_map=_MAMMOTH_STYLE_MAP,
            include_embedded_style_map=False,  # a document must not steer its own rendering
            convert_image=mammoth.images.img_element(lambda image: {}),
            external_file_access=False,
        )
    return result.value


_STYLES_PART = "word/styles.xml"
_STYLE_BLOCK_RE = re.compile(rb"<w:style\b[^>]*?(?:/>|>.*?</w:style>)", re.DOTALL)
_STYLE_ID_RE = re.compile(rb'w:styleId="([^"]*)"')
_STYLE_USE_RE = re.compile(rb'<w:(?:pStyle|rStyle|tblStyle)\s+w:val="([^"]*)"')


def _mammoth_source(path: Path) -> io.BytesIO:
    """The parts of the .docx mammoth reads, with style definitions nobody uses removed.

    mammoth parses with minidom, about 1 ms per 1,000 elements, and style sheets dwarf most
    documents (python-docx's template carries 100 table styles, Word's own files dozens):
    pruning them made previews 5x faster. Images are left out too -- the preview drops them.
    """
    with zipfile.ZipFile(path) as source:
        parts = {
            name: source.read(name)
            for name in source.namelist()
            if name.lower().endswith((".xml", ".rels"))
        }
    if _STYLES_PART in parts:
        used = set()
        for name, data in parts.items():
            if name.startswith("word/") and name != _STYLES_PART:
                used.update(_STYLE_USE_RE.findall(data))
        parts[_STYLES_PART] = _prune_styles(parts[_STYLES_PART], used)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for name, data in parts.items():
            copy.writestr(name, data)
    buffer.seek(0)
    return buffer


def _prune_styles(styles: bytes, used: set[bytes]) -> bytes:
    def keep(match: re.Match[bytes]) -> bytes:
        block = match.group(0)
        style_id = _STYLE_ID_RE.search(block)
        if style_id is None or style_id.group(1) in used or b'w:default="1"' in block:
            return block
        return b""

    return _STYLE_BLOCK_RE.sub(keep, styles)


def _docx_streamed_html(path: Path, limits: PreviewLimits, result: Preview) -> str:
    """HTML in one pass: headings, paragraphs with bold/italic/links, lists and tables."""
    links, list_kinds = _docx_links_and_lists(path)
    parts: list[str] = []
    total = 0
    open_list = ""
    for block in _docx_blocks(path, links):
        if total > limits.max_text_chars:
            result.note(f"Showing the first {limits.max_text_chars:,} characters of the document.")
            break
        kind = _list_kind(block, list_kinds)
        if kind != open_list:
            parts.append((f"</{open_list}>" if open_list else "") + (f"<{kind}>" if kind else ""))
            open_list = kind
        chunk = _docx_block_html(block, bool(kind))
        parts.append(chunk)
        total += len(chunk)
    if open_list:
        parts.append(f"</{open_list}>")
    return "".join(parts)


_NUMBERING_PART = "word/numbering.xml"
_RELS_PART = "word/_rels/document.xml.rels"


def _docx_links_and_lists(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Hyperlink targets by relationship id, and "ol"/"ul" by numbering id (level 0)."""
    links: dict[str, str] = {}
    kinds: dict[str, str] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if _RELS_PART in names:
            with archive.open(_RELS_PART) as source:
                for rel in SafeElementTree.parse(source, forbid_dtd=True).getroot():
                    if rel.get("Type", "").endswith("/hyperlink"):
                        links[rel.get("Id", "")] = rel.get("Target", "")
        if _NUMBERING_PART in names:
            with archive.open(_NUMBERING_PART) as source:
                kinds = _list_kinds(SafeElementTree.parse(source, forbid_dtd=True).getroot())
    return links, kinds


def _list_kinds(numbering: Any) -> dict[str, str]:
    abstract = {}
    for definition in numbering.iter(_W + "abstractNum"):
        level = definition.find(_W + "lvl")
        fmt = level.find(_W + "numFmt") if level is not None else None
        value = fmt.get(_W + "val", "") if fmt is not None else ""
        abstract[definition.get(_W + "abstractNumId", "")] = "ul" if value == "bullet" else "ol"
    kinds = {}
    for num in numbering.iter(_W + "num"):
        reference = num.find(_W + "abstractNumId")
        if reference is not None:
            kinds[num.get(_W + "numId", "")] = abstract.get(reference.get(_W + "val", ""), "ul")
    return kinds


def _list_kind(block: _DocxBlock, list_kinds: dict[str, str]) -> str:
    if block.kind != "p":
        return ""
    if block.num_id in list_kinds:
        return list_kinds[block.num_id]
    style = block.style.lower()
    if "number" in style and style.startswith("list"):
        return "ol"
    return "ul" if block.listed or style.startswith("listbullet") else ""


_HEADING_STYLE = re.compile(r"^(?:heading|berschrift|titre)\s*([1-6])$", re.IGNORECASE)


def _docx_block_html(block: _DocxBlock, listed: bool) -> str:
    if block.kind == "table":
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        return f"<table><tbody>{rows}</tbody></table>"
    markup = block.markup
    if listed:
        return f"<li>{markup}</li>"
    style = block.style.replace(" ", "")
    heading = _HEADING_STYLE.match(style)
    if style.lower() == "title":
        return f"<h1>{markup}</h1>"
    if heading:
        return f"<h{heading.group(1)}>{markup}</h{heading.group(1)}>"
    return f"<p>{markup}</p>" if markup else ""


# -- xlsx --------------------------------------------------------------------------------

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# A formula reaching outside the previewed window loads the whole sheet, up to this much XML.
FORMULA_LOAD_MAX_XML_BYTES = 16 * MB
MAX_SHARED_STRINGS = 2_000_000

Row = tuple[Any, ...]


@dataclass
class _XlsxCell:
    value: Any  # typed value; for a formula cell, the cached result or None
    formula: str | None = None
    number_format: str = ""  # format code worth applying to a number, e.g. "#,##0.00"


@dataclass
class _XlsxSheet:
    name: str
    part: str
    size: int  # uncompressed bytes of the sheet XML
    dimension: tuple[int, int] | None = None  # (rows, columns) the file declares


class _SharedStrings:
    """The shared-string table, split into items as far as the highest index asked for,
    and each item parsed only when a cell shows it.

    Excel numbers strings in order of first use, so the top rows of the first sheet need a
    small prefix of a table that can hold millions of strings, but a preview of a second
    sheet can need its very end. Splitting on the closing tag runs at C speed (~25 ms for
    150,000 strings), where parsing every item took 2 s with defusedxml and 0.2 s with a
    regex. This is safe without an XML parser: DTDs were refused by check_office_zip and
    only the five predefined entities and character references are decoded.
    """

    chunk_bytes = 1 * MB
    max_item_bytes = 8 * MB  # one string this long means a broken or hostile table

    def __init__(self, archive: zipfile.ZipFile, part: str | None) -> None:
        self._items: list[str] = []  # raw XML of each <si>, parsed on demand
        self._parsed: dict[int, str] = {}
        self._tail = b""
        self._close: bytes | None = None  # b"</si>", or b"</x:si>" for a prefixed table
        self._source: Any = archive.open(part) if part is not None else None

    def get(self, index: int) -> str:
        while index >= len(self._items) and self._source is not None:
            self._scan_chunk()
        if not 0 <= index < len(self._items):
            return ""
        text = self._parsed.get(index)
        if text is None:
            text = self._parsed[index] = _si_item_text(self._items[index])
        return text

    def _scan_chunk(self) -> None:
        chunk = self._source.read(self.chunk_bytes)
        if (
            not chunk
            or len(self._tail) > self.max_item_bytes
            or len(self._items) > MAX_SHARED_STRINGS
        ):
            self.close()
            return
        data = self._tail + chunk
        if self._close is None:
            found = _SI_CLOSE_RE.search(data)
            self._close = found.group(0) if found else None
        cut = data.rfind(self._close) if self._close else -1
        if cut < 0:
            self._tail = data
            return
        cut += len(self._close)
        # Cut after a tag, so the decode never splits a UTF-8 sequence.
        complete = data[:cut].decode("utf-8", errors="replace")
        self._tail = data[cut:]
        segments = complete.split(self._close.decode())[:-1]
        if "si/>" in complete:  # rare empty items written as <si/>
            segments = [part for segment in segments for part in _split_empty_items(segment)]
        self._items.extend(segments)

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


_SI_CLOSE_RE = re.compile(rb"</(?:\w+:)?si>")
_SI_EMPTY_RE = re.compile(r"<(?:\w+:)?si\b[^>]*/>")
_SI_OPEN_RE = re.compile(r"<(?:\w+:)?si\b[^>]*>")


def _split_empty_items(segment: str) -> list[str]:
    """'<si/><si/><si>x' -> ['', '', '<si>x']: each self-closed item is an empty string."""
    pieces = _SI_EMPTY_RE.split(segment)
    return [""] * (len(pieces) - 1) + [pieces[-1]]


def _si_item_text(item: str) -> str:
    opening = _SI_OPEN_RE.search(item)  # the first chunk's item also holds the <sst> header
    return _si_text(item[opening.end() :]) if opening else ""


_T_RE = re.compile(r"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.DOTALL)
_PHONETIC_RE = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.DOTALL)
_XML_ESCAPE_RE = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_XML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_OOXML_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _si_text(item: str) -> str:
    if "<" in item:  # rich text: the <t> of each run, without phonetic hints
        item = _PHONETIC_RE.sub("", item)
        item = "".join(match.group(1) or "" for match in _T_RE.finditer(item))
    return _ooxml_text(_XML_ESCAPE_RE.sub(_xml_entity, item))


def _xml_entity(match: re.Match[str]) -> str:
    name, decimal, hexadecimal = match.groups()
    if name:
        return _XML_ENTITIES[name]
    try:
        return chr(int(decimal) if decimal else int(hexadecimal, 16))
    except (ValueError, OverflowError):
        return "\ufffd"


def _ooxml_text(text: str) -> str:
    """Excel writes control characters as _xHHHH_ inside strings."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE_RE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _rich_text(element: Any) -> str:
    """Text of an inline <is>: its <t>, or the <t> of its runs, without phonetic hints."""
    direct = element.find(_S + "t")
    if direct is not None:
        return _ooxml_text(direct.text or "")
    return _ooxml_text("".join(run.findtext(_S + "t") or "" for run in element.iter(_S + "r")))


class _XlsxPackage:
    """Streams cells from an .xlsx with formulas and cached values side by side.

    openpyxl's read-only mode parses the whole shared-string table on open (seconds for a
    5 MB workbook) and gives either formulas or cached values, never both; this reads
    only what a preview needs, in one pass, through defusedxml.
    """

    def __init__(self, path: Path) -> None:
        self.archive = zipfile.ZipFile(path)
        try:
            names = set(self.archive.namelist())
            parts = self._relationships("xl/_rels/workbook.xml.rels", "xl/")
            workbook = self._xml("xl/workbook.xml")
            self.date1904 = _uses_1904_dates(workbook)
            self.sheets = self._sheets(workbook, parts, names)
            strings = next((t for t in parts.values() if t.endswith("sharedStrings.xml")), None)
            self.strings = _SharedStrings(self.archive, strings if strings in names else None)
            styles = next((t for t in parts.values() if t.endswith("styles.xml")), None)
            self.formats = _cell_formats(self._xml(styles)) if styles in names else []
        except BaseException:
            self.archive.close()
            raise

    def close(self) -> None:
        self.strings.close()
        self.archive.close()

    def _xml(self, part: str) -> Any:
        with self.archive.open(part) as source:
            return SafeElementTree.parse(source, forbid_dtd=True).getroot()

    def _relationships(self, part: str, base: str) -> dict[str, str]:
        import posixpath

        targets = {}
        for rel in self._xml(part).iter(_PKG_REL):
            target = rel.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else base + target
            targets[rel.get("Id", "")] = posixpath.normpath(resolved)
        return targets

    def _sheets(self, workbook: Any, parts: dict[str, str], names: set[str]) -> list[_XlsxSheet]:
        sheets = []
        for sheet in workbook.iter(_S + "sheet"):
            part = parts.get(sheet.get(_REL_ID, ""))
            if part in names and "worksheets/" in part:  # chartsheets have no cells
                size = self.archive.getinfo(part).file_size
                sheets.append(_XlsxSheet(sheet.get("name", "Sheet"), part, size))
        return sheets

    def rows(self, sheet: _XlsxSheet, max_rows: int, max_columns: int) -> Iterator[Any]:
        """(row number, {column: _XlsxCell}) for rows up to max_rows, columns up to max."""
        shared: dict[str, tuple[str, str]] = {}
        with self.archive.open(sheet.part) as source:
            events = SafeElementTree.iterparse(source, events=("end",), forbid_dtd=True)
            cells: dict[int, _XlsxCell] = {}
            next_row = 1
            for _, element in events:
                tag = element.tag
                if tag == _S + "c":
                    column = _column_of(element.get("r"), len(cells) + 1)
                    if column <= max_columns:
                        cells[column] = self._cell(element, shared)
                    element.clear()
                elif tag == _S + "row":
                    number = int(element.get("r") or next_row)
                    if number > max_rows:
                        return
                    if cells:
                        yield number, cells
                    cells = {}
                    next_row = number + 1
                    element.clear()
                elif tag == _S + "dimension":
                    sheet.dimension = _dimension(element.get("ref", ""))

    def _cell(self, element: Any, shared: dict[str, tuple[str, str]]) -> _XlsxCell:
        kind = element.get("t", "n")
        value_element = element.find(_S + "v")
        raw = value_element.text if value_element is not None else None
        formula = _formula(element.find(_S + "f"), element.get("r") or "", shared)
        style = element.get("s")
        fmt = (
            self.formats[int(style)]
            if style and style.isdigit() and int(style) < len(self.formats)
            else None
        )
        if kind == "inlineStr":
            inline = element.find(_S + "is")
            value: Any = _rich_text(inline) if inline is not None else ""
        elif raw is None or raw == "":
            value = None
        elif kind == "s":
            value = self.strings.get(int(raw)) if raw.isdigit() else ""
        elif kind in ("str", "e"):
            value = raw
        elif kind == "b":
            value = raw.strip() in ("1", "true")
        elif kind == "d":
            value = _iso_datetime(raw)
        else:
            value = self._number(raw, fmt)
        return _XlsxCell(value=value, formula=formula, number_format=fmt.code if fmt else "")

    def _number(self, raw: str, fmt: _CellFormat | None) -> Any:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        try:
            number: Any = float(raw)
        except ValueError:
            return raw
        if number.is_integer() and "." not in raw and "E" not in raw.upper():
            number = int(number)
        if fmt is not None and fmt.kind in ("date", "duration"):
            epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
            try:
                return from_excel(number, epoch, timedelta=fmt.kind == "duration")
            except (ValueError, OverflowError, TypeError):
                return number
        return number


def _uses_1904_dates(workbook: Any) -> bool:
    properties = workbook.find(_S + "workbookPr")
    return properties is not None and properties.get("date1904", "").lower() in ("1", "true")


@dataclass(frozen=True)
class _CellFormat:
    kind: str  # "date", "duration" or "number"
    code: str  # number format code for numbers worth formatting, else ""


def _cell_formats(styles: Any) -> list[_CellFormat]:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    custom = {
        int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
        for fmt in styles.iter(_S + "numFmt")
        if (fmt.get("numFmtId") or "").isdigit()
    }
    formats = []
    cell_xfs = styles.find(_S + "cellXfs")
    for xf in cell_xfs.iter(_S + "xf") if cell_xfs is not None else []:
        number_id = int(xf.get("numFmtId", "0")) if (xf.get("numFmtId") or "0").isdigit() else 0
        code = custom.get(number_id) or BUILTIN_FORMATS.get(number_id, "General")
        if is_timedelta_format(code):
            formats.append(_CellFormat("duration", ""))
        elif is_date_format(code):
            formats.append(_CellFormat("date", ""))
        else:
            formats.append(_CellFormat("number", "" if code == "General" else code))
    return formats


def _formula(element: Any, reference: str, shared: dict[str, tuple[str, str]]) -> str | None:
    """The cell's formula; dependents of a shared formula are translated from its master."""
    if element is None:
        return None
    text = element.text or ""
    index = element.get("si")
    if element.get("t") == "shared" and index is not None:
        if text:
            shared[index] = (text, reference)
        elif index in shared and reference:
            from openpyxl.formula.translate import Translator

            master, origin = shared[index]
            try:
                return Translator("=" + master, origin=origin).translate_formula(reference)
            except Exception:  # noqa: BLE001 - an untranslatable formula is shown as unknown
                return None
    return "=" + text if text else None


_REFERENCE_RE = re.compile(r"([A-Za-z]{1,3})([0-9]+)")


def _column_of(reference: str | None, default: int) -> int:
    match = _REFERENCE_RE.match(reference or "")
    return column_index(match.group(1)) if match else default


def _dimension(ref: str) -> tuple[int, int] | None:
    last = ref.rpartition(":")[2]
    match = _REFERENCE_RE.fullmatch(last.replace("$", ""))
    if match is None:
        return None
    return int(match.group(2)), column_index(match.group(1))


def _iso_datetime(raw: str) -> Any:
    try:
        return dt.datetime.fromisoformat(raw.rstrip("Z"))
    except ValueError:
        return raw


# [Red], [$-409] and [>100] are dropped; [$€-407] keeps its currency symbol.
_FORMAT_BRACKETS = re.compile(r"\[(?:\$([^\]-]*)[^\]]*|[^\]]*)\]")
# "text" literals, \x escapes, _x (space as wide as x) and *x (fill with x).
_FORMAT_LITERALS = re.compile(r'"([^"]*)"|\\(.)|_.|\*.')
_NUMBER_CODE = re.compile(
    r"^(?P<prefix>[^0#?.,%]*)(?P<digits>[0#?,]*)(?:\.(?P<decimals>[0#?]+))?(?P<suffix>[^0#?]*)$"
)


def _format_number(number: float | int, code: str) -> str:
    """Common number formats (#,##0.00, 0%, "$"#,##0, 0.0 "kg"); anything else as General."""
    sections = code.split(";")
    section, sign = sections[0], "-" if number < 0 else ""
    if number < 0 and len(sections) > 1:
        section, sign = sections[1], ""  # the negative section carries its own sign/brackets
    section = _FORMAT_BRACKETS.sub(lambda match: match.group(1) or "", section)
    section = _FORMAT_LITERALS.sub(_format_literal, section).strip()
    match = _NUMBER_CODE.match(section)
    if match is None or not (match["digits"] or match["decimals"]):
        return display_value(number)
    value = abs(float(number)) * (100 if "%" in match["suffix"] else 1)
    decimals = len(match["decimals"] or "")
    grouping = "," if "," in match["digits"] else ""
    return f"{sign}{match['prefix']}{value:{grouping}.{decimals}f}{match['suffix']}"


def _format_literal(match: re.Match[str]) -> str:
    quoted, escaped = match.groups()
    if quoted is not None:
        return quoted
    if escaped is not None:
        return escaped
    return " " if match.group(0).startswith("_") else ""


def _shown(value: Any, number_format: str) -> str:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and number_format:
        return _format_number(value, number_format)
    return _datetime_text(value)


@dataclass
class _SheetGrid:
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    rows_loaded: int = 0
    columns_loaded: int = 0
    complete: bool = False  # every non-empty cell of the sheet is in `cells`
    load_attempted: bool = False


class _Workbook:
    """Cells of a workbook plus a formula engine for formulas without cached values."""

    def __init__(self, path: Path) -> None:
        self.package = _XlsxPackage(path)
        self.sheets = {sheet.name: sheet for sheet in self.package.sheets}
        self.grids: dict[str, _SheetGrid] = {}
        self.engine = FormulaEngine(self.lookup, self.sheets)

    def close(self) -> None:
        self.package.close()

    def rows(self, sheet: _XlsxSheet, max_rows: int, max_columns: int) -> Iterator[Any]:
        """Rows of the sheet's top-left window, recorded for formula lookups."""
        grid = self.grids.setdefault(sheet.name, _SheetGrid())
        grid.columns_loaded = max(grid.columns_loaded, max_columns)
        for number, cells in self.package.rows(sheet, max_rows, max_columns):
            self._record(grid, number, cells)
            grid.rows_loaded = max(grid.rows_loaded, number)
            yield number, cells
        grid.rows_loaded = max(grid.rows_loaded, max_rows)  # rows past the end are empty

    @staticmethod
    def _record(grid: _SheetGrid, number: int, cells: dict[int, _XlsxCell]) -> None:
        for column, cell in cells.items():
            # The engine reuses a cached result and evaluates only formulas without one.
            if cell.formula is not None and cell.value is None:
                grid.cells[(number, column)] = cell.formula
            elif cell.value is not None:
                grid.cells[(number, column)] = cell.value

    def lookup(self, sheet: str, row: int, column: int) -> Any:
        grid = self.grids.setdefault(sheet, _SheetGrid())
        if not self._covers(grid, row, column):
            if not grid.load_attempted:
                self._load_whole(sheet, grid)
            if not self._covers(grid, row, column):
                raise FormulaError("refers beyond the part of the workbook that was loaded")
        return grid.cells.get((row, column))

    @staticmethod
    def _covers(grid: _SheetGrid, row: int, column: int) -> bool:
        return grid.complete or (row <= grid.rows_loaded and column <= grid.columns_loaded)

    def _load_whole(self, name: str, grid: _SheetGrid) -> None:
        """Load a whole sheet (up to a size cap) for formulas reaching outside the window."""
        grid.load_attempted = True
        sheet = self.sheets[name]
        if sheet.size > FORMULA_LOAD_MAX_XML_BYTES:
            return
        for number, cells in self.package.rows(sheet, MAX_ROWS, MAX_COLUMNS):
            self._record(grid, number, cells)
        grid.complete = True

    def value_text(self, sheet: str, row: int, column: int, cell: _XlsxCell) -> str:
        """What the cell shows: its value, or its formula's cached or computed result."""
        if cell.formula is None or cell.value is not None:
            return _shown(cell.value, cell.number_format)
        try:
            value = self.engine.cell_value(sheet, row, column)
        except FormulaError:
            return ""
        return (
            _shown(value, cell.number_format) if isinstance(value, float) else display_value(value)
        )


def _xlsx_preview(path: Path, limits: PreviewLimits) -> Preview:
    check_office_zip(path, "xlsx", max_decompressed_bytes=limits.max_decompressed_bytes)
    result = Preview(kind="xlsx")
    workbook = _Workbook(path)
    try:
        sheets = workbook.package.sheets
        for sheet in sheets[: limits.max_sheets]:
            result.sheets.append(_sheet_preview(workbook, sheet, limits, result))
        if len(sheets) > limits.max_sheets:
            result.note(f"Showing the first {limits.max_sheets} of {len(sheets)} sheets.")
    finally:
        workbook.close()
    return result


def _sheet_preview(
    workbook: _Workbook, sheet: _XlsxSheet, limits: PreviewLimits, result: Preview
) -> SheetPreview:
    from openpyxl.utils import get_column_letter

    rows = list(workbook.rows(sheet, limits.max_rows + 1, limits.max_columns + 1))
    more_rows = bool(rows) and rows[-1][0] > limits.max_rows
    rows = [(number, cells) for number, cells in rows if number <= limits.max_rows]
    height = rows[-1][0] if rows else 0
    width = max((max(cells) for _, cells in rows), default=0)
    more_columns = width > limits.max_columns
    width = min(width, limits.max_columns)
    total_rows, total_columns = sheet.dimension or (None, None)
    preview_sheet = SheetPreview(
        name=sheet.name,
        total_rows=total_rows,
        total_columns=total_columns,
        column_letters=[get_column_letter(index) for index in range(1, width + 1)],
    )
    by_number = dict(rows)
    cut_cells = False
    for number in range(1, height + 1):
        cells = by_number.get(number, {})
        shown = []
        for column in range(1, width + 1):
            cell = cells.get(column)
            preview_cell, cut = _cell_preview(workbook, (sheet.name, number, column), cell, limits)
            cut_cells = cut_cells or cut
            shown.append(preview_cell)
        preview_sheet.rows.append(shown)
    _note_sheet_limits(preview_sheet, result, limits, more_rows, more_columns, cut_cells)
    return preview_sheet


def _cell_preview(
    workbook: _Workbook,
    where: tuple[str, int, int],
    cell: _XlsxCell | None,
    limits: PreviewLimits,
) -> tuple[CellPreview, bool]:
    if cell is None:
        return CellPreview(value=""), False
    shown, cut = _cut_cell(workbook.value_text(*where, cell), limits)
    if cell.formula is None:
        return CellPreview(value=shown), cut
    formula, formula_cut = _cut_cell(cell.formula, limits)
    return CellPreview(value=shown, formula=formula), cut or formula_cut


def _note_sheet_limits(
    sheet: SheetPreview,
    result: Preview,
    limits: PreviewLimits,
    more_rows: bool,
    more_columns: bool,
    cut_cells: bool,
) -> None:
    if more_rows:
        sheet.truncated = True
        total = sheet.total_rows if sheet.total_rows and sheet.total_rows > limits.max_rows else 0
        of_total = f" of {total:,}" if total else ""
        result.note(f"{sheet.name}: showing the first {limits.max_rows:,} rows{of_total}.")
    if more_columns:
        sheet.truncated = True
        result.note(f"{sheet.name}: showing the first {limits.max_columns} columns.")
    if cut_cells:
        result.note(f"Some cells were cut at {limits.max_cell_chars:,} characters.")


_TEXT_MAX_COLUMNS = 200


def _xlsx_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    check_office_zip(path, "xlsx", max_decompressed_bytes=limits.max_decompressed_bytes)
    workbook = _Workbook(path)
    try:
        for sheet in workbook.package.sheets:
            yield f"Sheet: {sheet.name}\n"
            yield from _sheet_text(workbook, sheet)
            yield "\n"
    finally:
        workbook.close()


def _sheet_text(workbook: _Workbook, sheet: _XlsxSheet) -> Iterator[str]:
    previous = 0
    for number, cells in workbook.rows(sheet, MAX_ROWS, _TEXT_MAX_COLUMNS):
        texts = [""] * max(cells)
        for column, cell in cells.items():
            texts[column - 1] = _cell_text(workbook, (sheet.name, number, column), cell)
        while texts and not texts[-1]:
            texts.pop()
        if not texts:
            continue
        # Blank rows inside the data stay as empty lines so row positions still read true.
        gap = "\n" * (number - previous - 1) if previous else ""
        previous = number
        yield gap + "\t".join(texts) + "\n"


def _cell_text(workbook: _Workbook, where: tuple[str, int, int], cell: _XlsxCell) -> str:
    shown = workbook.value_text(*where, cell).replace("\t", " ").replace("\n", " ")
    if cell.formula is None:
        return shown
    return f"{cell.formula} → {shown}" if shown else cell.formula


# -- pptx --------------------------------------------------------------------------------


def _pptx_slides(
    path: Path, limits: PreviewLimits, result: Preview | None
) -> Iterator[SlidePreview]:
    from pptx import Presentation

    check_office_zip(path, "pptx", max_decompressed_bytes=limits.max_decompressed_bytes)
    presentation = Presentation(str(path))
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
    for shape in _iter_shapes(slide.shapes):
        if shape.shape_id == title_id:
            continue
        for text, level in _shape_lines(shape):
            bullets.append(text)
            levels.append(level)
    notes = ""
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = slide.notes_slide.notes_text_frame.text.strip()
    return SlidePreview(number=number, title=title, bullets=bullets, levels=levels, notes=notes)


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
    elif getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            yield " | ".join(cell.text.strip() for cell in row.cells), 0


def _pptx_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="pptx")
    result.slides = list(_pptx_slides(path, limits, result))
    return result


def _pptx_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    unbounded = PreviewLimits(
        max_slides=10_000, max_decompressed_bytes=limits.max_decompressed_bytes
    )
    for slide in _pptx_slides(path, unbounded, None):
        lines = [f"Slide {slide.number}: {slide.title}".rstrip()]
        lines += [
            f"{'  ' * level}- {text}"
            for text, level in zip(slide.bullets, slide.levels, strict=True)
        ]
        if slide.notes:
            lines.append(f"Notes: {slide.notes}")
        yield "\n".join(lines) + "\n\n"


# -- pdf ---------------------------------------------------------------------------------


def _pdf_reader(path: Path) -> Any:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise ArtifactReadError("cannot read .pdf file: it is password-protected")
    return reader


def _pdf_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    for page in _pdf_reader(path).pages:
        yield (page.extract_text() or "").strip() + "\n\n"


def _pdf_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="pdf")
    pages = _pdf_reader(path).pages
    pieces: list[str] = []
    chars = 0
    for number, page in enumerate(pages, start=1):
        text = (page.extract_text() or "").strip()
        pieces.append(text)
        chars += len(text)
        if chars > limits.max_text_chars and number < len(pages):
            result.note(f"Showing text of the first {number} of {len(pages)} pages.")
            break
    text = "\n\n".join(pieces).strip()
    if len(text) > limits.max_text_chars:
        result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    result.text = _cut_text(text, limits.max_text_chars)
    if not text:
        result.notes.append("This PDF has no extractable text (it may be scanned images).")
    return result


# -- eml ---------------------------------------------------------------------------------

_EMAIL_HEADERS = ("From", "To", "Cc", "Date", "Subject", "Message-ID", "In-Reply-To", "References")


def _parse_email(path: Path, limits: PreviewLimits) -> EmailMessage:
    _check_size(path, "eml", limits.max_parsed_file_bytes)
    with path.open("rb") as stream:
        message = BytesParser(policy=policy.default).parse(stream)
    if not isinstance(message, EmailMessage):
        raise ArtifactReadError("not a valid .eml file")
    return message


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a malformed header shows raw rather than failing
        value = next((raw for key, raw in message.raw_items() if key.lower() == name.lower()), "")
    return " ".join(str(value or "").split())


def _email_body(message: EmailMessage, max_chars: int) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, KeyError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = _html_to_text(content[: max_chars * 4])
    return content.replace("\r\n", "\n")


_BLOCK_TAG_RE = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)


def _html_to_text(markup: str) -> str:
    markup = _BLOCK_TAG_RE.sub("\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _attachments(message: EmailMessage) -> list[str]:
    names = []
    for part in message.iter_attachments():
        names.append(part.get_filename() or part.get_content_type())
    return names


def _email_preview(path: Path, limits: PreviewLimits) -> Preview:
    message = _parse_email(path, limits)
    result = Preview(kind="eml")
    body = _email_body(message, limits.max_text_chars)
    if len(body) > limits.max_text_chars:
        result.note(f"Showing the first {limits.max_text_chars:,} characters of the message.")
    references = _header(message, "References").split()
    result.email = EmailPreview(
        headers={name: _header(message, name) for name in _EMAIL_HEADERS if message.get(name)},
        subject=_header(message, "Subject"),
        sender=_header(message, "From"),
        to=_header(message, "To"),
        cc=_header(message, "Cc"),
        date=_header(message, "Date"),
        message_id=_header(message, "Message-ID"),
        in_reply_to=_header(message, "In-Reply-To"),
        references=references,
        body_text=_cut_text(body, limits.max_text_chars),
        attachments=_attachments(message),
    )
    return result


def _email_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    message = _parse_email(path, limits)
    for name in _EMAIL_HEADERS:
        value = _header(message, name)
        if value:
            yield f"{name}: {value}\n"
    attachments = _attachments(message)
    if attachments:
        yield f"Attachments: {', '.join(attachments)}\n"
    yield "\n" + _email_body(message, limits.max_text_chars)


# -- ics ---------------------------------------------------------------------------------


def _calendar_events(path: Path, limits: PreviewLimits) -> list[EventPreview]:
    from icalendar import Calendar

    _check_size(path, "ics", limits.max_parsed_file_bytes)
    calendar = Calendar.from_ical(path.read_bytes())
    events = [_event_preview(component) for component in calendar.walk("VEVENT")]
    events.sort(key=lambda event: _sort_key(event.start))
    return events


def _event_preview(component: Any) -> EventPreview:
    start = _ical_time(component.get("dtstart"))
    end = _ical_time(component.get("dtend"))
    duration = component.get("duration")
    if end is None and start is not None and duration is not None:
        end = start + duration.dt
    attendees = component.get("attendee") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    rrule = component.get("rrule")
    return EventPreview(
        title=str(component.get("summary") or ""),
        start=start,
        end=end,
        when=_event_when(start, end),
        all_day=isinstance(start, dt.date) and not isinstance(start, dt.datetime),
        location=str(component.get("location") or ""),
        description=str(component.get("description") or ""),
        attendees=[_person(attendee) for attendee in attendees],
        organizer=_person(component.get("organizer")) if component.get("organizer") else "",
        uid=str(component.get("uid") or ""),
        recurrence=rrule.to_ical().decode() if rrule is not None else "",
    )


def _ical_time(prop: Any) -> dt.datetime | dt.date | None:
    value = getattr(prop, "dt", None)
    return value if isinstance(value, dt.date) else None


def _person(address: Any) -> str:
    """'Name <email>' from a CAL-ADDRESS, without Thunderbird's 'invalid:nomail' filler."""
    text = str(address)
    email_address = text[7:] if text.lower().startswith("mailto:") else ""
    name = str(getattr(address, "params", {}).get("CN", "")).strip()
    if name and email_address:
        return f"{name} <{email_address}>"
    return name or email_address or text


def _sort_key(value: dt.datetime | dt.date | None) -> dt.datetime:
    if value is None:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _event_when(start: Any, end: Any) -> str:
    if start is None:
        return ""
    if not isinstance(start, dt.datetime):
        return start.isoformat() + (f" – {end.isoformat()}" if end and end != start else "")
    text = start.strftime("%Y-%m-%d %H:%M")
    if isinstance(end, dt.datetime):
        same_day = end.date() == start.date()
        text += " – " + end.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")
    if start.tzinfo is not None:
        text += f" {start.tzname() or ''}".rstrip()
    return text


def _calendar_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="ics")
    events = _calendar_events(path, limits)
    if len(events) > limits.max_events:
        result.note(f"Showing the first {limits.max_events:,} of {len(events):,} events.")
    result.events = events[: limits.max_events]
    return result


def _calendar_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    for event in _calendar_events(path, limits):
        lines = [f"Event: {event.title}", f"When: {event.when}"]
        if event.location:
            lines.append(f"Where: {event.location}")
        if event.attendees:
            lines.append(f"Attendees: {', '.join(event.attendees)}")
        if event.recurrence:
            lines.append(f"Repeats: {event.recurrence}")
        if event.description:
            lines.append(event.description)
        yield "\n".join(lines) + "\n\n"


# -- csv ---------------------------------------------------------------------------------

_CSV_COUNT_CAP = 1_000_000


def _csv_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _csv_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="csv")
    encoding = _text_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as stream:
        dialect = _csv_dialect(stream.read(_SNIFF_BYTES // 4))
        stream.seek(0)
        try:
            result.table = _csv_table(csv.reader(stream, dialect), limits, result)
        except csv.Error as exc:
            result.table = None
            result.text, cut = _read_text(path, limits.max_text_chars)
            result.notes.append(f"Could not parse as CSV ({exc}); showing the raw text.")
            if cut:
                result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    return result


def _csv_table(reader: Iterator[list[str]], limits: PreviewLimits, result: Preview) -> TablePreview:
    header = next(reader, [])
    width = min(len(header), limits.max_columns)
    rows: list[list[str]] = []
    cut_cells = False
    wider = len(header) > limits.max_columns
    extra = 0
    for row in reader:
        if len(rows) >= limits.max_rows:
            extra += 1
            if extra >= _CSV_COUNT_CAP:
                break
            continue
        wider = wider or len(row) > max(width, limits.max_columns)
        width = max(width, min(len(row), limits.max_columns))
        cells = []
        for value in row[: limits.max_columns]:
            text, cut = _cut_cell(value, limits)
            cut_cells = cut_cells or cut
            cells.append(text)
        rows.append(cells)
    columns = [_cut_cell(name, limits)[0] for name in header[:width]]
    columns += [""] * (width - len(columns))
    rows = [row + [""] * (width - len(row)) for row in rows]
    if extra:
        total = f"{len(rows) + extra:,}" if extra < _CSV_COUNT_CAP else "over 1,000,000"
        result.note(f"Showing the first {limits.max_rows:,} rows of {total}.")
    if wider:
        result.note(f"Showing the first {limits.max_columns} columns.")
    if cut_cells:
        result.note(f"Some cells were cut at {limits.max_cell_chars:,} characters.")
    return TablePreview(columns=columns, rows=rows, truncated=bool(extra or wider))


def _csv_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    text, _ = _read_text(path, limits.max_text_chars + 1)
    yield text


# -- md, txt -----------------------------------------------------------------------------


def _markdown_preview(path: Path, limits: PreviewLimits) -> Preview:
    import markdown

    result = Preview(kind="md")
    text, cut = _read_text(path, limits.max_text_chars)
    if cut:
        result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    result.text = text
    rendered = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    result.html = sanitise_html(rendered)
    return result


def _text_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="txt")
    text, cut = _read_text(path, limits.max_text_chars)
    if cut:
        result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    result.text = text
    return result


def _plain_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    text, _ = _read_text(path, limits.max_text_chars + 1)
    yield text


_TEXT_EXTRACTORS: dict[str, Callable[[Path, PreviewLimits], Iterator[str]]] = {
    "docx": _docx_text,
    "xlsx": _xlsx_text,
    "pptx": _pptx_text,
    "pdf": _pdf_text,
    "md": _plain_text,
    "txt": _plain_text,
    "csv": _csv_text,
    "eml": _email_text,
    "ics": _calendar_text,
}

_PREVIEWERS: dict[str, Callable[[Path, PreviewLimits], Preview]] = {
    "docx": _docx_preview,
    "xlsx": _xlsx_preview,
    "pptx": _pptx_preview,
    "pdf": _pdf_preview,
    "md": _markdown_preview,
    "txt": _text_preview,
    "csv": _csv_preview,
    "eml": _email_preview,
    "ics": _calendar_preview,
}

# Kinds extract_text and preview accept (callers need not reach for the tables above).
READABLE_KINDS: frozenset[str] = frozenset(_TEXT_EXTRACTORS)
