"""The mail and calendar files a simulation writes into its workspace.

Mail threads like real mail: every message gets a Message-ID when it is made, a reply carries
In-Reply-To (its parent's) and References (the parent's references, then the parent: RFC 5322
3.6.4), and both directions are saved as .eml — what arrives in the mail folder, what the user
sends in the Sent folder beside it. Events the worker adds go into the computer's calendar.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from simulations.engine.sandbox import FileOp, Workspace
from studio.paths import sanitize_component

DOMAIN = "synthetic-computers.studio"
DEFAULT_CALENDAR_PATH = "Calendar/work_calendar.ics"


@dataclass
class MailParent:
    """The message a reply answers, with what its headers need."""

    id: int
    message_id: str
    references: list[str] = field(default_factory=list)
    subject: str = ""


def message_id_of(message) -> str:
    # Messages made before Message-IDs were stored got this one on their .eml.
    return message.meta.get("message_id") or f"<sim{message.simulation_id}.m{message.pk}@{DOMAIN}>"


def mail_parent_of(message) -> MailParent:
    return MailParent(
        id=message.pk,
        message_id=message_id_of(message),
        references=list(message.meta.get("references", [])),
        subject=message.subject,
    )


def mail_parent_get(*, simulation_id: int, message_id: int) -> MailParent | None:
    """A message the user received (and so may answer), or None."""
    from simulations.models import Message

    message = Message.objects.filter(
        simulation_id=simulation_id,
        pk=message_id,
        direction=Message.Direction.INCOMING,
        delivered_at__isnull=False,
    ).first()
    return mail_parent_of(message) if message is not None else None


def mail_headers_new(*, simulation_id: int, parent: MailParent | None) -> dict[str, Any]:
    """The threading fields a new message stores in its ``meta``."""
    references = [*parent.references, parent.message_id] if parent else []
    return {
        "message_id": f"<sim{simulation_id}.{secrets.token_hex(8)}@{DOMAIN}>",
        "references": references,
    }


def reply_subject(subject: str) -> str:
    return subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()


def sent_folder(mail_folder: str) -> str:
    """Sent beside Inbox (Mail/Inbox -> Mail/Sent); inside any other mail folder."""
    path = PurePosixPath(mail_folder)
    if path.name.lower() == "inbox" and str(path.parent) != ".":
        return str(path.parent / "Sent")
    return str(path / "Sent")


@dataclass
class Mail:
    subject: str
    body: str
    sender: tuple[str, str]  # (name, email)
    to: list[tuple[str, str]]
    date: dt.datetime
    meta: dict[str, Any]  # message_id, references


def mail_stage(workspace: Workspace, *, mail: Mail, folder: str, taken: set[str]) -> FileOp:
    """Stage ``mail`` as an .eml file in ``folder``, under a name not in ``taken``."""
    from studio.artifacts.writers import write_artifact
    from studio.generation import schemas as s

    name = sanitize_component(f"{mail.date:%Y-%m-%d %H%M} {mail.subject or 'message'}")[:90]
    path, n = f"{folder}/{name}.eml", 2
    while path.lower() in taken or workspace.resolve(path).exists():
        path, n = f"{folder}/{name} ({n}).eml", n + 1
    taken.add(path.lower())
    references = list(mail.meta.get("references", []))
    envelope = s.EmailEnvelope(
        message_id=mail.meta["message_id"],
        sender=s.Person(name=mail.sender[0], email=mail.sender[1] or "unknown@example.com"),
        to=[s.Person(name=name, email=email or "unknown@example.com") for name, email in mail.to],
        date=mail.date,
        in_reply_to=references[-1] if references else "",
        references=references,
    )
    content = s.EmailContent(
        subject=mail.subject or "(no subject)", body=mail.body or " ", summary=mail.subject[:200]
    )
    staging = workspace.root / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    temp = staging / f"{secrets.token_hex(8)}.eml"
    try:
        write_artifact(
            temp, "eml", content, envelope=envelope, author=mail.sender[0], mtime=mail.date
        )
        return workspace.stage_write(path, temp.read_bytes())
    finally:
        temp.unlink(missing_ok=True)


def calendar_path_of(*, computer_id: int) -> str:
    """The computer's calendar: the first .ics of its home folder, or a new one."""
    from studio.models import ComputerFile

    first = (
        ComputerFile.objects.filter(
            computer_id=computer_id, scope=ComputerFile.Scope.HOME, kind="ics"
        )
        .order_by("pk")
        .values_list("path", flat=True)
        .first()
    )
    return first or DEFAULT_CALENDAR_PATH
