"""The mail and calendar tools: send a message, read the inbox, add a calendar event."""

from __future__ import annotations

import datetime as dt
import secrets

from simulations.engine.mailbox import reply_subject
from simulations.engine.tools.args import AddCalendarEvent, ReadInbox, SendMessage
from simulations.engine.tools.context import (
    OutgoingMessage,
    Person,
    ToolContext,
    ToolResult,
    failure,
)


def _find_person(people: list[Person], token: str) -> Person | None:
    wanted = token.strip().lower()
    for person in people:
        if wanted in (person.name.lower(), person.email.lower()):
            return person
    matches = [p for p in people if p.name.lower().split()[0] == wanted]
    return matches[0] if len(matches) == 1 else None


def send_message(ctx: ToolContext, args: SendMessage) -> ToolResult:
    parent = None
    if args.reply_to is not None:
        parent = ctx.mail_parent(args.reply_to)
        if parent is None:
            return failure(f"there is no message {args.reply_to} in your inbox to answer")
    recipients = []
    for token in args.to:
        person = _find_person(ctx.collaborators, token)
        if person is None:
            known = ", ".join(f"{p.name} <{p.email}>" for p in ctx.collaborators)
            return failure(f"no collaborator called {token!r}; you can write to: {known}")
        if person not in recipients:
            recipients.append(person)
    attachments = []
    for raw in args.attachments:
        path = ctx.workspace.resolve(raw, must_exist=True)
        if not path.is_file():
            return failure(f"{raw} is a folder; attach files")
        attachments.append(ctx.workspace.relative(path))
    deliverable = next((d.key for d in ctx.deliverables.values() if d.path in attachments), "")
    subject = args.subject.strip()
    if parent is not None and not subject:
        subject = reply_subject(parent.subject)
    message = OutgoingMessage(
        to=recipients,
        subject=subject,
        body=args.body,
        attachments=attachments,
        deliverable_key=deliverable,
        reply_to=parent,
    )
    names = ", ".join(p.name for p in recipients)
    note = f" with {len(attachments)} attachment(s)" if attachments else ""
    return ToolResult(
        observation=f"Sent {subject or '(no subject)'!r} to {names}{note}.",
        outgoing=[message],
    )


def read_inbox(ctx: ToolContext, args: ReadInbox) -> ToolResult:
    items = ctx.inbox(args.unread_only, args.limit)
    if not items:
        return ToolResult(
            observation="No unread messages." if args.unread_only else "The inbox is empty."
        )
    blocks = []
    for item in items:
        attached = f"\nAttachments: {', '.join(item.attachments)}" if item.attachments else ""
        body = item.body if len(item.body) <= 3000 else item.body[:3000] + "…"
        blocks.append(
            f"[message {item.id}]\nFrom: {item.sender} <{item.sender_email}>\n"
            f"Date: {item.received:%a %Y-%m-%d %H:%M}\nSubject: {item.subject}{attached}\n\n{body}"
        )
    return ToolResult(
        observation=f"{len(items)} message(s):\n\n" + "\n\n".join(blocks),
        read_message_ids=[i.id for i in items if not i.read],
    )


def add_calendar_event(ctx: ToolContext, args: AddCalendarEvent) -> ToolResult:
    from icalendar import Calendar, Event

    start = args.start if args.start.tzinfo else args.start.replace(tzinfo=dt.UTC)
    if start < ctx.now - dt.timedelta(days=1):
        return failure(f"{start:%Y-%m-%d %H:%M} is in the past; it is now {ctx.now:%Y-%m-%d %H:%M}")
    calendar_path = ctx.calendar_path()
    path = ctx.workspace.resolve(calendar_path)
    if path.is_file():
        try:
            calendar = Calendar.from_ical(path.read_bytes())
        except ValueError as exc:
            return failure(f"{calendar_path} is not a readable calendar: {exc}")
    else:
        calendar = Calendar()
        calendar.add("prodid", "-//Synthetic Computers Studio//Simulation//EN")
        calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{secrets.token_hex(8)}@synthetic-computers.studio")
    event.add("summary", args.title)
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=args.duration_minutes))
    event.add("dtstamp", ctx.now)
    if args.location:
        event.add("location", args.location)
    for who in args.attendees:
        person = _find_person(ctx.collaborators, who)
        event.add("attendee", f"mailto:{person.email if person else who}")
    calendar.add_component(event)
    op = ctx.workspace.stage_write(calendar_path, calendar.to_ical())
    return ToolResult(
        observation=f"Added {args.title!r} on {start:%a %Y-%m-%d %H:%M} to {calendar_path}.",
        file_ops=[op],
    )
