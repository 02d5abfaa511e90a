"""The offline worker: a scripted, deterministic person working through the month.

It decides from what the request carries — the situation in <context> (objectives and their
state, its own notes, mail, clock) and the recent tool calls and results in the messages —
exactly what a model would see. Its day: read new mail, keep a weekly plan, then for each
deliverable in due order: read the objective's input files and note their figures, ask the
collaborators for reference material, read what they share, draft the deliverable with real
content, send it for review, apply the corrections, submit. While it waits, and once everything
is in, it does its routine work (agents_routine) and closes the day when that is done; on the
last workday it finishes. It closes each workday with a log note. Like a real person it
applies a correction to the file that was reviewed, which is how the failure mode 'workbook
left stale' can arise.

The request's seed (derived from the simulation's seed) drives every choice a person could
make either way: which folders to look into first, whether to ask for reference material
before reading the inputs, the order of objectives due close together, which input to read
next, the order of the day's routines. The choices that must hold for the whole run are
written into the orientation note, as a person would keep them in mind.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from studio.llm.offline import agents_content
from studio.llm.offline.agents_common import figures_in, first_name, format_facts, get, parse_facts
from studio.llm.offline.agents_conversation import Step, act, behaviours_of, steps_of
from studio.llm.offline.agents_routine import Routine
from studio.llm.offline.registry import AgentAction, OfflineRequest

END_OF_DAY_MINUTES = 20
_REPLACE = re.compile(r'replace\s+"(?P<find>[^"]+)"\s+with\s+"(?P<replace>[^"]+)"', re.I)
_ADD = re.compile(r'add a section\s+"(?P<heading>[^"]+)"\s*:\s*(?P<text>[^\n]+)', re.I)


class Worker:
    def __init__(self, req: OfflineRequest):
        self.ctx = req.context
        self.steps = steps_of(req.messages)
        self.behaviours = behaviours_of(req.messages)
        self.memory: dict[str, str] = dict(get(self.ctx, "memory", {}) or {})
        self.clock = get(self.ctx, "clock", {})
        self.mail = get(self.ctx, "mail", {})
        self.you = get(self.ctx, "you", {})
        self.objectives = list(get(self.ctx, "objectives", []))
        self.sent = [s.lower() for s in get(self.mail, "recently_sent_subjects", [])]
        self.rng = req.rng
        self.me = first_name(self.you.get("full_name", ""))

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
            return act(
                "I keep doing the same thing; let me step back for a bit.",
                "advance_clock",
                minutes=30,
            )
        workday = int(self.clock.get("workday", 1) or 1)
        if int(self.clock.get("minutes_left_today", 480)) < END_OF_DAY_MINUTES:
            return Routine(self).close_day(workday)
        week = (workday - 1) // 5 + 1
        if not self.memory.get("weekly_plan", "").startswith(f"Week {week}:"):
            return act(
                "New week: planning it first.",
                "update_memory",
                key="weekly_plan",
                note=self.week_plan(week),
            )
        if int(self.mail.get("unread", 0)) > 0:
            return act("There is new mail.", "read_inbox")
        action = self.orientation() or self.next_deliverable_action() or Routine(self).idle()
        return action

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
            return act("Let me see what is on my computer.", "list_dir", path=".")
        folders = [
            line.split("/")[0] for line in home.observation.splitlines()[1:] if "/  (" in line
        ]
        looked = [s.args.get("path") for s in self.steps if s.name == "list_dir"]
        if sum(1 for path in looked if path in folders) < min(2, len(folders)):
            unseen = [f for f in folders if f not in looked]
            folder = self.rng.choice(unseen)
            return act(f"Looking into {folder}.", "list_dir", path=folder)
        return act(
            "I know my way around now; this is how I will go about the month.",
            "update_memory",
            key="orientation",
            note=self.working_style(folders),
        )

    def working_style(self, folders: list[str]) -> str:
        """Seeded choices kept for the whole run: objective order and when to ask for material."""
        ordered = sorted(self.objectives, key=lambda o: o["target_date"])
        keys = [o["key"] for o in ordered]
        for i in range(len(keys) - 1):
            # objectives due within a week of each other may be taken in either order
            if self.rng.random() < 0.5 and self._days_apart(ordered[i], ordered[i + 1]) <= 7:
                keys[i], keys[i + 1] = keys[i + 1], keys[i]
        refs = "first" if self.rng.random() < 0.5 else "after inputs"
        return (
            f"order: {' '.join(keys)} | references: {refs} | "
            f"top folders: {', '.join(folders[:10]) or '(none)'}"
        )[:590]

    @staticmethod
    def _days_apart(a: dict, b: dict) -> int:
        return abs(
            (dt.date.fromisoformat(b["target_date"]) - dt.date.fromisoformat(a["target_date"])).days
        )

    def style(self, name: str) -> str:
        for part in self.memory.get("orientation", "").split("|"):
            key, _, value = part.partition(":")
            if key.strip() == name:
                return value.strip()
        return ""

    # -- the deliverables ----------------------------------------------------------------------------

    def next_deliverable_action(self) -> AgentAction | None:
        order = self.style("order").split()
        ordered = sorted(
            self.objectives,
            key=lambda o: (order.index(o["key"]) if o["key"] in order else 99, o["target_date"]),
        )
        for objective in ordered:
            for deliverable in objective["deliverables"]:
                action = self.work_on(objective, deliverable)
                if action is not None:
                    return action
        return None

    def note_part(self, objective: dict, marker: str) -> str:
        """One part of an objective's note ('facts: …', 'ref: …', 'src: …'), in any order."""
        for part in self.memory.get(objective["key"], "").split("|"):
            if part.strip().startswith(marker):
                return part.strip()
        return ""

    def facts_for(self, objective: dict) -> list[tuple[str, str]]:
        return parse_facts(self.note_part(objective, "facts:"))

    def ref_facts_for(self, objective: dict) -> list[tuple[str, str]]:
        return parse_facts(self.note_part(objective, "ref:"))

    def work_on(self, objective: dict, deliverable: dict) -> AgentAction | None:
        steps = [self.read_inputs, self.gather_references]
        if self.style("references") == "first":
            steps.reverse()
        for step in steps:
            action = step(objective, deliverable)
            if action is not None:
                return action
        return self.produce(objective, deliverable)

    def read_inputs(self, objective: dict, deliverable: dict) -> AgentAction | None:
        """1. the inputs and their figures"""
        key = objective["key"]
        note = self.memory.get(key, "")
        if "facts:" in note:
            return None
        unread = [p for p in objective.get("inputs", []) if self.did("read_file", path=p) is None]
        if unread:
            path = self.rng.choice(unread)
            return act(f"Reading {path} for {objective['title']}.", "read_file", path=path)
        found: list[tuple[str, str]] = []
        for path in objective.get("inputs", []):
            step = self.did("read_file", path=path)
            for fact in figures_in(step.observation if step and not step.failed else ""):
                if fact[0] not in {f[0] for f in found}:
                    found.append(fact)
        return act(
            f"Noting the figures for {key}.",
            "update_memory",
            key=key,
            note=f"{note} | facts: {format_facts(found[:5])} | inputs read".strip(" |")[:590],
        )

    def gather_references(self, objective: dict, deliverable: dict) -> AgentAction | None:
        """2. reference material from collaborators"""
        key = objective["key"]
        note = self.memory.get(key, "")
        shared = get(self.mail, "shared_with_me", [])
        for ref in objective.get("references", []):
            owner = ref["owner"]
            from_owner = [s["path"] for s in shared if s.get("from") == owner]
            subject = f"Request: {ref['description']}"[:300]
            if not from_owner and not self.sent_subject(subject):
                return act(
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
                    return act(
                        f"{first_name(owner)} sent the material; reading it.",
                        "read_file",
                        path=path,
                    )
                facts = figures_in(step.observation if not step.failed else "", limit=4)
                return act(
                    "Noting the reference figures.",
                    "update_memory",
                    key=key,
                    note=f"{note} | ref: {format_facts(facts)} | src: {path}".strip(" |")[:590],
                )
        return None

    def produce(self, objective: dict, deliverable: dict) -> AgentAction | None:
        # 3. the draft
        if not deliverable["draft_exists"]:
            return self.write(objective, deliverable)
        if deliverable["status"] == "submitted" and not self.newer_feedback(deliverable):
            return None
        # 4. review
        review = f"Review: {deliverable['title']}"[:300]
        if not self.sent_subject(review) and objective.get("reviewer"):
            return act(
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
                    return act(
                        f"Applying {first_name(feedback['from'])}'s correction.",
                        "edit_file",
                        **edit,
                    )
            return act(
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
            return act(
                f"Submitting {dkey} early, as my skills advise; corrections will follow.",
                "submit_deliverable",
                deliverable=dkey,
                path=deliverable["path"],
                note="Early draft, submitted while under review.",
            )
        if deliverable["status"] != "submitted" and (feedback_in or self.today >= due):
            return act(
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
            return act(
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
        source = self.note_part(objective, "src:").removeprefix("src:").strip()
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
        return act(
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


def worker_policy(req: OfflineRequest) -> AgentAction:
    if not isinstance(req.context, dict) or "objectives" not in req.context:
        return AgentAction(content="looking", tool_name="list_dir", arguments={"path": "."})
    return Worker(req).decide()
