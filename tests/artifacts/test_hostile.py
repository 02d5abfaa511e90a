"""Readers treat every file as hostile: no active HTML, no bombs, no raw library errors."""

from __future__ import annotations

import random
import shutil
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from studio.artifacts import readers
from studio.artifacts.readers import (
    ArtifactReadError,
    PreviewLimits,
    UnsafeFileError,
    extract_text,
    preview,
    sanitise_html,
)
from studio.artifacts.writers import write_artifact
from studio.generation.schemas import CsvContent, Sheet, WorkbookContent
from tests.artifacts import document, presentation, workbook

ALLOWED_TAGS = readers._ALLOWED_TAGS


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def assert_inert(markup: str) -> None:
    """Only allow-listed tags, no event handlers or styles, links only to safe schemes."""
    parser = _Tags()
    parser.feed(markup)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name in ("href", "title", "rel", "colspan", "rowspan"), (tag, name)
            if name == "href":
                target = (value or "").strip().lower()
                assert not target.startswith(("javascript:", "data:", "vbscript:")), target
                assert ":" not in target.split("/")[0] or target.startswith(
                    ("http:", "https:", "mailto:")
                )
    lowered = markup.lower()
    for needle in ("<script", "<iframe", "<style", "<svg", "<img", "javascript:", "data:text"):
        assert needle not in lowered, needle


# -- HTML from documents -----------------------------------------------------------------

PAYLOAD = "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>"


def _hostile_docx(path: Path) -> Path:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = docx.Document()
    doc.add_heading("Invoice", 1)
    doc.add_paragraph(PAYLOAD)
    for target, label in [
        ("javascript:alert(document.cookie)", "js link"),
        ("JaVaScRiPt:alert(1)", "mixed case"),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "data link"),
        ("vbscript:msgbox(1)", "vb link"),
        ("https://example.com/report", "safe link"),
    ]:
        paragraph = doc.add_paragraph("See ")
        link = OxmlElement("w:hyperlink")
        rel_id = doc.part.relate_to(target, RT.HYPERLINK, is_external=True)
        link.set(qn("r:id"), rel_id)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = label
        run.append(text)
        link.append(run)
        paragraph._p.append(link)
    doc.save(str(path))
    return path


@pytest.mark.parametrize("streamed", [False, True], ids=["mammoth", "streamed"])
def test_docx_preview_is_inert(tmp_path: Path, monkeypatch, streamed: bool) -> None:
    if streamed:
        monkeypatch.setattr(readers, "MAMMOTH_MAX_XML_BYTES", 0)
    html = preview(_hostile_docx(tmp_path / "evil.docx"), "docx").html or ""
    assert_inert(html)
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in html  # shown, as text
    assert "js link" in html and "data link" in html
    assert '<a href="https://example.com/report" rel="noopener noreferrer nofollow">' in html


MARKDOWN = """# Notes

<script>alert(1)</script>
<img src=x onerror=alert(1)>
<svg onload=alert(1)><circle/></svg>
<iframe src="https://evil.example"></iframe>
<div style="background:url(javascript:alert(1))" onclick="steal()">styled</div>
<a href="&#106;avascript:alert(1)">encoded</a>
<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>
<form action="https://evil.example"><input name="password"></form>
<meta http-equiv="refresh" content="0;url=https://evil.example">
<style>body { display: none }</style>

[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](vbscript:msgbox(1))
[ok](https://example.com) [mail](mailto:a@example.com) [rel](other/file.md)
"""


def test_markdown_preview_is_inert(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN)
    html = preview(path, "md").html or ""
    assert_inert(html)
    assert "<h1>Notes</h1>" in html and "styled" in html
    assert 'href="https://example.com"' in html and 'href="mailto:a@example.com"' in html
    assert 'href="other/file.md"' in html


def test_sanitise_html_directly() -> None:
    dirty = (
        '<p onclick="x()" style="color:red" class="c">hi <b>b</b> <u>u</u></p>'
        '<a href="javascript:alert(1)" onmouseover="x()">bad</a>'
        '<table><tr><td colspan="2" onclick="x">cell</td></tr></table>'
        "<object data='x.swf'></object><embed src='x'><base href='https://evil'>"
    )
    clean = sanitise_html(dirty)
    assert_inert(clean)
    assert clean.startswith("<p>hi <b>b</b> <u>u</u></p>")
    assert '<td colspan="2">cell</td>' in clean
    assert "bad" in clean


# -- zip bombs and broken archives -------------------------------------------------------


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 MB of zeros in ~1.3 MB, next to the parts that make it look like docx and xlsx."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(4 * 1024 * 1024)
            for _ in range(75):
                member.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    return path


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_zip_bomb_is_refused_without_inflating(zip_bomb: Path, tmp_path: Path, kind: str) -> None:
    disguised = tmp_path / f"report.{kind}"
    shutil.copy(zip_bomb, disguised)
    started = time.perf_counter()
    with pytest.raises(UnsafeFileError, match="possible zip bomb"):
        preview(disguised, kind)
    with pytest.raises(UnsafeFileError, match="possible zip bomb"):
        extract_text(disguised, kind)
    assert time.perf_counter() - started < 1.0  # the directory alone gave it away


def test_total_expanded_size_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "fine.docx"
    write_artifact(path, "docx", document())
    with pytest.raises(UnsafeFileError, match="over the"):
        preview(path, "docx", limits=PreviewLimits(max_decompressed_bytes=20_000))


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_random_bytes_are_a_clear_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"noise.{kind}"
    path.write_bytes(random.Random(7).randbytes(4096))
    for read in (lambda: preview(path, kind), lambda: extract_text(path, kind)):
        with pytest.raises(ArtifactReadError) as error:
            read()
        assert str(error.value).startswith(f"not a valid .{kind} file:")
        assert "Traceback" not in str(error.value)


def test_truncated_and_hollow_archives(tmp_path: Path) -> None:
    whole = tmp_path / "whole.docx"
    write_artifact(whole, "docx", document())
    cut = tmp_path / "cut.docx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ArtifactReadError, match=r"^not a valid \.docx file"):
        preview(cut, "docx")

    hollow = tmp_path / "hollow.docx"
    with zipfile.ZipFile(hollow, "w") as archive:
        archive.writestr("readme.txt", "no document here")
    with pytest.raises(ArtifactReadError, match="it has no word/document.xml"):
        extract_text(hollow, "docx")


def test_garbage_xml_inside_a_valid_zip(tmp_path: Path) -> None:
    path = tmp_path / "garbage.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><w:body><w:p>unclosed")
    for read in (lambda: preview(path, "docx"), lambda: extract_text(path, "docx")):
        with pytest.raises(ArtifactReadError, match=r"^could not read \.docx file"):
            read()


# -- XML entity attacks ------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
LAUGHING_DOCUMENT = (
    BILLION_LAUGHS + f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
    "</w:body></w:document>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def _replace_part(source: Path, target: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            copy.writestr(info, data if info.filename == member else original.read(info))
    return target


def _written(tmp_path: Path, kind: str) -> Path:
    content = {"docx": document, "xlsx": workbook, "pptx": presentation}[kind]()
    path = tmp_path / f"clean.{kind}"
    write_artifact(path, kind, content)
    return path


@pytest.mark.parametrize(
    ("kind", "member", "payload"),
    [
        ("docx", "word/document.xml", LAUGHING_DOCUMENT.encode()),
        ("docx", "word/styles.xml", (XXE + "<w:styles/>").encode()),
        ("docx", "word/document.xml", ("<!--" + " " * 50_000 + "-->" + LAUGHING_DOCUMENT).encode()),
        (
            "docx",
            "word/document.xml",
            LAUGHING_DOCUMENT.replace("utf-8", "utf-16").encode("utf-16"),
        ),
        ("xlsx", "xl/worksheets/sheet1.xml", (BILLION_LAUGHS + "<worksheet/>").encode()),
        ("xlsx", "xl/workbook.xml", (XXE + "<workbook/>").encode()),
        ("pptx", "ppt/slides/slide1.xml", (BILLION_LAUGHS + "<p:sld/>").encode()),
    ],
    ids=[
        "billion-laughs",
        "xxe-styles",
        "dtd-after-comment",
        "utf16",
        "xlsx-sheet",
        "xlsx-xxe",
        "pptx",
    ],
)
def test_dtds_are_refused(tmp_path: Path, kind: str, member: str, payload: bytes) -> None:
    path = _replace_part(_written(tmp_path, kind), tmp_path / f"evil.{kind}", member, payload)
    for read in (lambda: preview(path, kind), lambda: extract_text(path, kind)):
        with pytest.raises(UnsafeFileError, match="declares a DTD"):
            read()


def test_prolog_too_long_to_inspect_is_refused(tmp_path: Path) -> None:
    padded = ("<!--" + " " * 70_000 + "-->" + LAUGHING_DOCUMENT).encode()
    path = _replace_part(
        _written(tmp_path, "docx"), tmp_path / "pad.docx", "word/document.xml", padded
    )
    with pytest.raises(UnsafeFileError, match="oversized XML prolog"):
        preview(path, "docx")


@pytest.mark.parametrize("read", ["preview", "extract_text"])
def test_parsers_are_safe_even_without_the_zip_check(
    tmp_path: Path, monkeypatch, read: str
) -> None:
    """Defence in depth: with the prolog check off, parsing still refuses or contains it."""
    monkeypatch.setattr(readers, "check_office_zip", lambda *args, **kwargs: None)
    path = _replace_part(
        _written(tmp_path, "docx"),
        tmp_path / "lol.docx",
        "word/document.xml",
        LAUGHING_DOCUMENT.encode(),
    )
    started = time.perf_counter()
    with pytest.raises(ArtifactReadError):
        (preview if read == "preview" else extract_text)(path, "docx")
    assert time.perf_counter() - started < 5


# -- oversized content -------------------------------------------------------------------


def test_huge_cells_are_cut(tmp_path: Path) -> None:
    huge = "x" * 100_000
    xlsx = tmp_path / "huge.xlsx"
    write_artifact(
        xlsx,
        "xlsx",
        WorkbookContent(summary="s", sheets=[Sheet(name="S", columns=["a"], rows=[[huge]])]),
    )
    result = preview(xlsx, "xlsx")
    assert result.sheets[0].rows[1][0].value == "x" * 2_000 + "…"
    assert "Some cells were cut at 2,000 characters." in result.notes

    csv_path = tmp_path / "huge.csv"
    write_artifact(csv_path, "csv", CsvContent(summary="s", columns=["a", "b"], rows=[[huge, 1]]))
    table = preview(csv_path, "csv").table
    assert table.rows[0] == ["x" * 2_000 + "…", "1"]


def test_csv_field_over_the_parser_limit_falls_back_to_text(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("a,b\n" + "y" * 300_000 + ",1\n")
    result = preview(path, "csv", limits=PreviewLimits(max_text_chars=1_000))
    assert result.table is None
    assert result.text == "a,b\n" + "y" * 996
    assert result.notes[0].startswith("Could not parse as CSV")


def test_hostile_formulas_cost_nothing(tmp_path: Path) -> None:
    rows = [
        ["=SUM(A1:XFD1048576)"],
        ["=A3"],
        ["=A2"],
        ["=" + "(" * 500 + "1" + ")" * 500],
        ['=INDIRECT("A1")'],
    ]
    path = tmp_path / "formulas.xlsx"
    write_artifact(
        path,
        "xlsx",
        WorkbookContent(summary="s", sheets=[Sheet(name="S", columns=["f"], rows=rows)]),
    )
    started = time.perf_counter()
    cells = [row[0] for row in preview(path, "xlsx").sheets[0].rows[1:]]
    assert time.perf_counter() - started < 2
    assert [c.value for c in cells] == ["", "", "", "", ""]
    assert [c.formula for c in cells] == [row[0] for row in rows]


def test_bad_shared_string_indexes(tmp_path: Path) -> None:
    from tests.artifacts.test_xlsx_reader import build_xlsx

    data = '<row r="1"><c r="A1" t="s"><v>99999</v></c><c r="B1" t="s"><v>x</v></c><c r="C1" t="s"><v>0</v></c></row>'
    path = build_xlsx(tmp_path / "sst.xlsx", {"S": data}, "<si><t>only</t></si>")
    assert [c.value for c in preview(path, "xlsx").sheets[0].rows[0]] == ["", "", "only"]


@pytest.mark.parametrize("kind", ["pdf", "ics", "eml"])
def test_garbage_in_other_kinds(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"noise.{kind}"
    path.write_bytes(
        b"BEGIN:VCALENDAR\r\n" + random.Random(3).randbytes(2048)
        if kind == "ics"
        else random.Random(3).randbytes(2048)
    )
    if kind == "eml":  # any bytes are a (strange) message: it must still preview
        assert preview(path, kind).email is not None
        return
    with pytest.raises(ArtifactReadError, match=rf"^could not read \.{kind} file"):
        preview(path, kind)


def test_parsed_whole_kinds_have_a_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.eml"
    path.write_bytes(b"Subject: hi\r\n\r\n" + b"a" * 5_000)
    with pytest.raises(UnsafeFileError, match="limit for this kind"):
        preview(path, "eml", limits=PreviewLimits(max_parsed_file_bytes=1_000))
