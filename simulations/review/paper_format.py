"""The paper's dataset layout (``microsoft/synthetic-computers-at-scale``) and how it maps to ours.

One computer::

    computers/<computer_id>/
      drives/<volume>/<path inside the volume>   the files ("Macintosh HD", "AxiomBackup", "C:")
      persona.json  user_profile.json  collaboration_context.json  monthly_objectives.json
      project_index.json  filesystem_policy.json
      file_list.json    records: path (logical: /Users/x/a.md, C:\\Users\\x\\a.docx), timestamp,
                        origin, description, content_mode, project_ids, derived_from, ...
      file_graph.json   nodes, edges
    data/train-00000-of-00001.parquet   one row per computer: computer_id + the eight documents
                                        as JSON strings

Keys inside the documents vary between computers: readers here take what is there and never fail
on an unknown key; imported documents are kept verbatim (``Computer.documents``, each file's
record in ``facts["paper"]``) and exported back unchanged. Our own computers map into the paper's
keys with our richer fields beside them (``studio_profile``, ``studio_policy``, a record's
``studio``), which an import reads back first, so an export->import round trip is exact.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import PurePosixPath
from typing import Any

from studio.volumes import Volume

DOCUMENTS = (
    "persona",
    "user_profile",
    "collaboration_context",
    "monthly_objectives",
    "project_index",
    "filesystem_policy",
    "file_list",
    "file_graph",
)
# The six kept on the computer as they came; file_list and file_graph are rebuilt from the index.
KEPT = tuple(d for d in DOCUMENTS if d not in ("file_list", "file_graph"))
PARQUET_NAME = "data/train-00000-of-00001.parquet"
_HOME = re.compile(r"^(/Users/[^/]+|/home/[^/]+|[A-Za-z]:\\Users\\[^\\]+)(?:[/\\]|$)", re.I)
_DRIVE = re.compile(r"^([A-Za-z]):(?:\\|/|$)")


class PaperFormatError(ValueError):
    """A computer in the paper's layout that cannot be read; the message says where."""


def first(mapping: Any, *keys: str, default: Any = "") -> Any:
    """The first of ``keys`` that ``mapping`` has with a non-empty value."""
    if not isinstance(mapping, dict):
        return default
    for key in keys:
        value = mapping.get(key)
        if value not in (None, "", [], {}):
            return value
    return default


def text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = (
            json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
        )
    return value[:limit]


def parse_timestamp(value: Any) -> dt.datetime | None:
    """An ISO date/time or epoch seconds as an aware datetime (UTC when it has no zone)."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date")
    when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def as_list(value: Any) -> list:
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


# -- volumes from drives/ and the logical paths -----------------------------------------------------


def drive_of(logical: str, drives: set[str]) -> tuple[str, str, str] | None:
    """``(volume name, mount, path inside the volume)`` for a logical path whose volume is named
    by the path itself (a drive letter or /Volumes/<name>); None for a path on the root volume."""
    drive = _DRIVE.match(logical)
    if drive:
        letter = drive.group(1)
        for name in (f"{letter}:", letter, f"{letter.upper()}:", letter.upper()):
            if name in drives:
                return name, f"{letter.upper()}:\\", logical[2:].replace("\\", "/").strip("/")
        return f"{letter.upper()}:", f"{letter.upper()}:\\", logical[2:].replace("\\", "/")
    parts = logical.split("/")
    if len(parts) > 3 and parts[1] == "Volumes" and parts[2] in drives:
        return parts[2], f"/Volumes/{parts[2]}", "/".join(parts[3:])
    return None


def user_home(paths: list[str]) -> str:
    """The user's home: the most common /Users/<u>, /home/<u> or X:\\Users\\<u> prefix."""
    counts = Counter(m.group(1) for p in paths if (m := _HOME.match(p)))
    return counts.most_common(1)[0][0] if counts else ""


def volumes_for(placed: dict[str, str], home: str) -> list[Volume]:
    """The computer's volumes from ``{volume name: mount}``; the home's volume carries it."""
    home_mount = ""
    if home:
        drive = _DRIVE.match(home)
        home_mount = f"{drive.group(1).upper()}:\\" if drive else "/"
    out = []
    for name, mount in sorted(placed.items(), key=lambda kv: (len(kv[1]), kv[0])):
        out.append(Volume(name=name, mount=mount, home=home if mount == home_mount else ""))
    if home and not any(v.home for v in out):
        raise PaperFormatError(f"the user's home {home} is on none of the drives")
    if not any(v.home for v in out) and out:
        # No /Users/<u>: the root volume as a whole is what the user works in.
        out[0] = Volume(name=out[0].name, mount=out[0].mount, home=out[0].mount)
    return out


# -- documents -> our profile --------------------------------------------------------------------


def profile_from_documents(docs: dict[str, Any]) -> dict[str, Any]:
    """Our profile keys (what pages and agents read) from the paper's documents; a profile that
    came from here (``studio_profile``) is taken whole."""
    up = docs.get("user_profile") if isinstance(docs.get("user_profile"), dict) else {}
    if isinstance(up.get("studio_profile"), dict):
        return up["studio_profile"]
    identity = first(up, "identity", default={})
    identity = identity if isinstance(identity, dict) else {"name": identity}
    career = first(up, "career_profile", "work_context", default={})
    full_name = text(first(identity, "full_name", "name", "display_name"), 200)
    given, _, family = full_name.partition(" ")
    collaborators = []
    for c in as_list(first(docs.get("collaboration_context"), "collaborators", default=[])):
        if isinstance(c, dict) and first(c, "name", "full_name"):
            collaborators.append(
                {
                    "name": text(first(c, "name", "full_name"), 200),
                    "role": text(first(c, "role", "title", "job_title"), 200),
                    "email": text(first(c, "email"), 200),
                    "communication_style": text(first(c, "communication_style", "style"), 500),
                    "decision_authority": text(first(c, "decision_authority", "authority"), 500),
                    "relationship": text(first(c, "relationship", "relation"), 200),
                }
            )
    projects = []
    for p in as_list(first(docs.get("project_index"), "projects", default=[])):
        if isinstance(p, dict):
            projects.append(
                {
                    "name": text(first(p, "name", "title", "project_name", "id"), 200),
                    "code": text(first(p, "project_id", "id", "code", "name"), 60),
                    "description": text(first(p, "description", "summary", "goal"), 2000),
                    "status": text(first(p, "status", default="active"), 60),
                }
            )
    return {
        "full_name": full_name,
        "first_name": given,
        "last_name": family,
        "email": text(first(identity, "email"), 200),
        "job_title": text(first(identity, "job_title", "title", "role", "occupation"), 200)
        or text(first(career, "job_title", "title", "role"), 200),
        "employer": text(first(identity, "employer", "organization", "company", "org"), 200)
        or text(first(career, "employer", "organization", "company"), 200),
        "industry": text(first(identity, "industry", "sector"), 200)
        or text(first(career, "industry", "sector"), 200),
        "location": text(first(identity, "location", "city", "place"), 200),
        "responsibilities": [text(r, 500) for r in as_list(first(career, "responsibilities"))],
        "projects": projects,
        "collaborators": collaborators,
    }


def persona_text(docs: dict[str, Any], computer_id: str) -> str:
    persona = docs.get("persona")
    value = first(persona, "persona", "description", "text") if isinstance(persona, dict) else ""
    return text(value or persona or f"Computer {computer_id} of the paper's dataset", 100_000)


def file_kind(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).suffix.lower().lstrip(".")[:8]
