"""HTML from untrusted documents: the allow-list sanitiser, HTML to plain text, and the two
docx renderers -- mammoth for ordinary documents and a streaming one for large documents.

Everything a preview shows as HTML goes through sanitise_html last.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import nh3

from studio.artifacts.readers.types import Preview, PreviewLimits

if TYPE_CHECKING:
    from studio.artifacts.readers.docx import DocxBlock

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
    "ul", "ol", "li", "strong", "em", "b", "i", "u", "s", "sub", "sup", "a",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


def sanitise_html(markup: str) -> str:
    """Allow-list sanitiser for HTML made from untrusted documents.

    No script/style/iframe or other active content, no on* or style attributes, and links
    only to http(s)/mailto or relative targets -- javascript: and data: URLs are dropped.
    """
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_BLOCK_TAG_RE = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)


def html_to_text(markup: str) -> str:
    """Plain text of untrusted HTML (an email's HTML body); block ends become line breaks."""
    markup = _BLOCK_TAG_RE.sub("\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- mammoth -----------------------------------------------------------------------------

_MAMMOTH_STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => h2:fresh
p[style-name='Caption'] => p:fresh
"""


def mammoth_html(path: Path) -> str:
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


# -- streamed docx -----------------------------------------------------------------------


def streamed_docx_html(
    blocks: Iterable[DocxBlock], list_kinds: dict[str, str], limits: PreviewLimits, result: Preview
) -> str:
    """HTML in one pass: headings, paragraphs with bold/italic/links, lists and tables.

    ``blocks`` come from the streaming docx reader; ``list_kinds`` maps numbering ids to
    "ol" or "ul". Rendering stops once the preview's text limit is passed.
    """
    parts: list[str] = []
    total = 0
    open_list = ""
    for block in blocks:
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


def _list_kind(block: DocxBlock, list_kinds: dict[str, str]) -> str:
    if block.kind != "p":
        return ""
    if block.num_id in list_kinds:
        return list_kinds[block.num_id]
    style = block.style.lower()
    if "number" in style and style.startswith("list"):
        return "ol"
    return "ul" if block.listed or style.startswith("listbullet") else ""


_HEADING_STYLE = re.compile(r"^(?:heading|berschrift|titre)\s*([1-6])$", re.IGNORECASE)


def _docx_block_html(block: DocxBlock, listed: bool) -> str:
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
