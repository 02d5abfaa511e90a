"""The worker's tools against a real workspace: files it writes open in their libraries,
edits keep the rest of the file, and every mistake comes back as an observation."""

import datetime as dt

import openpyxl
import pytest
from docx import Document
from icalendar import Calendar
from pptx import Presentation

from simulations.engine.mailbox import MailParent
from simulations.engine.sandbox import Workspace
from simulations.engine.texts import text_of
from simulations.engine.tools import TOOL_SPECS, TOOLS, run_tool
from simulations.engine.tools.context import DeliverableRef, InboxItem, Person, ToolContext

NOW = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def ctx(tmp_path):
    source = tmp_path / "home"
    (source / "Reports").mkdir(parents=True)
    (source / "Reports" / "notes.md").write_text("# Notes\nBudget: $1,200\n")
    ws = Workspace(tmp_path / "sim")
    ws.prepare(source)
    inbox = [
        InboxItem(
            id=7,
            sender="Dana Ruiz",
            sender_email="dana@example.com",
            subject="Figures",
            body="Use 42.",
            received=NOW,
            attachments=["Shared/x.csv"],
            read=False,
        )
    ]
    return ToolContext(
        workspace=ws,
        now=NOW,
        user=Person("Ada Lane", "ada@example.com"),
        collaborators=[
            Person("Dana Ruiz", "dana@example.com"),
            Person("Sam Ode", "sam@example.com"),
        ],
        deliverables={
            "D1": DeliverableRef("D1", "Budget workbook", "xlsx", "Reports/budget.xlsx", "pending")
        },
        memory={},
        inbox=lambda unread, limit: inbox,
        search_index=lambda q, n: [("Reports/old.docx", "…budget…")],
        text_of=text_of,
        mail_parent=lambda message_id: (
            MailParent(7, "<m7@example.com>", ["<m1@example.com>"], "Figures")
            if message_id == 7
            else None
        ),
        calendar_path=lambda: "Calendar/work_calendar.ics",
    )


def apply(ctx, result):
    assert not result.error, result.observation
    ctx.workspace.apply(result.file_ops)
    return result


def test_specs_are_openai_tools_with_json_schemas():
    assert {t["function"]["name"] for t in TOOL_SPECS} == set(TOOLS)
    for spec in TOOL_SPECS:
        assert spec["type"] == "function" and spec["function"]["parameters"]["type"] == "object"


def test_write_docx_from_markdown_and_read_it_back(ctx):
    content = "# Budget memo\n\nIntro line.\n\n## Figures\n| Item | Value |\n|---|---|\n| Total | 1200 |\n\n- one\n- two"
    result = apply(
        ctx, run_tool(ctx, "write_file", {"path": "Reports/memo.docx", "content": content}, "")
    )
    assert result.file_ops[0].op == "create"
    document = Document(ctx.workspace.home / "Reports/memo.docx")
    assert document.tables and document.tables[0].cell(1, 1).text == "1200"
    read = run_tool(ctx, "read_file", {"path": "Reports/memo.docx"}, "")
    assert "Intro line." in read.observation and "Total" in read.observation


def test_write_xlsx_object_with_formula_and_edit_cells(ctx):
    workbook = {
        "sheets": [
            {
                "name": "Budget",
                "columns": ["Item", "Value"],
                "rows": [["A", 100], ["B", 250], ["Total", "=SUM(B2:B3)"]],
            }
        ]
    }
    apply(
        ctx, run_tool(ctx, "write_file", {"path": "Reports/budget.xlsx", "content": workbook}, "")
    )
    edit = apply(
        ctx,
        run_tool(
            ctx, "edit_file", {"path": "Reports/budget.xlsx", "cells": {"Budget!B2": 150}}, ""
        ),
    )
    assert "set 1 cell" in edit.observation and edit.file_ops[0].op == "edit"
    sheet = openpyxl.load_workbook(ctx.workspace.home / "Reports/budget.xlsx")["Budget"]
    assert sheet["B2"].value == 150 and sheet["B4"].value == "=SUM(B2:B3)"
    assert "100" in edit.file_ops[0].diff and "150" in edit.file_ops[0].diff


def test_write_pptx_and_replace_text_across_runs(ctx):
    text = "# Review\nQ3 update\n## Figures\n- Budget: $1,200\n- Spend: $900\nNotes: say it slowly\n## Next\n- Decide"
    apply(ctx, run_tool(ctx, "write_file", {"path": "deck.pptx", "content": text}, ""))
    edit = apply(
        ctx,
        run_tool(
            ctx,
            "edit_file",
            {
                "path": "deck.pptx",
                "find": "$1,200",
                "replace": "$1,250",
                "append": "Risks\n- supplier delay",
            },
            "",
        ),
    )
    assert "replaced 1 occurrence" in edit.observation
    slides = Presentation(ctx.workspace.home / "deck.pptx").slides
    texts = " ".join(
        s.text_frame.text for slide in slides for s in slide.shapes if s.has_text_frame
    )
    assert "$1,250" in texts and "$1,200" not in texts and "supplier delay" in texts


def test_text_edits_and_missing_text(ctx):
    edit = apply(
        ctx,
        run_tool(
            ctx,
            "edit_file",
            {"path": "Reports/notes.md", "find": "$1,200", "replace": "$1,300"},
            "",
        ),
    )
    assert "-Budget: $1,200" in edit.file_ops[0].diff
    missing = run_tool(
        ctx, "edit_file", {"path": "Reports/notes.md", "find": "nowhere", "replace": "x"}, ""
    )
    assert missing.error and "does not occur" in missing.observation and not missing.file_ops


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("read_file", None, "not a valid JSON object"),
        ("read_file", {"page": 1}, "bad arguments for read_file: path"),
        ("read_file", {"path": "../../etc/passwd"}, "'..' is not allowed"),
        ("read_file", {"path": "Reports/missing.docx"}, "no such file"),
        ("list_dir", {"path": "Reports/notes.md"}, "is a file"),
        ("fly", {}, "there is no tool called 'fly'"),
        ("write_file", {"path": "x.eml", "content": "hi"}, "cannot be written"),
        (
            "write_file",
            {"path": "x.pptx", "content": "no slides here"},
            "at least one '## Slide title'",
        ),
        (
            "write_file",
            {"path": "x.docx", "content": {"blocks": "nope"}},
            "does not fit a .docx file",
        ),
        ("send_message", {"to": ["Nobody"], "body": "hi"}, "no collaborator called 'Nobody'"),
        ("submit_deliverable", {"deliverable": "D9"}, "no deliverable 'D9'"),
        (
            "submit_deliverable",
            {"deliverable": "D1", "path": "Reports/notes.md"},
            "must be a .xlsx file",
        ),
        ("advance_clock", {"until": "end_of_day", "minutes": 5}, "not both"),
        ("update_memory", {"key": "gone", "note": ""}, "no note called 'gone'"),
        ("add_calendar_event", {"title": "Old", "start": "2020-01-01T10:00"}, "in the past"),
    ],
)
def test_mistakes_come_back_as_observations(ctx, name, arguments, expected):
    result = run_tool(ctx, name, arguments, raw='{"path": "x\'}')
    assert result.error and expected in result.observation
    assert result.observation.startswith("Error:") and not result.file_ops


def test_mail_memory_clock_calendar_submit_finish(ctx):
    sent = run_tool(
        ctx,
        "send_message",
        {"to": ["dana"], "subject": "Hi", "body": "Numbers?", "attachments": ["Reports/notes.md"]},
        "",
    )
    assert sent.outgoing[0].to[0].email == "dana@example.com" and sent.outgoing[0].attachments == [
        "Reports/notes.md"
    ]
    reply = run_tool(ctx, "send_message", {"to": ["dana"], "body": "Will do.", "reply_to": 7}, "")
    answered = reply.outgoing[0]
    assert answered.subject == "Re: Figures" and answered.reply_to.message_id == "<m7@example.com>"
    unknown = run_tool(ctx, "send_message", {"to": ["dana"], "body": "?", "reply_to": 8}, "")
    assert unknown.error == "there is no message 8 in your inbox to answer"
    inbox = run_tool(ctx, "read_inbox", {}, "")
    assert "From: Dana Ruiz" in inbox.observation and inbox.read_message_ids == [7]
    memory = run_tool(ctx, "update_memory", {"key": "plan", "note": "Week 1: budget"}, "")
    assert memory.memory == {"plan": "Week 1: budget"}
    ctx.memory = {f"k{i}": "x" for i in range(24)}
    assert (
        "at most 24 notes"
        in run_tool(ctx, "update_memory", {"key": "new", "note": "y"}, "").observation
    )
    assert run_tool(ctx, "advance_clock", {"until": "next_message"}, "").clock == "next_message"
    assert run_tool(ctx, "advance_clock", {"minutes": 45}, "").wait_minutes == 45
    event = apply(
        ctx,
        run_tool(
            ctx,
            "add_calendar_event",
            {"title": "Review", "start": "2026-03-04T14:00", "attendees": ["Sam Ode"]},
            "",
        ),
    )
    calendar = Calendar.from_ical((ctx.workspace.home / "Calendar/work_calendar.ics").read_bytes())
    [vevent] = list(calendar.walk("VEVENT"))
    assert str(vevent["summary"]) == "Review" and "sam@example.com" in str(vevent["attendee"])
    assert event.file_ops[0].op == "create"
    workbook = {"sheets": [{"name": "S", "columns": ["a"], "rows": [[1]]}]}
    apply(
        ctx, run_tool(ctx, "write_file", {"path": "Reports/budget.xlsx", "content": workbook}, "")
    )
    submitted = run_tool(ctx, "submit_deliverable", {"deliverable": "d1"}, "")
    assert submitted.submission.key == "D1" and len(submitted.submission.sha256) == 64
    finished = run_tool(ctx, "finish", {"summary": "done"}, "")
    assert finished.finished and "Not submitted: D1" in finished.observation


def test_search_and_list(ctx):
    found = run_tool(ctx, "search_files", {"query": "notes"}, "")
    assert (
        "Reports/notes.md: (name matches)" in found.observation
        and "Reports/old.docx" in found.observation
    )
    listing = run_tool(ctx, "list_dir", {}, "")
    assert "Reports/  (1 items)" in listing.observation
