"""Paths inside a computer. Everything that names a file goes through here.

Model output, URLs and agent tool arguments all propose relative paths; none of them may
reach outside the folder they are meant for, whether by "..", an absolute path, a drive
letter or a symlink planted inside the tree.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path, PurePosixPath

_BAD_CHARS = re.compile(r'[<>:"|?*\x00-\x1f]')
_MAX_COMPONENT = 120


class PathEscapeError(ValueError):
    """A path that would leave its root, or is not a usable relative path."""


def clean_relative(raw: str) -> str:
    """Normalise a proposed relative path ('a\\b/./c.docx' -> 'a/b/c.docx') or refuse it."""
    if not isinstance(raw, str) or not raw.strip():
        raise PathEscapeError("empty path")
    if "\x00" in raw:
        raise PathEscapeError("path contains a NUL byte")
    text = raw.strip().replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or text.startswith("~"):
        raise PathEscapeError(f"absolute paths are not allowed: {raw!r}")
    parts = []
    for part in PurePosixPath(text).parts:
        if part in ("", "."):
            continue
        if part == "..":
            raise PathEscapeError(f"'..' is not allowed in a path: {raw!r}")
        parts.append(part)
    if not parts:
        raise PathEscapeError(f"not a usable path: {raw!r}")
    return "/".join(parts)


def sanitize_component(name: str) -> str:
    """Make a model-proposed file or folder name safe on Windows, macOS and Linux."""
    name = unicodedata.normalize("NFC", name)
    name = _BAD_CHARS.sub("_", name).strip().strip(".")
    if len(name) > _MAX_COMPONENT:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: _MAX_COMPONENT - len(ext) - 1] + dot + ext) if dot else name[:_MAX_COMPONENT]
    return name or "_"


def sanitize_relative(raw: str) -> str:
    return "/".join(sanitize_component(p) for p in clean_relative(raw).split("/"))


def resolve_inside(root: Path, relative: str, *, must_exist: bool = False) -> Path:
    """The absolute path of ``relative`` under ``root``; refuses escapes and symlinks."""
    rel = clean_relative(relative)
    base = Path(os.path.realpath(root))
    current = base
    for part in rel.split("/"):
        current = current / part
        if current.is_symlink():
            raise PathEscapeError(f"symbolic links are not followed: {relative!r}")
    if not current.is_relative_to(base):
        raise PathEscapeError(f"path leaves its folder: {relative!r}")
    if must_exist and not current.exists():
        raise FileNotFoundError(relative)
    return current


def slugify_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug or "someone"
