"""Mail and calendar writers: .eml read back with the email package, .ics with icalendar."""

from __future__ import annotations

import datetime as dt
from email import policy
from email.parser import BytesParser
from pathlib import Path

from studio.artifacts import writers
from studio.artifacts.writers import event_uid
from studio.generation.schemas import Person
from tests.artifacts import MTIME, UNICODE, calendar, email, envelope
from tests.artifacts.test_writers import _write

# -- eml ---------------------------------------------------------------------------------


def test_eml_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path, "eml", email(), envelope=envelope())
    raw = path.read_bytes()
    assert b"\r\n" in raw and max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert str(message["From"]) == "Zoë Ørsted <zoe@corp.example>"
    assert message["From"].addresses[0].addr_spec == "zoe@corp.example"
    assert str(message["To"]) == "Bob Stone <bob@corp.example>"
    assert message["Cc"].addresses[0].display_name == "Eve, Finance"
    assert str(message["Subject"]) == f"Re: Budget {UNICODE}"
    assert message["Date"].datetime == dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC)
    assert str(message["Message-ID"]) == "<q3-reply-2@corp.example>"
    assert str(message["In-Reply-To"]) == "<q3-1@corp.example>"
    assert str(message["References"]) == "<q3-0@corp.example> <q3-1@corp.example>"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == email().body  # CRLF on the wire


def test_eml_without_envelope_and_header_injection(tmp_path: Path) -> None:
    content = email()
    content.subject = "Hello\r\nBcc: victim@example.com"
    path = _write(tmp_path, "eml", content, author="zoe@corp.example", mtime=MTIME)
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert message["Bcc"] is None
    assert str(message["Subject"]) == "Hello Bcc: victim@example.com"
    assert message["Date"].datetime == MTIME
    first_id = str(message["Message-ID"])
    second = _write(tmp_path, "eml", content, author="zoe@corp.example", mtime=MTIME)
    again = BytesParser(policy=policy.default).parsebytes(second.read_bytes())
    assert str(again["Message-ID"]) == first_id  # deterministic, so reruns are stable


def test_eml_survives_invented_addresses(tmp_path: Path) -> None:
    odd = envelope()
    odd.sender = Person(name="No Address", email="not an email")
    odd.to = [
        Person(name="Typo", email="x@@corp.example"),
        Person(name="Ok", email="ok@corp.example"),
    ]
    odd.message_id = "<already-bracketed@corp.example>"
    path = _write(tmp_path, "eml", email(), envelope=odd)
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert str(message["From"]) == "No Address <unknown@invalid>"
    assert [a.addr_spec for a in message["To"].addresses] == ["unknown@invalid", "ok@corp.example"]
    assert str(message["Message-ID"]) == "<already-bracketed@corp.example>"


# -- ics ---------------------------------------------------------------------------------


def test_ics_round_trip(tmp_path: Path) -> None:
    from icalendar import Calendar

    path = _write(tmp_path, "ics", calendar(), author="Zoë Ørsted", mtime=MTIME)
    parsed = Calendar.from_ical(path.read_bytes())
    assert str(parsed["PRODID"]) == writers.PRODID
    assert str(parsed["VERSION"]) == "2.0"
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 2
    sync = events[0]
    assert str(sync["SUMMARY"]) == "Budget sync"
    assert str(sync["LOCATION"]) == "Room 4.12"
    assert str(sync["DESCRIPTION"]) == "Walk through Q3 numbers."
    assert sync["DTSTART"].dt == dt.datetime(2024, 3, 5, 10, 0)
    assert sync["DTEND"].dt == dt.datetime(2024, 3, 5, 11, 0)
    assert sync["DTSTAMP"].dt == MTIME
    assert str(sync["UID"]) == event_uid("Budget sync", dt.datetime(2024, 3, 5, 10, 0))
    attendees = sync["ATTENDEE"]
    assert str(attendees[0]) == "mailto:bob@corp.example"
    assert attendees[1].params["CN"] == "Zoë Ørsted"
    assert not str(attendees[1]).startswith("mailto:")
    assert events[1]["DTSTART"].dt == dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)
    rewritten = Calendar.from_ical(_write(tmp_path, "ics", calendar()).read_bytes())
    assert [str(e["UID"]) for e in rewritten.walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_ics_tolerates_backwards_and_mixed_times(tmp_path: Path) -> None:
    from icalendar import Calendar

    content = calendar()
    content.events[0].end = content.events[0].start - dt.timedelta(hours=1)  # ends before start
    content.events[1].end = dt.datetime(2024, 3, 4, 10, 0)  # naive end, aware start
    parsed = Calendar.from_ical(_write(tmp_path, "ics", content).read_bytes())
    first, second = parsed.walk("VEVENT")
    assert first["DTEND"].dt == first["DTSTART"].dt
    assert second["DTEND"].dt == dt.datetime(2024, 3, 4, 10, 0)
