"""Importing persona pools: JSONL or CSV, all or nothing, with line-numbered errors."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from studio.models import Persona, PersonaPool

# Richer shapes name the same thing differently; first match wins.
_FIELD_ALIASES = {
    "name": ("name", "full_name", "fullname"),
    "role": ("role", "job_title", "title", "occupation", "job", "profession"),
    "org": ("org", "organization", "organisation", "company", "employer"),
    "industry": ("industry", "sector", "field"),
}
_TEXT_FIELDS = ("persona", "description", "bio", "summary", "text", "profile")


@dataclass
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    pool: PersonaPool | None = None
    created: int = 0
    duplicates: int = 0
    errors: list[LineError] = field(default_factory=list)


class PersonaImportError(Exception):
    """Nothing was imported; ``report.errors`` says why, line by line."""

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report


@dataclass
class _Row:
    line: int
    text: str
    attrs: dict[str, str]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _digest(text: str) -> str:
    return hashlib.sha256(_normalise(text).lower().encode()).hexdigest()


def _row_from_mapping(data: dict, line: int) -> _Row:
    clean = {str(k).strip().lower(): v for k, v in data.items() if k is not None}
    attrs: dict[str, str] = {}
    for target, aliases in _FIELD_ALIASES.items():
        for alias in aliases:
            value = clean.get(alias)
            if isinstance(value, str | int | float) and str(value).strip():
                attrs[target] = _normalise(str(value))[:200]
                break
    aliased = {alias for aliases in _FIELD_ALIASES.values() for alias in aliases}
    for key, value in clean.items():
        extra = key not in attrs and key not in _TEXT_FIELDS and key not in aliased
        if extra and isinstance(value, str | int | float) and str(value).strip():
            attrs[key] = _normalise(str(value))[:500]
    text = ""
    for key in _TEXT_FIELDS:
        value = clean.get(key)
        if isinstance(value, str) and value.strip():
            text = _normalise(value)
            break
    if not text:
        parts = [attrs.get("name"), attrs.get("role")]
        where = " at ".join(p for p in (attrs.get("org"),) if p)
        text = ", ".join(p for p in parts if p)
        if text and where:
            text += f" at {where}"
        if text and attrs.get("industry"):
            text += f" ({attrs['industry']})"
    if not text:
        raise ValueError(
            "no persona text: give a 'persona' field (PersonaHub shape) or at least 'role' or 'name'"
        )
    if len(text) > settings.PERSONA_MAX_CHARS:
        raise ValueError(
            f"persona is {len(text):,} characters; the limit is {settings.PERSONA_MAX_CHARS:,}"
        )
    return _Row(line=line, text=text, attrs=attrs)


_ONE_OBJECT_PER_LINE = "write one JSON object per line (JSONL)"
_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number"}


def _parse_jsonl(text: str, report: ImportReport) -> list[_Row]:
    if text.lstrip().startswith("["):
        # A whole-file JSON array would otherwise be reported as one bad line per element.
        report.errors.append(
            LineError(1, f"the file is one JSON array, not JSON lines: {_ONE_OBJECT_PER_LINE}")
        )
        return []
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.errors.append(
                LineError(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
            )
            continue
        except RecursionError:
            report.errors.append(LineError(number, "JSON nested too deeply to read"))
            continue
        if not isinstance(data, dict):
            report.errors.append(
                LineError(
                    number,
                    f"expected a JSON object, got {_JSON_TYPES.get(type(data), 'a value')}: "
                    f"{_ONE_OBJECT_PER_LINE}",
                )
            )
            continue
        try:
            rows.append(_row_from_mapping(data, number))
        except ValueError as exc:
            report.errors.append(LineError(number, str(exc)))
    return rows


def _parse_csv(text: str, report: ImportReport) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        return _csv_rows(reader, report)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        # line_num counts the lines read before the one that failed
        report.errors.append(LineError(reader.line_num + 1, f"not valid CSV ({exc})"))
        return []


def _csv_rows(reader: csv.DictReader, report: ImportReport) -> list[_Row]:
    if not reader.fieldnames:
        report.errors.append(LineError(1, "the CSV file has no header row"))
        return []
    known = set(_TEXT_FIELDS) | {a for aliases in _FIELD_ALIASES.values() for a in aliases}
    if not {f.strip().lower() for f in reader.fieldnames if f} & known:
        report.errors.append(
            LineError(1, "the header needs a 'persona' column or 'name'/'role' columns")
        )
        return []
    rows = []
    for data in reader:
        number = reader.line_num
        if None in data:
            report.errors.append(LineError(number, "more fields than the header has"))
            continue
        if not any((v or "").strip() for v in data.values()):
            continue
        try:
            rows.append(_row_from_mapping(data, number))
        except ValueError as exc:
            report.errors.append(LineError(number, str(exc)))
    return rows


def _detect_format(filename: str, text: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    return "jsonl" if text.lstrip().startswith(("{", "[")) else "csv"


def _read_limited(source: IO[bytes] | bytes, limit: int) -> bytes:
    data = source if isinstance(source, bytes) else source.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"the file is larger than the limit of {limit / 1024 / 1024:.0f} MB")
    return data


def persona_pool_import(
    *,
    pool_name: str,
    source: IO[bytes] | bytes,
    filename: str = "",
    owner=None,
    shared: bool = True,
) -> ImportReport:
    """Import personas into the pool named ``pool_name`` (created if needed).

    Any bad line fails the whole import with every bad line listed; duplicates (within
    the file or already in the pool) are skipped and counted.
    """
    report = ImportReport()
    pool_name = pool_name.strip()
    if not pool_name:
        raise PersonaImportError("the pool needs a name", report)
    try:
        data = _read_limited(source, settings.PERSONA_UPLOAD_MAX_BYTES)
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PersonaImportError(f"the file is not UTF-8 text (byte {exc.start})", report) from None
    except ValueError as exc:
        raise PersonaImportError(str(exc), report) from None
    lines = text.count("\n") + 1
    if lines > settings.PERSONA_MAX_LINES:
        raise PersonaImportError(
            f"the file has {lines:,} lines; the limit is {settings.PERSONA_MAX_LINES:,}", report
        )
    fmt = _detect_format(filename, text)
    rows = _parse_jsonl(text, report) if fmt == "jsonl" else _parse_csv(text, report)
    if report.errors:
        shown = "; ".join(str(e) for e in report.errors[:5])
        more = f" (and {len(report.errors) - 5} more)" if len(report.errors) > 5 else ""
        raise PersonaImportError(
            f"nothing imported: {len(report.errors)} bad line(s): {shown}{more}", report
        )
    if not rows:
        raise PersonaImportError("nothing imported: the file has no personas", report)

    with transaction.atomic():
        pool, _ = PersonaPool.objects.get_or_create(
            name=pool_name, defaults={"owner": owner, "shared": shared}
        )
        seen = set(pool.personas.values_list("digest", flat=True))
        new = []
        for row in rows:
            digest = _digest(row.text)
            if digest in seen:
                report.duplicates += 1
                continue
            seen.add(digest)
            new.append(
                Persona(
                    pool=pool,
                    text=row.text,
                    name=row.attrs.get("name", ""),
                    role=row.attrs.get("role", ""),
                    org=row.attrs.get("org", ""),
                    industry=row.attrs.get("industry", ""),
                    attributes=row.attrs,
                    digest=digest,
                    line_number=row.line,
                )
            )
        Persona.objects.bulk_create(new, batch_size=1000)
        report.created = len(new)
        report.pool = pool
    return report
