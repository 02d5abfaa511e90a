"""Mail a simulation writes threads like real mail, read back with the email package: every
reply's In-Reply-To is its parent's Message-ID and its References end with it, in both
directions; what the user sends is saved in Sent. Events the worker adds go into the
computer's one calendar file, read back with icalendar."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy

import pytest
from icalendar import Calendar

from simulations.engine import mailbox
from simulations.models import Message
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create
from studio.llm.offline import agents
from studio.llm.offline.registry import AGENTS, AgentAction

pytestmark = pytest.mark.django_db(transaction=True)

INBOX_ITEM = re.compile(r"\[message (\d+)\]\nFrom: ([^<\n]+) <")


@pytest.fixture
def replying_worker():
    """The engine's worker, which also answers what it reads in its inbox (reply_to) and puts
    one meeting in its calendar, as a real model would."""
    state = {"answered": set(), "booked": False}

    def worker(req):
        today = (req.context or {}).get("clock", {}).get("date")
        if today and not state["booked"]:
            state["booked"] = True
            return AgentAction(
                content="Booking the review.",
                tool_name="add_calendar_event",
                arguments={
                    "title": "Draft review",
                    "start": f"{dt.date.fromisoformat(today) + dt.timedelta(days=1)}T10:00",
                    "duration_minutes": 45,
                },
            )
        # the newest tool result: the situation now comes after it, as the last message
        last = next((m for m in reversed(req.messages) if m.get("role") != "user"), {})
        if last.get("role") == "tool" and len(state["answered"]) < 2:
            for number, sender in INBOX_ITEM.findall(str(last.get("content", ""))):
                if int(number) not in state["answered"]:
                    state["answered"].add(int(number))
                    return AgentAction(
                        content="Answering.",
                        tool_name="send_message",
                        arguments={
                            "to": [sender.strip()],
                            "reply_to": int(number),
                            "body": "Thanks, that is what I needed.",
                        },
                    )
        return agents.worker_policy(req)

    previous = AGENTS["worker"]
    AGENTS["worker"] = worker
    yield state
    AGENTS["worker"] = previous


def _parsed(workspace_home, path: str):
    return email.message_from_bytes((workspace_home / path).read_bytes(), policy=policy.default)


def test_mail_threads_and_calendar_events_land_in_the_one_calendar(
    computer, user, fast_engine, replying_worker
):
    calendars_before = sorted(computer.files.filter(kind="ics").values_list("path", flat=True))
    calendar_path = mailbox.calendar_path_of(computer_id=computer.pk)
    assert calendar_path in calendars_before  # the computer's own calendar, not a new file
    simulation = simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 2, "seed": 3}
    )
    simulation = simulation_run_inline(simulation=simulation)
    assert simulation.state == "completed", simulation.error
    assert replying_worker["booked"]
    home = simulation.workspace_root / "home"

    messages = {m.pk: m for m in Message.objects.filter(simulation=simulation)}
    outgoing = [m for m in messages.values() if m.direction == "outgoing"]
    assert outgoing
    parsed = {}
    for message in messages.values():
        if message.delivered_at is None:
            continue
        path = message.meta["mail_file"]
        if message.direction == "outgoing":
            assert path.startswith("Mail/Sent/"), path
        parsed[message.pk] = eml = _parsed(home, path)
        # (folded encoded words come back with an extra space between them)
        assert eml["Subject"].split() == (message.subject or "(no subject)").split()
        assert eml.get_content().replace("\r\n", "\n").strip() == message.body.strip()
    sent_files = sorted(p.name for p in (home / "Mail/Sent").glob("*.eml"))
    assert len(sent_files) == len(outgoing)

    replies = {"incoming": 0, "outgoing": 0}
    for pk, eml in parsed.items():
        parent_pk = messages[pk].in_reply_to_id
        if parent_pk is None:
            assert eml["In-Reply-To"] is None
            continue
        parent = parsed[parent_pk]
        assert eml["In-Reply-To"] == parent["Message-ID"]
        references = str(eml["References"]).split()
        parent_references = str(parent["References"] or "").split()
        assert references == [*parent_references, parent["Message-ID"]]
        replies[messages[pk].direction] += 1
    assert replies["incoming"] > 0  # collaborators' answers
    assert replies["outgoing"] == len(replying_worker["answered"]) > 0  # the user's replies
    assert len({str(eml["Message-ID"]) for eml in parsed.values()}) == len(parsed)

    ics_after = sorted(p.relative_to(home).as_posix() for p in home.rglob("*.ics"))
    assert ics_after == calendars_before
    original = Calendar.from_ical((computer.home / calendar_path).read_bytes())
    calendar = Calendar.from_ical((home / calendar_path).read_bytes())
    assert [c.name for c in calendar.walk("VCALENDAR")] == ["VCALENDAR"]
    titles = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    added = [
        turn.arguments["title"]
        for turn in simulation.turns.filter(action="add_calendar_event", error="").order_by("seq")
    ]
    assert "Draft review" in added
    assert titles == [str(e["summary"]) for e in original.walk("VEVENT")] + added
