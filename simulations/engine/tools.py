"""The worker's tools: their OpenAI tool specs, argument contracts and implementations.

A tool never raises into the engine and never changes the database or the workspace
itself: it returns a :class:`ToolResult` (an observation for the model plus staged effects:
file ops, messages to send, messages read, memory, a submission, a clock move). The engine
commits those effects with the turn. Bad arguments, refused paths and unreadable files
come back as observations with ``error`` set, so the model can correct itself.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulations.engine import clock
from simulations.engine.mailbox import MailParent, reply_subject
from simulations.engine.office import ContentError, content_for, edit_file_bytes
from simulations.engine.sandbox import FileOp, SandboxError, Workspace, kind_of
from simulations.engine.texts import split_truncated
from studio.artifacts.safety import ArtifactReadError

READ_PAGE_CHARS = 6_000
LIST_LIMIT = 200
SEARCH_LIMIT = 20
MEMORY_MAX_KEYS = 24
MEMORY_MAX_CHARS = 600


# -- what tools need and what they return ------------------------------------------------------


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


# -- argument contracts --------------------------------------------------------------------------


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListDir(Args):
    path: str = Field(default=".", description="folder relative to your home folder; '.' is home")


class ReadFile(Args):
    path: str = Field(description="file relative to your home folder")
    page: int = Field(default=1, ge=1, le=200, description=f"page of {READ_PAGE_CHARS} characters")


class SearchFiles(Args):
    query: str = Field(min_length=2, max_length=200, description="words to find in names and text")
    path: str = Field(default=".", description="folder to search in")


class WriteFile(Args):
    path: str = Field(description="file to create or overwrite; the extension sets the format")
    content: str | dict[str, Any] = Field(
        description=(
            "Plain text with light Markdown: '#' headings, '-' bullets, '1.' lists and '|' tables "
            "for .docx/.md; '## Slide title' sections with '-' bullets for .pptx; comma- or "
            "tab-separated lines (first line = header, '=' starts a formula) for .xlsx/.csv. "
            "Or an object: docx {title, blocks:[{type: heading|paragraph|bullets|numbered|table, "
            "text, items, table:{columns, rows}}]}, xlsx {sheets:[{name, columns, rows}]}, "
            "pptx {title, subtitle, slides:[{title, bullets, notes}]}."
        )
    )


class EditFile(Args):
    path: str
    find: str = Field(default="", description="exact text to replace (every occurrence)")
    replace: str = Field(default="", description="replacement for `find`")
    append: str = Field(default="", description="text to add at the end (.pptx: a new slide)")
    cells: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="xlsx only: {'B4': 1200, 'Budget!C2': '=SUM(C3:C9)'}"
    )


class MoveFile(Args):
    source: str
    destination: str = Field(description="new path, or an existing folder to move into")


class CopyFile(MoveFile):
    pass


class DeleteFile(Args):
    path: str


class SendMessage(Args):
    to: list[str] = Field(min_length=1, max_length=8, description="collaborator names or emails")
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", max_length=20_000)
    attachments: list[str] = Field(
        default_factory=list, max_length=5, description="files from your home folder to attach"
    )
    reply_to: int | None = Field(
        default=None, ge=1, description="to answer a message: its number ([message N] in the inbox)"
    )


class ReadInbox(Args):
    unread_only: bool = True
    limit: int = Field(default=10, ge=1, le=30)


class AddCalendarEvent(Args):
    title: str = Field(min_length=2, max_length=200)
    start: dt.datetime = Field(description="local date and time, e.g. 2026-03-04T14:00")
    duration_minutes: int = Field(default=30, ge=5, le=600)
    attendees: list[str] = Field(default_factory=list, max_length=10)
    location: str = Field(default="", max_length=200)


class AdvanceClock(Args):
    until: Literal["end_of_day", "next_message"] | None = Field(
        default=None,
        description="end_of_day closes today's session; next_message waits for the next reply",
    )
    minutes: int | None = Field(default=None, ge=1, le=480, description="or wait this long")


class UpdateMemory(Args):
    key: str = Field(min_length=1, max_length=40, description="topic of the note, e.g. 'plan'")
    note: str = Field(
        default="", max_length=MEMORY_MAX_CHARS, description="the note; empty removes the key"
    )


class SubmitDeliverable(Args):
    deliverable: str = Field(description="the deliverable's key, e.g. D2")
    path: str = Field(default="", description="the file to submit; default: its expected path")
    note: str = Field(default="", max_length=2000)


class Finish(Args):
    summary: str = Field(min_length=1, max_length=4000)


# -- implementations -------------------------------------------------------------------------------


def _human_size(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} B"


def list_dir(ctx: ToolContext, args: ListDir) -> ToolResult:
    folder = ctx.workspace.resolve(args.path, must_exist=True)
    if not folder.is_dir():
        return failure(f"{args.path} is a file; use read_file")
    entries = sorted(
        os.scandir(folder), key=lambda e: (not e.is_dir(follow_symlinks=False), e.name.lower())
    )
    lines = []
    for entry in entries[:LIST_LIMIT]:
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            continue
        if entry.is_symlink():
            lines.append(f"{entry.name}  (symbolic link, not followed)")
        elif entry.is_dir(follow_symlinks=False):
            count = sum(1 for _ in os.scandir(entry.path))
            lines.append(f"{entry.name}/  ({count} items)")
        else:
            stat = entry.stat(follow_symlinks=False)
            when = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M")
            lines.append(f"{entry.name}  {_human_size(stat.st_size)}  modified {when}")
    where = "." if folder == ctx.workspace.home else ctx.workspace.relative(folder)
    if folder == ctx.workspace.home:  # the other volumes, as the user would see them
        lines += [f"{v.mount}  (volume {v.name})" for v in ctx.workspace.volumes if not v.home]
    more = f"\n… and {len(entries) - LIST_LIMIT} more" if len(entries) > LIST_LIMIT else ""
    body = "\n".join(lines) or "(empty folder)"
    return ToolResult(observation=f"{where}/ — {len(entries)} entries\n{body}{more}")


def read_file(ctx: ToolContext, args: ReadFile) -> ToolResult:
    path = ctx.workspace.resolve(args.path, must_exist=True)
    if path.is_dir():
        return failure(f"{args.path} is a folder; use list_dir")
    kind = kind_of(args.path)
    end = args.page * READ_PAGE_CHARS
    text, more = split_truncated(ctx.text_of(path, kind, max_chars=end))
    page = text[end - READ_PAGE_CHARS : end]
    if not page.strip():
        return ToolResult(
            observation=f"{args.path}: no text on page {args.page}"
            + ("" if args.page > 1 else " (the file is empty)")
        )
    footer = f"\n[page {args.page}; more on page {args.page + 1}]" if more else ""
    return ToolResult(observation=f"{ctx.workspace.clean(args.path)} ({kind}):\n{page}{footer}")


def search_files(ctx: ToolContext, args: SearchFiles) -> ToolResult:
    base = ctx.workspace.resolve(args.path, must_exist=True)
    prefix = "" if base == ctx.workspace.home else ctx.workspace.relative(base) + "/"
    words = [w.lower() for w in args.query.split() if w]
    hits: dict[str, str] = {}
    for directory, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(directory, d)))
        for name in sorted(filenames):
            rel = ctx.workspace.relative(Path(directory) / name)
            if all(w in rel.lower() for w in words):
                hits.setdefault(rel, "(name matches)")
        if len(hits) >= SEARCH_LIMIT:
            break
    for rel, snippet in ctx.search_index(args.query, SEARCH_LIMIT * 2):
        if rel.startswith(prefix) and len(hits) < SEARCH_LIMIT:
            hits.setdefault(rel, snippet)
    if not hits:
        return ToolResult(observation=f"No files match {args.query!r}.")
    lines = [f"{rel}: {snippet}" for rel, snippet in list(hits.items())[:SEARCH_LIMIT]]
    return ToolResult(observation=f"{len(lines)} files match {args.query!r}:\n" + "\n".join(lines))


def _render(
    kind: str, content: Any, *, title: str, author: str, when: dt.datetime, staging: Path
) -> bytes:
    from studio.artifacts.writers import write_artifact

    model = content_for(kind, content, fallback_title=title)
    staging.mkdir(parents=True, exist_ok=True)
    temp = staging / f"{secrets.token_hex(8)}.{kind}"
    try:
        write_artifact(temp, kind, model, author=author, mtime=when)
        return temp.read_bytes()
    finally:
        temp.unlink(missing_ok=True)


def write_file(ctx: ToolContext, args: WriteFile) -> ToolResult:
    rel = ctx.workspace.clean(args.path)
    kind = kind_of(rel)
    title = Path(rel).stem.replace("_", " ")
    data = _render(
        kind,
        args.content,
        title=title,
        author=ctx.user.name,
        when=ctx.now,
        staging=ctx.workspace.root / "staging",
    )
    op = ctx.workspace.stage_write(rel, data, text_of=ctx.text_of)
    verb = "Created" if op.op == "create" else "Overwrote"
    return ToolResult(observation=f"{verb} {rel} ({_human_size(op.size)}).", file_ops=[op])


def edit_file(ctx: ToolContext, args: EditFile) -> ToolResult:
    if not (args.find or args.append or args.cells):
        return failure("give `find` and `replace`, `append`, or `cells`")
    rel = ctx.workspace.clean(args.path)
    path = ctx.workspace.resolve(rel, must_exist=True)
    data, count = edit_file_bytes(
        path,
        kind_of(rel),
        find=args.find,
        replace=args.replace,
        append=args.append,
        cells=args.cells,
    )
    if args.find and count == 0 and not (args.append or args.cells):
        return failure(f"{args.find!r} does not occur in {rel}; read the file to see its text")
    op = ctx.workspace.stage_write(rel, data, text_of=ctx.text_of)
    parts = []
    if args.find:
        parts.append(f"replaced {count} occurrence{'s' if count != 1 else ''}")
    if args.cells:
        parts.append(f"set {len(args.cells)} cell{'s' if len(args.cells) != 1 else ''}")
    if args.append:
        parts.append("appended text")
    return ToolResult(observation=f"Edited {rel}: {', '.join(parts)}.", file_ops=[op])


def move_file(ctx: ToolContext, args: MoveFile) -> ToolResult:
    ops = ctx.workspace.stage_copy(args.source, args.destination, move=True)
    return ToolResult(observation=f"Moved {ops[0].source_path} to {ops[0].path}.", file_ops=ops)


def copy_file(ctx: ToolContext, args: CopyFile) -> ToolResult:
    ops = ctx.workspace.stage_copy(args.source, args.destination, move=False)
    return ToolResult(observation=f"Copied {ops[0].source_path} to {ops[0].path}.", file_ops=ops)


def delete_file(ctx: ToolContext, args: DeleteFile) -> ToolResult:
    op = ctx.workspace.stage_delete(args.path)
    return ToolResult(observation=f"Deleted {op.path}.", file_ops=[op])


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


def advance_clock(ctx: ToolContext, args: AdvanceClock) -> ToolResult:
    if args.until and args.minutes:
        return failure("give either `until` or `minutes`, not both")
    if args.until == "end_of_day":
        return ToolResult(observation="You close today's session.", clock="end_of_day")
    if args.until == "next_message":
        return ToolResult(observation="You wait for the next message.", clock="next_message")
    minutes = args.minutes or 30
    return ToolResult(
        observation=f"You wait {minutes} minutes.", clock="wait", wait_minutes=minutes
    )


def update_memory(ctx: ToolContext, args: UpdateMemory) -> ToolResult:
    memory = dict(ctx.memory)
    key = args.key.strip()
    if not args.note.strip():
        if memory.pop(key, None) is None:
            return failure(f"there is no note called {key!r}")
        return ToolResult(observation=f"Removed note {key!r}.", memory=memory)
    if key not in memory and len(memory) >= MEMORY_MAX_KEYS:
        return failure(
            f"memory holds at most {MEMORY_MAX_KEYS} notes; merge or remove some "
            f"(keys: {', '.join(memory)})"
        )
    memory[key] = args.note.strip()
    return ToolResult(observation=f"Noted under {key!r}.", memory=memory)


def submit_deliverable(ctx: ToolContext, args: SubmitDeliverable) -> ToolResult:
    wanted = args.deliverable.strip().upper()
    ref = ctx.deliverables.get(wanted)
    if ref is None:
        return failure(
            f"no deliverable {args.deliverable!r}; yours are {', '.join(ctx.deliverables)}"
        )
    rel = ctx.workspace.clean(args.path or ref.path)
    path = ctx.workspace.resolve(rel, must_exist=True)
    if not path.is_file():
        return failure(f"{rel} is a folder")
    if kind_of(rel) != ref.kind:
        return failure(f"{ref.key} must be a .{ref.kind} file; {rel} is .{kind_of(rel)}")
    sha = ctx.workspace.store_file(path)
    again = " again" if ref.status == "submitted" else ""
    return ToolResult(
        observation=f"Submitted {rel} as {ref.key} ({ref.title}){again}.",
        submission=Submission(key=ref.key, path=rel, sha256=sha, note=args.note),
    )


def finish(ctx: ToolContext, args: Finish) -> ToolResult:
    pending = [d.key for d in ctx.deliverables.values() if d.status != "submitted"]
    note = f" Not submitted: {', '.join(pending)}." if pending else ""
    return ToolResult(observation=f"You end the month's work.{note}", finished=True)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[Args]
    run: Callable[[ToolContext, Any], ToolResult]

    def spec(self) -> dict[str, Any]:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": schema},
        }


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool("list_dir", "List a folder of your computer.", ListDir, list_dir),
        Tool(
            "read_file",
            "Read the text of a file (docx, xlsx, pptx, pdf, eml, ics, md, csv, txt).",
            ReadFile,
            read_file,
        ),
        Tool(
            "search_files", "Find files by words in their names or text.", SearchFiles, search_files
        ),
        Tool(
            "write_file",
            "Create or overwrite a document, workbook, presentation or text file.",
            WriteFile,
            write_file,
        ),
        Tool(
            "edit_file",
            "Change an existing file: replace text, append, or set workbook cells.",
            EditFile,
            edit_file,
        ),
        Tool("move_file", "Move or rename a file.", MoveFile, move_file),
        Tool("copy_file", "Copy a file.", CopyFile, copy_file),
        Tool("delete_file", "Delete a file.", DeleteFile, delete_file),
        Tool(
            "send_message",
            "Email collaborators; they answer later in simulated time.",
            SendMessage,
            send_message,
        ),
        Tool("read_inbox", "Read messages that have arrived.", ReadInbox, read_inbox),
        Tool(
            "add_calendar_event",
            "Put a meeting or reminder in your calendar.",
            AddCalendarEvent,
            add_calendar_event,
        ),
        Tool(
            "advance_clock",
            "End today's session, wait for a reply, or let time pass.",
            AdvanceClock,
            advance_clock,
        ),
        Tool(
            "update_memory",
            "Keep a short note you will see in every later session.",
            UpdateMemory,
            update_memory,
        ),
        Tool(
            "submit_deliverable",
            "Hand in a deliverable of an objective.",
            SubmitDeliverable,
            submit_deliverable,
        ),
        Tool("finish", "End the month's work when everything is done.", Finish, finish),
    )
}

TOOL_SPECS: list[dict[str, Any]] = [tool.spec() for tool in TOOLS.values()]


def _arg_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:8]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "(arguments)"
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def run_tool(
    ctx: ToolContext, name: str, arguments: dict[str, Any] | None, raw: str = ""
) -> ToolResult:
    """Run one tool call; every problem becomes an observation, never an exception."""
    tool = TOOLS.get(name)
    if tool is None:
        return failure(f"there is no tool called {name!r}; tools: {', '.join(TOOLS)}")
    if arguments is None:
        shown = _CONTROL.sub("", raw)[:300]
        return failure(
            f"the arguments of your {name} call are not a valid JSON object ({shown!r}); "
            "call it again with a JSON object"
        )
    try:
        args = tool.args.model_validate(arguments)
    except ValidationError as exc:
        return failure(f"bad arguments for {name}: {_arg_errors(exc)}")
    try:
        return tool.run(ctx, args)
    except SandboxError as exc:
        return failure(str(exc))
    except (ContentError, ArtifactReadError) as exc:
        return failure(str(exc))
    except (OSError, UnicodeError) as exc:
        return failure(
            f"{name} failed: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
        )


def minutes_for(name: str, arguments: dict[str, Any] | None, result: ToolResult) -> int:
    return clock.action_minutes(name, arguments, result.observation)
