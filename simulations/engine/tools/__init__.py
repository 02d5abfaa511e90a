"""The worker's tools: the registry (name, description, argument contract, implementation),
their OpenAI tool specs, and ``run_tool``, which dispatches one call.

A tool never raises into the engine and never changes the database or the workspace
itself: it returns a :class:`ToolResult` (an observation for the model plus staged effects:
file ops, messages to send, messages read, memory, a submission, a clock move). The engine
commits those effects with the turn. Bad arguments, refused paths and unreadable files
come back as observations with ``error`` set, so the model can correct itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulations.engine import clock
from simulations.engine.office import ContentError, validation_text
from simulations.engine.sandbox import SandboxError
from simulations.engine.tools.args import (
    AddCalendarEvent,
    AdvanceClock,
    Args,
    CopyFile,
    DeleteFile,
    EditFile,
    Finish,
    ListDir,
    MoveFile,
    ReadFile,
    ReadInbox,
    SearchFiles,
    SendMessage,
    SubmitDeliverable,
    UpdateMemory,
    WriteFile,
)
from simulations.engine.tools.context import ToolContext, ToolResult, failure
from simulations.engine.tools.files import (
    copy_file,
    delete_file,
    edit_file,
    list_dir,
    move_file,
    read_file,
    search_files,
    write_file,
)
from simulations.engine.tools.mail import add_calendar_event, read_inbox, send_message
from simulations.engine.tools.progress import (
    advance_clock,
    finish,
    submit_deliverable,
    update_memory,
)
from studio.artifacts.safety import ArtifactReadError


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
        return failure(f"bad arguments for {name}: {validation_text(exc, '(arguments)')}")
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
