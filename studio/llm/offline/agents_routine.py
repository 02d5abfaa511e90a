"""The offline worker's day frame and routine work: closing the day with a log note, what to
do when no deliverable needs the worker right now (wrap up the month, or finish on its last
day), and the routine work itself: what a person does on a day when no deliverable needs
them right now — file what is finished, keep dated notes, sweep the mailbox, thank the people
who reviewed their work, send a weekly status, tighten a draft that waits for review,
cross-check a figure. Each routine is done at most once a day (the day's date is in its
arguments, so nothing repeats word for word), in an order the request's seed picks; when the
day's routines are done, the worker closes the day instead of re-reading its files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from studio.llm.offline.agents_common import first_name, get
from studio.llm.offline.agents_conversation import act
from studio.llm.offline.registry import AgentAction

if TYPE_CHECKING:
    from studio.llm.offline.agents_worker import Worker

ARCHIVE = "Archive"
NOTES = "Notes"


class Routine:
    def __init__(self, worker: Worker):
        self.w = worker
        self.date = worker.clock.get("date", "")
        self.workday = int(worker.clock.get("workday", 1) or 1)
        self.deliverables = [d for o in worker.objectives for d in o["deliverables"]]

    def idle(self) -> AgentAction:
        """No deliverable needs the worker now: wrap up, finish, routine work, or go home."""
        pending = [d for d in self.deliverables if d["status"] != "submitted"]
        workday = self.workday
        workdays = int(self.w.clock.get("workdays", 20) or 20)
        if not pending and "wrapup" not in self.w.memory and self.w.objectives:
            filing = self.file_finished()
            if filing is not None:
                return filing
            if self.w.did("add_calendar_event", title="Month-end review") is None:
                start = dt.datetime.combine(self.w.today + dt.timedelta(days=1), dt.time(10, 0))
                reviewer = self.w.objectives[0].get("reviewer")
                return act(
                    "Booking a wrap-up with my reviewer.",
                    "add_calendar_event",
                    title="Month-end review",
                    start=start.isoformat(timespec="minutes"),
                    duration_minutes=45,
                    attendees=[reviewer] if reviewer else [],
                )
            return act(
                "Noting that everything is in.",
                "update_memory",
                key="wrapup",
                note=f"All deliverables submitted and filed under {self.archive_folder}; "
                "wrap-up booked.",
            )
        if not pending and workday >= workdays:
            done = ", ".join(d["key"] for d in self.deliverables)
            return act(
                "The month's work is done.",
                "finish",
                summary=f"Submitted {done}. Reviewed and applied my collaborators' corrections.",
            )
        action = self.next()
        if action is not None:
            return action
        if (
            get(self.w.mail, "awaiting_replies")
            and pending
            and not self.w.did("advance_clock", until="next_message")
        ):
            return act(
                "Waiting for replies before I can go on.", "advance_clock", until="next_message"
            )
        return self.close_day(workday)

    def close_day(self, workday: int) -> AgentAction:
        if not self.w.memory.get("log", "").startswith(f"Day {workday}:"):
            return act(
                "Before I leave, a note on today.",
                "update_memory",
                key="log",
                note=self.day_log(workday),
            )
        return act("That's it for today.", "advance_clock", until="end_of_day")

    def day_log(self, workday: int) -> str:
        submitted = [d["key"] for d in self.deliverables if d["status"] == "submitted"]
        drafted = [
            d["key"] for d in self.deliverables if d["draft_exists"] and d["status"] != "submitted"
        ]
        waiting = len(self.w.mail.get("awaiting_replies", []))
        return (
            f"Day {workday}: submitted {', '.join(submitted) or 'nothing yet'}; drafts in progress "
            f"{', '.join(drafted) or 'none'}; waiting on {waiting} repl{'y' if waiting == 1 else 'ies'}."
        )[:590]

    def next(self) -> AgentAction | None:
        """One of today's routines not done yet, or None when the day's routine is done."""
        routines: list[Callable[[], AgentAction | None]] = [
            self.notes,
            self.sweep_mail,
            self.thank_reviewers,
            self.weekly_status,
            self.tighten_draft,
            self.cross_check,
        ]
        self.w.rng.shuffle(routines)
        for routine in routines:
            action = routine()
            if action is not None:
                return action
        return None

    # -- filing (once per finished deliverable, before the month's wrap-up) -------------------

    @property
    def archive_folder(self) -> str:
        return f"{ARCHIVE}/{self.date[:7]}"

    def archive_path(self, deliverable: dict) -> str:
        return f"{self.archive_folder}/{deliverable['path'].rpartition('/')[2]}"

    def file_finished(self) -> AgentAction | None:
        for d in self.deliverables:
            if d["status"] == "submitted" and d["draft_exists"]:
                target = self.archive_path(d)
                if self.w.did("copy_file", source=d["path"], destination=target) is None:
                    return act(
                        f"Filing a copy of {d['key']} with this month's finished work.",
                        "copy_file",
                        source=d["path"],
                        destination=target,
                    )
        return None

    # -- the day's routines ------------------------------------------------------------------

    def notes_path(self) -> str:
        return f"{NOTES}/{self.date} notes.md"

    def notes(self) -> AgentAction | None:
        path = self.notes_path()
        if self.w.did("write_file", path=path) is not None:
            return None
        lines = [f"# Notes, {self.w.clock.get('now', self.date)[:14]}", ""]
        for d in self.deliverables:
            state = d["status"] if d["draft_exists"] else "not started"
            feedback = len(d.get("feedback", []))
            lines.append(
                f"- {d['key']} {d['title']}: {state}, due {d['due']}"
                + (f", {feedback} round(s) of feedback" if feedback else "")
            )
        waiting = get(self.w.mail, "awaiting_replies", [])
        if waiting:
            lines += ["", "Waiting on:"] + [f"- {m['to']}: {m['subject']}" for m in waiting[:4]]
        return act(
            "Writing up where things stand today.",
            "write_file",
            path=path,
            content="\n".join(lines),
        )

    def sweep_mail(self) -> AgentAction | None:
        if self.w.did("read_inbox", unread_only=False, limit=5 + self.workday % 5) is not None:
            return None
        return act(
            "Going back through recent mail for anything I have not answered.",
            "read_inbox",
            unread_only=False,
            limit=5 + self.workday % 5,
        )

    def thank_reviewers(self) -> AgentAction | None:
        for d in self.deliverables:
            for feedback in d.get("feedback", []):
                subject = f"Re: Review: {d['title']}"[:300]
                applied = f"applied {feedback['id']}" in self.w.memory.get(d["key"], "")
                if applied and not self.w.sent_subject(subject):
                    name = first_name(feedback["from"])
                    return act(
                        f"Letting {name} know the corrections are in.",
                        "send_message",
                        to=[feedback["from"]],
                        subject=subject,
                        body=f"Hi {name},\n\nThanks for the review of {d['title']}. I have applied "
                        f"your corrections in {d['path']}.\n\nBest,\n{self.w.me}",
                    )
        return None

    def weekly_status(self) -> AgentAction | None:
        week = (self.workday - 1) // 5 + 1
        subject = f"Status update, week {week}"
        reviewers = sorted({o["reviewer"] for o in self.w.objectives if o.get("reviewer")})
        if not reviewers or self.w.sent_subject(subject) or self.workday % 5 not in (0, 4):
            return None
        done = [d["key"] for d in self.deliverables if d["status"] == "submitted"]
        open_ = [
            f"{d['key']} (due {d['due']})" for d in self.deliverables if d["status"] != "submitted"
        ]
        return act(
            "Sending my weekly status.",
            "send_message",
            to=reviewers[:3],
            subject=subject,
            body=f"Hi all,\n\nWeek {week}: submitted {', '.join(done) or 'nothing yet'}; "
            f"open {', '.join(open_) or 'none'}.\n\nBest,\n{self.w.me}",
        )

    def tighten_draft(self) -> AgentAction | None:
        waiting = [
            d
            for d in self.deliverables
            if d["draft_exists"] and d["status"] != "submitted" and not d.get("feedback")
        ]
        if not waiting:
            return None
        d = waiting[self.workday % len(waiting)]
        if d["kind"] in ("xlsx", "csv"):
            append = f"Checked on,{self.date}"
        else:
            append = (
                f"## Progress {self.date}\nRe-checked the figures against the sources; no change."
            )
        if self.w.did("edit_file", path=d["path"], append=append) is not None:
            return None
        return act(
            f"Tightening {d['key']} while it waits for review.",
            "edit_file",
            path=d["path"],
            append=append,
        )

    def cross_check(self) -> AgentAction | None:
        facts = [f for o in self.w.objectives for f in self.w.facts_for(o)]
        if not facts:
            return None
        label = facts[self.workday % len(facts)][0]
        if self.w.did("search_files", query=label) is not None:
            return None
        return act(f"Cross-checking {label} across my files.", "search_files", query=label)
