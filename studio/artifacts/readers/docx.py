"""docx: a streaming reader of the document body, its plain text, and its preview.

Small documents preview through mammoth, large ones through the streaming renderer (both in
readers.html). Callers go through studio.artifacts.readers, which checks the zip first.
"""

from __future__ import annotations

import html
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeElementTree

from studio.artifacts.readers.html import mammoth_html, sanitise_html, streamed_docx_html
from studio.artifacts.readers.types import Preview, PreviewLimits

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DOCX_BODY = "word/document.xml"
_NUMBERING_PART = "word/numbering.xml"
_RELS_PART = "word/_rels/document.xml.rels"
# mammoth converts the whole document in pure Python, in time that grows with its size; past
# this size a streaming renderer that stops at the preview limit (headings, emphasis, links,
# lists and tables; no footnotes, nesting or images) keeps a huge document's preview instant.
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
class DocxBlock:
    kind: str  # "p" or "table"
    text: str = ""
    markup: str = ""
    style: str = ""
    num_id: str = ""
    listed: bool = False
    rows: list[list[str]] = field(default_factory=list)


def docx_blocks(path: Path, links: dict[str, str] | None = None) -> Iterator[DocxBlock]:
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

    def walk(self, source: Any) -> Iterator[DocxBlock]:
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

    def _end(self, element: Any) -> DocxBlock | None:
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

    def _end_paragraph(self) -> DocxBlock | None:
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
        return DocxBlock(
            "p",
            text=text,
            markup="".join(paragraph.markup),
            style=paragraph.style,
            num_id=paragraph.num_id,
            listed=paragraph.listed,
        )

    def _end_table(self) -> DocxBlock | None:
        rows = [["\n".join(cell).strip() for cell in row] for row in self.tables.pop()]
        if self.tables and self.tables[-1] and self.tables[-1][-1]:
            nested = "\n".join("\t".join(row) for row in rows)
            self.tables[-1][-1][-1].append(nested)
            return None
        return DocxBlock("table", rows=rows)


def docx_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    for block in docx_blocks(path):
        if block.kind == "p":
            yield block.text + "\n"
        else:
            yield "".join("\t".join(row) + "\n" for row in block.rows) + "\n"


def docx_preview(
    path: Path, limits: PreviewLimits, *, mammoth_max_xml_bytes: int = MAMMOTH_MAX_XML_BYTES
) -> Preview:
    result = Preview(kind="docx")
    with zipfile.ZipFile(path) as archive:
        body_size = archive.getinfo(_DOCX_BODY).file_size
    if body_size > mammoth_max_xml_bytes:
        links, list_kinds = _docx_links_and_lists(path)
        markup = streamed_docx_html(docx_blocks(path, links), list_kinds, limits, result)
        result.html = sanitise_html(markup)
        result.notes.insert(0, "Large document: showing a simplified preview.")
        return result
    markup = mammoth_html(path)
    if len(markup) > limits.max_text_chars:
        # nh3 parses like a browser, so closing the tags a cut leaves open is its job.
        markup = markup[: limits.max_text_chars]
        result.note(f"Showing the first {limits.max_text_chars:,} characters of the document.")
    result.html = sanitise_html(markup)
    return result


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
