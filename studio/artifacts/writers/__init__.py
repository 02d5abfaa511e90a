"""Render generated content into real files: docx, xlsx, pptx, pdf, md, txt, csv, eml, ics.

One writer per kind, each through the library its field uses (python-docx, openpyxl,
python-pptx, fpdf2, email, icalendar); every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from studio.artifacts.writers.common import Meta, aware, format_cell, utc_naive
from studio.artifacts.writers.docx import write_docx
from studio.artifacts.writers.mail import PRODID, event_uid, write_eml, write_ics
from studio.artifacts.writers.pdf import write_pdf
from studio.artifacts.writers.pptx import write_pptx
from studio.artifacts.writers.text import write_csv, write_text
from studio.artifacts.writers.xlsx import write_xlsx
from studio.generation.schemas import CONTENT_BY_KIND, ArtifactBase, EmailEnvelope

__all__ = ["PRODID", "WRITERS", "event_uid", "format_cell", "write_artifact"]

Writer = Callable[[IO[bytes], Any, Meta], None]

WRITERS: dict[str, Writer] = {
    "docx": write_docx,
    "xlsx": write_xlsx,
    "pptx": write_pptx,
    "pdf": write_pdf,
    "md": write_text,
    "txt": write_text,
    "csv": write_csv,
    "eml": write_eml,
    "ics": write_ics,
}


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
    when = utc_naive(mtime) if mtime else dt.datetime.now(dt.UTC).replace(tzinfo=None)
    title = getattr(content, "title", "") or getattr(content, "subject", "") or path.stem
    meta = Meta(title=str(title), author=author, when=when, envelope=envelope)
    return _atomic_write(path, lambda stream: writer(stream, content, meta), mtime)


def _atomic_write(
    path: Path, produce: Callable[[IO[bytes]], None], mtime: dt.datetime | None
) -> int:
    """Write via a temp file in the same directory so readers never see a partial file.

    No fsync: generated files are reproducible from the DB.
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
            stamp = aware(mtime).timestamp()
            os.utime(temp, (stamp, stamp))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return size
