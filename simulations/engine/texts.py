"""Plain text of any file in a workspace, for read_file, diffs, search and the judge."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

from simulations.engine.sandbox import sha256_file
from studio.artifacts import readers
from studio.artifacts.safety import ArtifactReadError

TRUNCATION_MARKER = readers.TRUNCATION_MARKER
_PLAIN_LIMIT_BYTES = 8 * 1024 * 1024
_CACHE_CHARS = 32_000_000  # per process, shared by every simulation it runs
_cache: OrderedDict[tuple, str] = OrderedDict()
_cache_size = 0
_cache_lock = threading.Lock()
_digests: OrderedDict[tuple, str] = OrderedDict()  # file version -> content digest
_DIGESTS = 200_000


FULL_CHARS = 200_000


def text_of(path: Path, kind: str, max_chars: int = FULL_CHARS) -> str:
    """The text of ``path``, cut at ``max_chars`` with the readers' truncation marker.

    Each distinct content is extracted once (up to FULL_CHARS) and cached by its SHA-256:
    agents re-read and search the same files constantly, diffs read both sides of every
    edit, and every simulation of a computer starts from copies of the same files. Which
    digest a path holds is itself cached by (path, inode, size, mtime), so an unchanged file
    is not even re-read."""
    stat = os.stat(path)
    version = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        digest = _digests.get(version)
    if digest is None:
        digest = sha256_file(path)
        with _cache_lock:
            _digests[version] = digest
            while len(_digests) > _DIGESTS:
                _digests.popitem(last=False)
    key = (digest, kind)
    with _cache_lock:
        text = _cache.get(key)
        if text is not None:
            _cache.move_to_end(key)
    if text is None:
        text = _extract(Path(path), kind, FULL_CHARS)
        _remember(key, text)
    if len(text) <= max_chars:
        return text
    body, _ = split_truncated(text)
    return body[:max_chars].rstrip() + "\n" + TRUNCATION_MARKER


def _remember(key: tuple, text: str) -> None:
    global _cache_size
    with _cache_lock:
        if key not in _cache:
            _cache[key] = text
            _cache_size += len(text)
        while _cache_size > _CACHE_CHARS and _cache:
            _, dropped = _cache.popitem(last=False)
            _cache_size -= len(dropped)


def _extract(path: Path, kind: str, max_chars: int) -> str:
    """The text of ``path`` cut at ``max_chars`` (with the readers' truncation marker).

    Known kinds go through the studio's safe readers; a file of another kind is read as
    UTF-8 text when it is text, and refused when it is binary."""
    if kind in readers.READABLE_KINDS:
        return readers.extract_text(Path(path), kind, max_chars=max_chars)
    if Path(path).stat().st_size > _PLAIN_LIMIT_BYTES:
        raise ArtifactReadError(f"{Path(path).name} is too large to read as text")
    data = Path(path).read_bytes()
    if b"\x00" in data[:4096]:
        raise ArtifactReadError(f"{Path(path).name} is a binary file this computer cannot open")
    text = data.decode("utf-8", "replace")
    if len(text) > max_chars:
        return text[:max_chars].rstrip() + "\n" + TRUNCATION_MARKER
    return text


def split_truncated(text: str) -> tuple[str, bool]:
    """(text without the truncation marker, whether it was cut)."""
    if text.endswith(TRUNCATION_MARKER):
        return text[: -len(TRUNCATION_MARKER)].rstrip("\n"), True
    return text, False
