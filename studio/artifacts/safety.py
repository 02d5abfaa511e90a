"""Checks run before any artifact file is handed to a parsing library.

Files under a computer's folder are written by models and agents, and researchers can upload
their own, so readers treat every file as hostile: Office zips are inspected for zip bombs and
XML entity tricks before python-docx, openpyxl, python-pptx or mammoth see them.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MB = 1024 * 1024
DEFAULT_MAX_DECOMPRESSED_BYTES = 200 * MB
# A ratio this high is normal for tiny, repetitive XML parts; only big members are suspicious.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_MIN_BYTES = 10 * MB
MAX_ZIP_MEMBERS = 20_000
# Office XML never carries a DTD; a prolog longer than this is itself a sign of tampering.
MAX_XML_PROLOG_BYTES = 64 * 1024

OFFICE_MAIN_PART = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}


class ArtifactReadError(Exception):
    """A file could not be read; the message is fit to show to a user."""


class UnsafeFileError(ArtifactReadError):
    """A file was refused because reading it could exhaust memory, disk or CPU."""


def check_office_zip(
    path: Path,
    kind: str,
    *,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
) -> None:
    """Refuse an Office file that is not a zip, lacks its main part, or looks like a bomb.

    Only the central directory and the first bytes of XML parts are read, so this is cheap.
    Declared sizes can be trusted as an upper bound: Python's zipfile never inflates a member
    past the size its directory entry declares, and every library here reads through zipfile.
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise ArtifactReadError(f"file not found: {path.name}") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArtifactReadError(f"not a valid .{kind} file: {_reason(exc)}") from exc
    with archive:
        members = archive.infolist()
        _check_directory(members, kind, max_decompressed_bytes)
        _check_main_part(archive, kind)
        for info in members:
            if _is_xml_member(info.filename):
                _check_xml_prolog(archive, info, kind)


def _check_directory(
    members: list[zipfile.ZipInfo], kind: str, max_decompressed_bytes: int
) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise UnsafeFileError(
            f"refused .{kind} file: {len(members):,} archive members (limit {MAX_ZIP_MEMBERS:,})"
        )
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise UnsafeFileError(
                f"refused .{kind} file: member {info.filename!r} expands {ratio:,.0f}x "
                f"to {_human(info.file_size)} (possible zip bomb)"
            )
    if total > max_decompressed_bytes:
        raise UnsafeFileError(
            f"refused .{kind} file: it expands to {_human(total)}, "
            f"over the {_human(max_decompressed_bytes)} limit"
        )


def _check_main_part(archive: zipfile.ZipFile, kind: str) -> None:
    main_part = OFFICE_MAIN_PART.get(kind)
    if main_part is None:
        return
    names = set(archive.namelist())
    if main_part not in names:
        raise ArtifactReadError(f"not a valid .{kind} file: it has no {main_part}")


def _is_xml_member(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((".xml", ".rels", ".vml"))


def _check_xml_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str) -> None:
    """Refuse a part whose prolog declares a DTD (entity expansion, external entities)."""
    try:
        with archive.open(info) as member:
            head = member.read(MAX_XML_PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ArtifactReadError(
            f"not a valid .{kind} file: part {info.filename!r} is unreadable ({_reason(exc)})"
        ) from exc
    verdict = _prolog_declares_dtd(_ascii_view(head))
    if verdict:
        raise UnsafeFileError(
            f"refused .{kind} file: part {info.filename!r} declares a DTD/entities, "
            "which Office files never need"
        )
    if verdict is None and len(head) >= MAX_XML_PROLOG_BYTES:
        raise UnsafeFileError(
            f"refused .{kind} file: part {info.filename!r} has an oversized XML prolog"
        )


def _ascii_view(head: bytes) -> bytes:
    """Return the bytes as 8-bit text so markup can be matched whatever the encoding."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace").encode("ascii", errors="replace")
    return head


def _prolog_declares_dtd(text: bytes) -> bool | None:
    """True on a <!DOCTYPE>/<!ENTITY> before the root element, False at the root element,
    None when the prolog does not end within the bytes given. Linear in len(text)."""
    position = 0
    while True:
        start = text.find(b"<", position)
        if start < 0:
            return None
        if text.startswith(b"<?", start):
            end = text.find(b"?>", start + 2)
            position = end + 2
        elif text.startswith(b"<!--", start):
            end = text.find(b"-->", start + 4)
            position = end + 3
        else:
            return text.startswith(b"<!", start)
        if end < 0:
            return None


def _human(size: int) -> str:
    if size >= MB:
        return f"{size / MB:,.0f} MB"
    return f"{size / 1024:,.0f} KB"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


@contextmanager
def library_errors(kind: str, action: str = "read") -> Iterator[None]:
    """Turn any exception a parsing library raises into a readable ArtifactReadError."""
    try:
        yield
    except ArtifactReadError:
        raise
    except MemoryError as exc:
        raise UnsafeFileError(
            f"refused .{kind} file: it needs too much memory to {action}"
        ) from exc
    except RecursionError as exc:
        raise UnsafeFileError(f"refused .{kind} file: it is nested too deeply to {action}") from exc
    except FileNotFoundError as exc:
        raise ArtifactReadError(f"file not found: {Path(str(exc.filename or '')).name}") from exc
    except Exception as exc:  # noqa: BLE001 - libraries raise anything; callers need one type
        raise ArtifactReadError(f"could not {action} .{kind} file: {_reason(exc)}") from exc
