"""A computer's files on disk, as the pages reach them: resolved inside the computer, never
through a symlink, previewed without letting a broken or hostile file take the page down."""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from studio.models import ComputerFile
from studio.paths import PathEscapeError, resolve_inside
from studio.volumes import stored_at

log = logging.getLogger(__name__)


class FileUnavailable(Exception):
    """The indexed file cannot be served: outside its folder, a symlink, or gone from disk."""


def file_disk_path(*, file: ComputerFile) -> Path:
    """The real path of an indexed file, checked component by component from the computer's
    own folder, so neither the home folder nor anything below it may be a symlink."""
    relative = stored_at(scope=file.scope, owner=file.owner, path=file.path)
    try:
        path = resolve_inside(file.computer.root, relative)
    except PathEscapeError as exc:
        raise FileUnavailable(str(exc)) from None
    try:
        info = path.lstat()
    except OSError:
        raise FileUnavailable(f"{file.path} is not on disk") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileUnavailable(f"{file.path} is not a regular file")
    return path


def file_open(*, file: ComputerFile) -> IO[bytes]:
    """The file opened for reading; O_NOFOLLOW closes the gap between the check and the open."""
    path = file_disk_path(file=file)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise FileUnavailable(f"{file.path} cannot be opened ({exc.strerror})") from None
    return os.fdopen(fd, "rb")


@dataclass
class PreviewResult:
    preview: Any = None  # studio.artifacts.readers.Preview
    error: str = ""


# Office files and PDFs above this size get their preview in a second request, so the page
# (metadata, download, links) is there at once whatever the reader costs.
INLINE_PREVIEW_MAX_BYTES = 512 * 1024
_HEAVY_KINDS = frozenset({"docx", "xlsx", "pptx", "pdf"})


def file_preview_deferred(*, file: ComputerFile) -> bool:
    return file.kind in _HEAVY_KINDS and file.size > INLINE_PREVIEW_MAX_BYTES


class _PreviewCache:
    """The last few previews built in this process, keyed by the file's identity on disk
    (inode, size, mtime in ns), so a changed file is never served stale. Readers are bounded
    but not free: a workbook whose totals sum 50,000 formula rows takes seconds to evaluate,
    and researchers flip back and forth between the same files."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, PreviewResult] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> PreviewResult | None:
        with self.lock:
            result = self.entries.get(key)
            if result is not None:
                self.entries.move_to_end(key)
            return result

    def put(self, key: tuple, result: PreviewResult) -> None:
        with self.lock:
            self.entries[key] = result
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


preview_cache = _PreviewCache(size=32)


def file_preview(*, file: ComputerFile) -> PreviewResult:
    """The preview the readers build for ``file``, or a message saying why there is none."""
    from studio.artifacts.readers import preview
    from studio.artifacts.safety import ArtifactReadError

    try:
        path = file_disk_path(file=file)
        info = path.lstat()
    except (FileUnavailable, OSError) as exc:
        return PreviewResult(error=f"The file cannot be shown: {exc}.")
    key = (str(path), file.kind, info.st_ino, info.st_size, info.st_mtime_ns)
    cached = preview_cache.get(key)
    if cached is not None:
        return cached
    try:
        result = PreviewResult(preview=preview(path, file.kind))
    except ArtifactReadError as exc:
        result = PreviewResult(error=str(exc))
    except Exception:  # noqa: BLE001 — a preview must never turn a page into a 500
        log.exception("preview of computer %s file %s crashed", file.computer_id, file.path)
        return PreviewResult(
            error="This file could not be previewed (the reader failed on it). "
            "Download it to inspect it."
        )
    preview_cache.put(key, result)
    return result


_HEADER_BYTES = 64 * 1024
_THREAD_SCAN_LIMIT = 2_000


def _ids(value: str) -> set[str]:
    return {part for part in value.replace(",", " ").split() if part.startswith("<")}


def email_thread_by_headers(*, file: ComputerFile, email: Any) -> list[ComputerFile]:
    """The thread of a message found through its Message-ID, In-Reply-To and References
    headers, for mail the pipeline did not link (imported or edited files). One hop: the
    messages it cites and the messages citing it, oldest first, itself included."""
    from email import policy
    from email.parser import BytesHeaderParser

    own_id = (getattr(email, "message_id", "") or "").strip()
    cited = _ids(getattr(email, "in_reply_to", "") or "")
    references = getattr(email, "references", "") or ""
    cited |= _ids(" ".join(references) if isinstance(references, list | tuple) else references)
    found = [file]
    parser = BytesHeaderParser(policy=policy.default)
    others = (
        ComputerFile.objects.filter(computer_id=file.computer_id, kind="eml")
        .exclude(pk=file.pk)
        .order_by("id")[:_THREAD_SCAN_LIMIT]
    )
    for other in others:
        other.computer = file.computer
        try:
            with file_open(file=other) as handle:
                headers = parser.parsebytes(handle.read(_HEADER_BYTES))
        except (FileUnavailable, OSError, ValueError):
            continue
        message_id = str(headers.get("Message-ID", "")).strip()
        their_cites = _ids(str(headers.get("In-Reply-To", ""))) | _ids(
            str(headers.get("References", ""))
        )
        if message_id in cited or (own_id and own_id in their_cites):
            found.append(other)
    return sorted(found, key=lambda f: (f.mtime, f.pk))
