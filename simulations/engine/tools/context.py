"""What a tool is given (the world as the turn sees it) and what it returns (an observation
and the effects the engine commits with the turn)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from simulations.engine.mailbox import MailParent
from simulations.engine.sandbox import FileOp, Workspace

READ_PAGE_CHARS = 6_000
LIST_LIMIT = 200
SEARCH_LIMIT = 20
MEMORY_MAX_KEYS = 24
MEMORY_MAX_CHARS = 600


@dataclass
class Person:
    name: str
    email: str
    role: str = ""


@dataclass
class InboxItem:
    id: int
    sender: str
    sender_email: str
    subject: str
    body: str
    received: dt.datetime
    attachments: list[str]
    read: bool


@dataclass
class DeliverableRef:
    key: str
    title: str
    kind: str
    path: str
    status: str


@dataclass
class ToolContext:
    workspace: Workspace
    now: dt.datetime
    user: Person
    collaborators: list[Person]
    deliverables: dict[str, DeliverableRef]
    memory: dict[str, str]
    inbox: Callable[[bool, int], list[InboxItem]]
    search_index: Callable[[str, int], list[tuple[str, str]]]
    text_of: Callable[..., str]  # (path, kind, max_chars=...) -> text
    mail_parent: Callable[[int], MailParent | None]  # a received message, by id
    calendar_path: Callable[[], str]  # the computer's calendar file


@dataclass
class OutgoingMessage:
    to: list[Person]
    subject: str
    body: str
    attachments: list[str]
    deliverable_key: str = ""
    reply_to: MailParent | None = None


@dataclass
class Submission:
    key: str
    path: str
    sha256: str
    note: str


@dataclass
class ToolResult:
    observation: str
    error: str = ""
    file_ops: list[FileOp] = field(default_factory=list)
    outgoing: list[OutgoingMessage] = field(default_factory=list)
    read_message_ids: list[int] = field(default_factory=list)
    memory: dict[str, str] | None = None
    submission: Submission | None = None
    clock: str = ""  # "", "end_of_day", "next_message" or "wait"
    wait_minutes: int = 0
    finished: bool = False


def failure(message: str) -> ToolResult:
    return ToolResult(observation=f"Error: {message}", error=message)
