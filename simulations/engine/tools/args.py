"""The tools' argument contracts: what a model may pass, checked before a tool runs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from simulations.engine.tools.context import MEMORY_MAX_CHARS, READ_PAGE_CHARS


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
