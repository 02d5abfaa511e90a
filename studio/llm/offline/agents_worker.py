"""The offline worker: a scripted, deterministic person working through the month.

It decides from what the request carries — the situation in <context> (objectives and their
state, its own notes, mail, clock) and the recent tool calls and results in the messages —
exactly what a model would see. Its day: read new mail, keep a weekly plan, then for each
deliverable in due order: read the objective's input files and note their figures, ask the
collaborators for reference material, read what they share, draft the deliverable with real
content, send it for review, apply the corrections, submit. When everything is in, it keeps
checking its files until the month ends, then finishes. It closes each workday with a log
note. Like a real person it applies a correction to the file that was reviewed, which is
how the failure mode 'workbook left stale' can arise.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from studio.llm.offline import agents_content
from studio.llm.offline.agents_common import figures_in, first_name, format_facts, get, parse_facts
from studio.llm.offline.registry import AgentAction, OfflineRequest

END_OF_DAY_MINUTES = 20
_REPLACE = re.compile(r'replace\s+"(?P<find>[^"]+)"\s+with\s+"(?P<replace>[^"]+)"', re.I)
_ADD = re.compile(r'add a section\s+"(?P<heading>[^"]+)"\s*:\s*(?P<text>[^\n]+)', re.I)

# The lessons this scripted worker can recognise in a skill document (its system prompt) and
# the behaviour each switches on; the only place where a skill changes what it does. The
# phrases are lessons the offline retrospective writes (agents_judge.py).
LESSON_BEHAVIOURS = {
    "submit early drafts": "submit_early",  # submit once sent for review; resubmit corrected
    "advance the clock instead of re-reading": "wait_by_clock",  # no re-reading while idle
}


def _behaviours(messages: list[dict[str, Any]]) -> set[str]:
    system = " ".join(
        str(m.get("content") or "") for m in messages if m.get("role") == "system"
    ).lower()
    return {behaviour for phrase, behaviour in LESSON_BEHAVIOURS.items() if phrase in system}


@dataclass
class Step:
    name: str
    args: dict[str, Any]
    observation: str

    @property
    def failed(self) -> bool:
        return self.observation.startswith("Error:")


def _steps(messages: list[dict[str, Any]]) -> list[Step]:
    """The tool calls in the conversation, each with its result."""
    results = {
        m.get("tool_call_id"): m.get("content") or "" for m in messages if m.get("role") == "tool"
    }
    steps = []
    for m in messages:
        for call in m.get("tool_calls") or []:
            fn = call.get("function") or {}
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except ValueError:
                args = {}
            steps.append(
                Step(
                    fn.get("name", ""),
                    args if isinstance(args, dict) else {},
                    results.get(call.get("id"), ""),
                )
            )
    return steps


def _act(reason: str, tool: str, **arguments: Any) -> AgentAction:
    return AgentAction(content=reason, tool_name=tool, arguments=arguments)


class Worker:
    def __init__(self, req: OfflineRequest):
        self.ctx = req.context
        self.steps = _steps(req.messages)
        self.behaviours = _behaviours(req.messages)
        self.memory: dict[str, str] = dict(get(self.ctx, "memory", {}) or {})
        self.clock = get(self.ctx, "clock", {})
        self.mail = get(self.ctx, "mail", {})
        self.you = get(self.ctx, "you", {})
        self.objectives = list(get(self.ctx, "objectives", []))
        self.sent = [s.lower() for s in get(self.mail, "recently_sent_subjects", [])]

    # -- what has been done --------------------------------------------------------------------

    def did(self, name: str, **args: Any) -> Step | None:
        for step in reversed(self.steps):
            if step.name == name and all(step.args.get(k) == v for k, v in args.items()):
                return step
        return None

    def sent_subject(self, subject: str) -> bool:
        return subject.lower()[:300] in self.sent

    @property
    def today(self) -> dt.date:
        return dt.date.fromisoformat(self.clock.get("date", "2026-01-05"))

    # -- the day's frame ---------------------------------------------------------------------------

    def decide(self) -> AgentAction:
        last = self.steps[-3:]
        if len(last) == 3 and all(s.name == last[0].name and s.args == last[0].args for s in last):
            return _act(
                "I keep doing the same thing; let me step back for a bit.",
                "advance_clock",
                minutes=30,
            )
        workday = int(self.clock.get("workday", 1) or 1)
        if int(self.clock.get("minutes_left_today", 480)) < END_OF_DAY_MINUTES:
            if not self.memory.get("log", "").startswith(f"Day {workday}:"):
                return _act(
                    "Before I leave, a note on today.",
                    "update_memory",
                    key="log",
                    note=self.day_log(workday),
                )
            return _act("That's it for today.", "advance_clock", until="end_of_day")
        week = (workday - 1) // 5 + 1
        if not self.memory.get("weekly_plan", "").startswith(f"Week {week}:"):
            return _act(
                "New week: planning it first.",
                "update_memory",
                key="weekly_plan",
                note=self.week_plan(week),
            )
        if int(self.mail.get("unread", 0)) > 0:
            return _act("There is new mail.", "read_inbox")
        action = self.orientation() or self.next_deliverable_action() or self.idle()
        return action

    def day_log(self, workday: int) -> str:
        submitted = [
            d["key"]
            for o in self.objectives
            for d in o["deliverables"]
            if d["status"] == "submitted"
        ]
        drafted = [
            d["key"]
            for o in self.objectives
            for d in o["deliverables"]
            if d["draft_exists"] and d["status"] != "submitted"
        ]
        waiting = len(self.mail.get("awaiting_replies", []))
        return (
            f"Day {workday}: submitted {', '.join(submitted) or 'nothing yet'}; drafts in progress "
            f"{', '.join(drafted) or 'none'}; waiting on {waiting} repl{'y' if waiting == 1 else 'ies'}."
        )[:590]

    def week_plan(self, week: int) -> str:
        horizon = self.today + dt.timedelta(days=9)
        due = [
            f"{d['key']} {d['title']} (due {d['due']})"
            for o in self.objectives
            for d in o["deliverables"]
            if d["status"] != "submitted" and dt.date.fromisoformat(d["due"]) <= horizon
        ]
        later = [
            d["key"]
            for o in self.objectives
            for d in o["deliverables"]
            if d["status"] != "submitted" and dt.date.fromisoformat(d["due"]) > horizon
        ]
        text = f"Week {week}: finish {'; '.join(due) or 'reviews and polishing'}"
        if later:
            text += f". Prepare inputs for {', '.join(later)}"
        return (text + ".")[:590]

    # -- getting to know the computer --------------------------------------------------------------

    def orientation(self) -> AgentAction | None:
        if "orientation" in self.memory:
            return None
        home = self.did("list_dir", path=".")
        if home is None or home.failed:
            return _act("Let me see what is on my computer.", "list_dir", path=".")
        folders = [
            line.split("/")[0] for line in home.observation.splitlines()[1:] if "/  (" in line
        ]
        for folder in folders[:2]:
            if self.did("list_dir", path=folder) is None:
                return _act(f"Looking into {folder}.", "list_dir", path=folder)
        return _act(
            "I know my way around now.",
            "update_memory",
            key="orientation",
            note=f"Top folders: {', '.join(folders[:12]) or '(none)'}",
        )

    # -- the deliverables ----------------------------------------------------------------------------

    def next_deliverable_action(self) -> AgentAction | None:
        ordered = sorted(self.objectives, key=lambda o: o["target_date"])
        for objective in ordered:
            for deliverable in objective["deliverables"]:
                action = self.work_on(objective, deliverable)
                if action is not None:
                    return action
        return None

    def facts_for(self, objective: dict) -> list[tuple[str, str]]:
        note = self.memory.get(objective["key"], "")
        return [f for f in parse_facts(note.split("| ref:")[0])]

    def ref_facts_for(self, objective: dict) -> list[tuple[str, str]]:
        note = self.memory.get(objective["key"], "")
        return parse_facts("ref:" + note.split("ref:", 1)[1]) if "ref:" in note else []

    def work_on(self, objective: dict, deliverable: dict) -> AgentAction | None:
        key = objective["key"]
        note = self.memory.get(key, "")
        # 1. the inputs and their figures
        if "facts:" not in note:
            for path in objective.get("inputs", []):
                if self.did("read_file", path=path) is None:
                    return _act(f"Reading {path} for {objective['title']}.", "read_file", path=path)
            found: list[tuple[str, str]] = []
            for path in objective.get("inputs", []):
                step = self.did("read_file", path=path)
                for fact in figures_in(step.observation if step and not step.failed else ""):
                    if fact[0] not in {f[0] for f in found}:
                        found.append(fact)
            return _act(
                f"Noting the figures for {key}.",
                "update_memory",
                key=key,
                note=f"facts: {format_facts(found[:5])} | inputs read"[:590],
            )
        # 2. reference material from collaborators
        shared = get(self.mail, "shared_with_me", [])
        for ref in objective.get("references", []):
            owner = ref["owner"]
            from_owner = [s["path"] for s in shared if s.get("from") == owner]
            subject = f"Request: {ref['description']}"[:300]
            if not from_owner and not self.sent_subject(subject):
                return _act(
                    f"I need material from {first_name(owner)}.",
                    "send_message",
                    to=[owner],
                    subject=subject,
                    body=self.request_body(owner, ref, deliverable),
                )
            if from_owner and "ref:" not in note:
                path = from_owner[0]
                step = self.did("read_file", path=path)
                if step is None:
                    return _act(
                        f"{first_name(owner)} sent the material; reading it.",
                        "read_file",
                        path=path,
                    )
                facts = figures_in(step.observation if not step.failed else "", limit=4)
                return _act(
                    "Noting the reference figures.",
                    "update_memory",
                    key=key,
                    note=f"{note} | ref: {format_facts(facts)} | src: {path}"[:590],
                )
        # 3. the draft
        if not deliverable["draft_exists"]:
            return self.write(objective, deliverable)
        if deliverable["status"] == "submitted" and not self.newer_feedback(deliverable):
            return None
        # 4. review
        review = f"Review: {deliverable['title']}"[:300]
        if not self.sent_subject(review) and objective.get("reviewer"):
            return _act(
                f"Sending the draft of {deliverable['key']} for review.",
                "send_message",
                to=[objective["reviewer"]],
                subject=review,
                body=self.review_body(objective, deliverable),
                attachments=[deliverable["path"]],
            )
        # 5. corrections
        dkey = deliverable["key"]
        for feedback in deliverable.get("feedback", []):
            tag = f"applied {feedback['id']}"
            if tag in self.memory.get(dkey, ""):
                continue
            for edit in self.corrections(feedback.get("excerpt", ""), deliverable):
                if self.did("edit_file", **edit) is None:
                    return _act(
                        f"Applying {first_name(feedback['from'])}'s correction.",
                        "edit_file",
                        **edit,
                    )
            return _act(
                f"All of {first_name(feedback['from'])}'s corrections are in.",
                "update_memory",
                key=dkey,
                note=f"{self.memory.get(dkey, '')} {tag}".strip()[:590],
            )
        # 6. submit
        feedback_in = any(
            f"applied {f['id']}" in self.memory.get(dkey, "")
            for f in deliverable.get("feedback", [])
        )
        due = dt.date.fromisoformat(deliverable["due"])
        if deliverable["status"] != "submitted" and "submit_early" in self.behaviours:
            return _act(
                f"Submitting {dkey} early, as my skills advise; corrections will follow.",
                "submit_deliverable",
                deliverable=dkey,
                path=deliverable["path"],
                note="Early draft, submitted while under review.",
            )
        if deliverable["status"] != "submitted" and (feedback_in or self.today >= due):
            return _act(
                f"{dkey} is ready.",
                "submit_deliverable",
                deliverable=dkey,
                path=deliverable["path"],
                note="Reviewed and corrected." if feedback_in else "Submitted on the due date.",
            )
        if (
            deliverable["status"] == "submitted"
            and feedback_in
            and self.newer_feedback(deliverable)
        ):
            return _act(
                f"Resubmitting {dkey} with the corrections.",
                "submit_deliverable",
                deliverable=dkey,
                path=deliverable["path"],
                note="Corrections applied after review.",
            )
        return None  # waiting for the review: work on the next deliverable meanwhile

    def newer_feedback(self, deliverable: dict) -> bool:
        """Feedback that arrived after the deliverable was submitted (it needs resubmitting)."""
        submitted = deliverable.get("submitted_at")
        if not submitted:
            return False
        return any(
            f["received"].split(" ", 1)[-1] > submitted for f in deliverable.get("feedback", [])
        )

    def corrections(self, text: str, deliverable: dict) -> list[dict[str, Any]]:
        edits = []
        for match in _REPLACE.finditer(text):
            edits.append(
                {"path": deliverable["path"], "find": match["find"], "replace": match["replace"]}
            )
        for match in _ADD.finditer(text):
            heading, body = match["heading"].strip(), match["text"].strip()
            if deliverable["kind"] in ("xlsx", "csv"):
                append = f"{heading},{body.replace(',', ';')}"
            else:
                append = f"## {heading}\n{body}"
            edits.append({"path": deliverable["path"], "append": append})
        return edits

    def write(self, objective: dict, deliverable: dict) -> AgentAction:
        note = self.memory.get(objective["key"], "")
        source = note.split("src:", 1)[1].split("|")[0].strip() if "src:" in note else ""
        content = agents_content.build(
            deliverable["kind"],
            deliverable=deliverable,
            objective=objective,
            facts=self.facts_for(objective),
            references=self.ref_facts_for(objective),
            ref_source=source,
            you=self.you,
            today=self.clock.get("date", ""),
        )
        return _act(
            f"Drafting {deliverable['key']}: {deliverable['title']}.",
            "write_file",
            path=deliverable["path"],
            content=content,
        )

    def request_body(self, owner: str, ref: dict, deliverable: dict) -> str:
        return (
            f"Hi {first_name(owner)},\n\nI'm working on {deliverable['title']} (due {deliverable['due']}). "
            f"Could you share {ref['description']}? I want the figures to match yours.\n\n"
            f"Thanks,\n{first_name(self.you.get('full_name', ''))}"
        )

    def review_body(self, objective: dict, deliverable: dict) -> str:
        return (
            f"Hi {first_name(objective['reviewer'])},\n\nAttached is my draft of {deliverable['title']} "
            f"for {objective['title'].split(':')[0]}. Could you review it and tell me what to correct "
            f"before {deliverable['due']}?\n\nThanks,\n{first_name(self.you.get('full_name', ''))}"
        )

    # -- when nothing is pressing ------------------------------------------------------------------------

    def idle(self) -> AgentAction:
        pending = [
            d for o in self.objectives for d in o["deliverables"] if d["status"] != "submitted"
        ]
        workday = int(self.clock.get("workday", 1) or 1)
        workdays = int(self.clock.get("workdays", 20) or 20)
        booked = self.did("add_calendar_event", title="Month-end review")
        if not pending and "wrapup" not in self.memory and self.objectives and booked is None:
            start = dt.datetime.combine(self.today + dt.timedelta(days=1), dt.time(10, 0))
            reviewer = self.objectives[0].get("reviewer")
            return _act(
                "Booking a wrap-up with my reviewer.",
                "add_calendar_event",
                title="Month-end review",
                start=start.isoformat(timespec="minutes"),
                duration_minutes=45,
                attendees=[reviewer] if reviewer else [],
            )
        if not pending and "wrapup" not in self.memory:
            return _act(
                "Noting that everything is in.",
                "update_memory",
                key="wrapup",
                note="All deliverables submitted; wrap-up booked.",
            )
        if not pending and workday >= workdays:
            done = ", ".join(d["key"] for o in self.objectives for d in o["deliverables"])
            return _act(
                "The month's work is done.",
                "finish",
                summary=f"Submitted {done}. Reviewed and applied my collaborators' corrections.",
            )
        if get(self.mail, "awaiting_replies") and pending:
            return _act(
                "Waiting for replies before I can go on.", "advance_clock", until="next_message"
            )
        return self.review_files()

    def review_files(self) -> AgentAction:
        files = [d["path"] for o in self.objectives for d in o["deliverables"] if d["draft_exists"]]
        files += [p for o in self.objectives for p in o.get("inputs", [])]
        files += [s["path"] for s in get(self.mail, "shared_with_me", [])]
        if not files or "wait_by_clock" in self.behaviours:
            return _act("Nothing to do until replies arrive.", "advance_clock", minutes=60)
        now = self.clock.get("now", "")
        minute = sum(ord(c) for c in now) + int(self.clock.get("workday", 1) or 1) * 7
        path = files[minute % len(files)]
        choice = minute % 4
        if choice == 0:
            folder = path.rpartition("/")[0] or "."
            return _act("Checking the folder is tidy.", "list_dir", path=folder)
        if choice == 1:
            facts = self.facts_for(self.objectives[minute % len(self.objectives)])
            if facts:
                return _act(
                    "Cross-checking a figure across my files.",
                    "search_files",
                    query=facts[minute % len(facts)][0],
                )
        return _act(f"Re-reading {path} to check it.", "read_file", path=path)


def worker_policy(req: OfflineRequest) -> AgentAction:
    if not isinstance(req.context, dict) or "objectives" not in req.context:
        return AgentAction(content="looking", tool_name="list_dir", arguments={"path": "."})
    return Worker(req).decide()
