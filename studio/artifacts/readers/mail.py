"""eml and ics: messages with their headers, body and attachment names, and calendars as
a sorted agenda. Both formats are parsed whole, so their file size is capped instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from studio.artifacts.readers.html import html_to_text
from studio.artifacts.readers.types import (
    EmailPreview,
    EventPreview,
    Preview,
    PreviewLimits,
    cut_text,
)
from studio.artifacts.safety import MB, ArtifactReadError, UnsafeFileError


def _check_size(path: Path, kind: str, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise UnsafeFileError(
            f"refused .{kind} file: {size / MB:,.1f} MB is over the {limit / MB:,.0f} MB "
            "limit for this kind"
        )


# -- eml ---------------------------------------------------------------------------------

_EMAIL_HEADERS = ("From", "To", "Cc", "Date", "Subject", "Message-ID", "In-Reply-To", "References")


def _parse_email(path: Path, limits: PreviewLimits) -> EmailMessage:
    _check_size(path, "eml", limits.max_parsed_file_bytes)
    with path.open("rb") as stream:
        message = BytesParser(policy=policy.default).parse(stream)
    if not isinstance(message, EmailMessage):
        raise ArtifactReadError("not a valid .eml file")
    return message


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a malformed header shows raw rather than failing
        value = next((raw for key, raw in message.raw_items() if key.lower() == name.lower()), "")
    return " ".join(str(value or "").split())


def _email_body(message: EmailMessage, max_chars: int) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, KeyError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content[: max_chars * 4])
    return content.replace("\r\n", "\n")


def _attachments(message: EmailMessage) -> list[str]:
    names = []
    for part in message.iter_attachments():
        names.append(part.get_filename() or part.get_content_type())
    return names


def email_preview(path: Path, limits: PreviewLimits) -> Preview:
    message = _parse_email(path, limits)
    result = Preview(kind="eml")
    body = _email_body(message, limits.max_text_chars)
    if len(body) > limits.max_text_chars:
        result.note(f"Showing the first {limits.max_text_chars:,} characters of the message.")
    references = _header(message, "References").split()
    result.email = EmailPreview(
        headers={name: _header(message, name) for name in _EMAIL_HEADERS if message.get(name)},
        subject=_header(message, "Subject"),
        sender=_header(message, "From"),
        to=_header(message, "To"),
        cc=_header(message, "Cc"),
        date=_header(message, "Date"),
        message_id=_header(message, "Message-ID"),
        in_reply_to=_header(message, "In-Reply-To"),
        references=references,
        body_text=cut_text(body, limits.max_text_chars),
        attachments=_attachments(message),
    )
    return result


def email_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    message = _parse_email(path, limits)
    for name in _EMAIL_HEADERS:
        value = _header(message, name)
        if value:
            yield f"{name}: {value}\n"
    attachments = _attachments(message)
    if attachments:
        yield f"Attachments: {', '.join(attachments)}\n"
    yield "\n" + _email_body(message, limits.max_text_chars)


# -- ics ---------------------------------------------------------------------------------


def _calendar_events(path: Path, limits: PreviewLimits) -> list[EventPreview]:
    from icalendar import Calendar

    _check_size(path, "ics", limits.max_parsed_file_bytes)
    calendar = Calendar.from_ical(path.read_bytes())
    events = [_event_preview(component) for component in calendar.walk("VEVENT")]
    events.sort(key=lambda event: _sort_key(event.start))
    return events


def _event_preview(component: Any) -> EventPreview:
    start = _ical_time(component.get("dtstart"))
    end = _ical_time(component.get("dtend"))
    duration = component.get("duration")
    if end is None and start is not None and duration is not None:
        end = start + duration.dt
    attendees = component.get("attendee") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    rrule = component.get("rrule")
    return EventPreview(
        title=str(component.get("summary") or ""),
        start=start,
        end=end,
        when=_event_when(start, end),
        all_day=isinstance(start, dt.date) and not isinstance(start, dt.datetime),
        location=str(component.get("location") or ""),
        description=str(component.get("description") or ""),
        attendees=[_person(attendee) for attendee in attendees],
        organizer=_person(component.get("organizer")) if component.get("organizer") else "",
        uid=str(component.get("uid") or ""),
        recurrence=rrule.to_ical().decode() if rrule is not None else "",
    )


def _ical_time(prop: Any) -> dt.datetime | dt.date | None:
    value = getattr(prop, "dt", None)
    return value if isinstance(value, dt.date) else None


def _person(address: Any) -> str:
    """'Name <email>' from a CAL-ADDRESS, without Thunderbird's 'invalid:nomail' filler."""
    text = str(address)
    email_address = text[7:] if text.lower().startswith("mailto:") else ""
    name = str(getattr(address, "params", {}).get("CN", "")).strip()
    if name and email_address:
        return f"{name} <{email_address}>"
    return name or email_address or text


def _sort_key(value: dt.datetime | dt.date | None) -> dt.datetime:
    if value is None:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _event_when(start: Any, end: Any) -> str:
    if start is None:
        return ""
    if not isinstance(start, dt.datetime):
        return start.isoformat() + (f" – {end.isoformat()}" if end and end != start else "")
    text = start.strftime("%Y-%m-%d %H:%M")
    if isinstance(end, dt.datetime):
        same_day = end.date() == start.date()
        text += " – " + end.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")
    if start.tzinfo is not None:
        text += f" {start.tzname() or ''}".rstrip()
    return text


def calendar_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="ics")
    events = _calendar_events(path, limits)
    if len(events) > limits.max_events:
        result.note(f"Showing the first {limits.max_events:,} of {len(events):,} events.")
    result.events = events[: limits.max_events]
    return result


def calendar_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    for event in _calendar_events(path, limits):
        lines = [f"Event: {event.title}", f"When: {event.when}"]
        if event.location:
            lines.append(f"Where: {event.location}")
        if event.attendees:
            lines.append(f"Attendees: {', '.join(event.attendees)}")
        if event.recurrence:
            lines.append(f"Repeats: {event.recurrence}")
        if event.description:
            lines.append(event.description)
        yield "\n".join(lines) + "\n\n"
