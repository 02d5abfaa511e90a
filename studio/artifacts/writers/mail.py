"""Mail (.eml through the email package) and calendars (.ics through icalendar)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import IO, Any

from studio.artifacts.writers.common import SYNTHETIC_DOMAIN, Meta, aware
from studio.generation.schemas import CalendarContent, CalendarEvent, EmailContent, Person

PRODID = "-//Synthetic Computers Studio//Artifact Writer//EN"


def write_eml(stream: IO[bytes], content: EmailContent, meta: Meta) -> None:
    message = EmailMessage(policy=policy.SMTP)
    envelope = meta.envelope
    if envelope is not None:
        message["From"] = _address(envelope.sender)
        message["To"] = [_address(person) for person in envelope.to]
        if envelope.cc:
            message["Cc"] = [_address(person) for person in envelope.cc]
        message["Date"] = format_datetime(aware(envelope.date))
        message["Message-ID"] = _msg_id(envelope.message_id)
        if envelope.in_reply_to:
            message["In-Reply-To"] = _msg_id(envelope.in_reply_to)
        if envelope.references:
            message["References"] = " ".join(_msg_id(ref) for ref in envelope.references)
    else:
        if meta.author:
            message["From"] = _header_text(meta.author)
        message["Date"] = format_datetime(meta.when.replace(tzinfo=dt.UTC))
        digest = hashlib.sha256(f"{content.subject}\n{content.body}".encode()).hexdigest()[:20]
        message["Message-ID"] = f"<{digest}@{SYNTHETIC_DOMAIN}>"
    message["Subject"] = _header_text(content.subject)
    message.set_content(content.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    stream.write(message.as_bytes())


def _header_text(value: str) -> str:
    # Header values may not carry line breaks (that would be header injection).
    return " ".join(value.split())


def _address(person: Person) -> Address | str:
    name = _header_text(person.name)
    email_address = person.email.strip()
    try:
        return Address(display_name=name, addr_spec=email_address)
    except (ValueError, IndexError, HeaderParseError):
        # A model-invented address that does not parse keeps the name readable.
        return Address(display_name=name, username="unknown", domain="invalid")


def _msg_id(value: str) -> str:
    value = "".join(value.split()).strip("<>")
    return f"<{value}>"


# -- ics ---------------------------------------------------------------------------------


_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAMED_EMAIL_RE = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^@\s<>]+@[^@\s<>]+)>\s*$")


def write_ics(stream: IO[bytes], content: CalendarContent, meta: Meta) -> None:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _header_text(meta.title))
    stamp = meta.when.replace(tzinfo=dt.UTC)
    for event in content.events:
        calendar.add_component(_ics_event(event, stamp, meta.author))
    calendar.add_missing_timezones()
    stream.write(calendar.to_ical())


def _ics_event(event: CalendarEvent, stamp: dt.datetime, organizer: str) -> Any:
    from icalendar import Event

    component = Event()
    component.add("uid", event_uid(event.title, event.start))
    component.add("dtstamp", stamp)
    component.add("dtstart", event.start)
    component.add("dtend", _event_end(event.start, event.end))
    component.add("summary", event.title)
    if event.location:
        component.add("location", event.location)
    if event.description:
        component.add("description", event.description)
    if organizer.strip():
        component.add("organizer", _cal_address(organizer))
    for attendee in event.attendees:
        if attendee.strip():
            component.add("attendee", _cal_address(attendee))
    return component


def _event_end(start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """An end before the start (a model's slip) becomes a zero-length event."""
    try:
        return max(start, end)
    except TypeError:  # one naive, one aware: not comparable, keep what was planned
        return end


def event_uid(title: str, start: dt.datetime) -> str:
    """Stable UID so regenerating a calendar updates events instead of duplicating them."""
    digest = hashlib.sha256(f"{title}\n{start.isoformat()}".encode()).hexdigest()[:24]
    return f"{digest}@{SYNTHETIC_DOMAIN}"


def _cal_address(who: str) -> Any:
    """mailto: for an email address; otherwise CN with Thunderbird's 'invalid:nomail'."""
    from icalendar import vCalAddress

    who = _header_text(who)
    named = _NAMED_EMAIL_RE.match(who)
    if named:
        address = vCalAddress(f"mailto:{named['email']}")
        if named["name"].strip(' "'):
            address.params["cn"] = named["name"].strip(' "')
    elif _EMAIL_RE.match(who):
        address = vCalAddress(f"mailto:{who}")
    else:
        address = vCalAddress("invalid:nomail")
        address.params["cn"] = who
    return address
