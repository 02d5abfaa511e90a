"""What the engine knows about a simulation, read from the database.

``World.load`` reads the simulation row and its objectives; ``refresh`` reads the row again
before every turn, so the next step follows from what is committed (including what another
process changed: pause, resume, cancel, the lease). History, mail and objectives are bounded
reads, made when a turn first needs them and read again only after a turn that could have
changed them (what the committed turn did says which): only a turn of this slice, under its
lease, writes them. Any worker can rebuild the same world from the database and carry on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from django.db.models import Count, Min, Q

from simulations.engine import clock
from simulations.engine.draft import TurnDraft
from simulations.engine.sandbox import Workspace
from simulations.engine.tools.context import DeliverableRef, InboxItem, Person
from simulations.models import Deliverable, FileChange, Message, Objective, Simulation, Turn
from studio.models import ComputerFile
from studio.paths import slugify_name

DEFAULT_MAIL_FOLDER = "Mail/Inbox"

MAIL_WINDOW = 200  # incoming messages in view (the newest)
SENT_WINDOW = 25
SHARES_WINDOW = 10
UNANSWERED_SEEN = 5  # the oldest outgoing messages still unanswered that the engine looks at


@dataclass
class Mail:
    """The mail as the last refresh left it: each part one bounded query, read when first
    needed and kept until a turn sends, delivers, answers or reads mail."""

    sim: Simulation
    parts: dict[str, Any] = field(default_factory=dict)

    def _part(self, name: str) -> list:
        if name not in self.parts:
            base = Message.objects.filter(simulation=self.sim)
            if name == "incoming":
                newest = base.filter(direction=Message.Direction.INCOMING).order_by("-id")
                rows = list(newest[:MAIL_WINDOW])[::-1]
            elif name == "outgoing":
                outgoing = base.filter(direction=Message.Direction.OUTGOING)
                rows = list(outgoing.order_by("-id")[:SENT_WINDOW])
            else:
                rows = list(
                    FileChange.objects.filter(simulation=self.sim, op=FileChange.Op.SHARE)
                    .order_by("-seq", "-index")
                    .values_list("path", "source_path")[:SHARES_WINDOW]
                )
            self.parts[name] = rows
        return self.parts[name]

    @property
    def incoming(self) -> list[Message]:  # newest MAIL_WINDOW, oldest first
        return self._part("incoming")

    @property
    def outgoing(self) -> list[Message]:  # newest SENT_WINDOW, newest first
        return self._part("outgoing")

    @property
    def shares(self) -> list[tuple[str, str]]:  # (path, "owner:private path"), newest first
        return self._part("shares")

    def figures(self) -> dict[str, Any]:
        """The unread count and the first undelivered message's send time, from one query."""
        if "figures" not in self.parts:
            self.parts["figures"] = _incoming(self.sim).aggregate(
                unread=Count("id", filter=Q(delivered_at__isnull=False, read_at__isnull=True)),
                next_delivery=Min("sent_at", filter=Q(delivered_at__isnull=True)),
            )
        return self.parts["figures"]

    def forget(self, draft: TurnDraft) -> None:
        """Drop the parts a committed turn's mail could have changed: new incoming mail or a
        delivery, the incoming side; mail sent or answered, the outgoing side; a message
        read, the unread count; a file shared, the shares. An update of any other kind
        drops everything."""
        drop = set()
        for message in draft.messages:
            drop |= _INCOMING if message.direction == Message.Direction.INCOMING else _OUTGOING
        for update in draft.message_updates:
            if set(update.fields) == {"read_at"}:
                drop.add("figures")
            elif "answered" in update.fields:
                drop |= _OUTGOING
            else:
                drop |= _INCOMING | _OUTGOING | {"shares"}
        if any(op.op == FileChange.Op.SHARE for op in draft.file_ops):
            drop.add("shares")
        for name in drop:
            self.parts.pop(name, None)


_INCOMING = {"incoming", "figures"}
_OUTGOING = {"outgoing", "pending_reply"}


@dataclass
class World:
    sim: Simulation
    objectives: list[Objective] = field(default_factory=list)
    deliverables: list[Deliverable] = field(default_factory=list)
    _history: list[Turn] | None = None
    _mail: Mail | None = None
    _private_files: dict[str, list[ComputerFile]] = field(default_factory=dict)

    @classmethod
    def load(cls, simulation_id: int) -> World:
        sim = Simulation.objects.select_related("computer", "computer__persona").get(
            pk=simulation_id
        )
        world = cls(sim=sim)
        world.load_objectives()
        return world

    def load_objectives(self) -> None:
        self.objectives = list(Objective.objects.filter(simulation=self.sim).order_by("order"))
        self.deliverables = list(Deliverable.objects.filter(simulation=self.sim).order_by("key"))

    def refresh(self, turn: Turn | None = None, draft: TurnDraft | None = None) -> None:
        """Before every turn: the simulation row as committed (state and lease may have been
        changed by someone else, the rest by the last turn). Given the turn this slice just
        committed (and its draft), what that turn cannot have changed is kept: objectives
        unless it submitted, planned or judged; mail unless it touched messages; the history
        gets the committed turn appended unless it condensed. Without them, everything is
        read again. The computer does not change while it is simulated (runs work on
        copies), so it is kept."""
        computer = self.sim.computer
        self.sim = Simulation.objects.get(pk=self.sim.pk)
        self.sim.computer = computer
        if draft is None:
            self.load_objectives()
            self._history = self._mail = None
            return
        if draft.submission or draft.objective_plan is not None or draft.judged is not None:
            self.load_objectives()
        if self._mail is not None:
            self._mail.forget(draft)
        if "summary_upto_seq" in draft.simulation or self._history is None:
            self._history = None
        else:
            self._history.append(turn)

    # -- who is who -----------------------------------------------------------------------

    @cached_property
    def profile(self) -> dict:
        return self.sim.computer.profile or {}

    @cached_property
    def user(self) -> Person:
        p = self.profile
        return Person(
            name=p.get("full_name") or self.sim.computer.display_name or "The user",
            email=p.get("email") or "user@example.com",
            role=p.get("job_title", ""),
        )

    @cached_property
    def collaborator_profiles(self) -> list[dict]:
        return list(self.profile.get("collaborators") or [])

    @cached_property
    def collaborators(self) -> list[Person]:
        return [
            Person(name=c["name"], email=c.get("email", ""), role=c.get("role", ""))
            for c in self.collaborator_profiles
        ]

    def collaborator(self, name: str) -> dict | None:
        return next((c for c in self.collaborator_profiles if c["name"] == name), None)

    def private_files(self, owner: str) -> list[ComputerFile]:
        """A collaborator's private files (read once per slice: a computer's files do not
        change while it is simulated; runs work on copies)."""
        if owner not in self._private_files:
            self._private_files[owner] = list(
                ComputerFile.objects.filter(
                    computer=self.sim.computer, scope=ComputerFile.Scope.COLLABORATOR, owner=owner
                )
                .only("path", "kind", "title", "summary", "facts", "owner")
                .order_by("path")
            )
        return list(self._private_files[owner])

    def private_file_path(self, owner: str, relative: str) -> Path:
        from studio.paths import resolve_inside

        return resolve_inside(self.sim.computer.private_root / slugify_name(owner), relative)

    # -- the workspace ----------------------------------------------------------------------

    @cached_property
    def workspace(self) -> Workspace:
        return Workspace(self.sim.workspace_root)

    @cached_property
    def mail_folder(self) -> str:
        """Where incoming mail lands: the folder that already holds most of the user's mail."""
        folders = Counter(
            ComputerFile.objects.filter(
                computer=self.sim.computer, scope=ComputerFile.Scope.HOME, kind="eml"
            ).values_list("folder", flat=True)
        )
        return folders.most_common(1)[0][0] if folders else DEFAULT_MAIL_FOLDER

    def shared_folder(self, owner: str) -> str:
        return f"Shared with me/{owner}"

    # -- objectives ---------------------------------------------------------------------------

    def deliverable_refs(self) -> dict[str, DeliverableRef]:
        return {
            d.key: DeliverableRef(
                key=d.key, title=d.title, kind=d.kind, path=d.path, status=d.status
            )
            for d in self.deliverables
        }

    def objective_of(self, deliverable: Deliverable) -> Objective:
        return next(o for o in self.objectives if o.pk == deliverable.objective_id)

    # -- the clock ------------------------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        return self.sim.sim_now

    @property
    def month_end(self) -> dt.datetime:
        return clock.month_end(self.sim.sim_started_at, self.sim.options.workdays)

    def current_workday(self) -> int:
        return clock.workday_index(self.sim.sim_started_at, self.sim.sim_now)

    # -- mail -------------------------------------------------------------------------------------

    def inbox(self, unread_only: bool, limit: int) -> list[InboxItem]:
        rows = _incoming(self.sim).filter(delivered_at__isnull=False)
        if unread_only:
            rows = rows.filter(read_at__isnull=True)
        return [
            InboxItem(
                id=m.pk,
                sender=m.sender,
                sender_email=m.sender_email,
                subject=m.subject,
                body=m.body,
                received=m.delivered_at,
                attachments=list(m.attachments),
                read=m.read_at is not None,
            )
            for m in rows.order_by("delivered_at", "id")[:limit]
        ]

    @property
    def mail(self) -> Mail:
        if self._mail is None:
            self._mail = Mail(self.sim)
        return self._mail

    def unread_count(self) -> int:
        return self.mail.figures()["unread"]

    def due_deliveries(self) -> list[Message]:
        first = self.next_delivery_at()
        if first is None or first > self.now:  # nothing due: no need to ask for the list
            return []
        due = _incoming(self.sim).filter(delivered_at__isnull=True, sent_at__lte=self.now)
        return list(due.order_by("sent_at", "id")[:10])

    def next_delivery_at(self) -> dt.datetime | None:
        return self.mail.figures()["next_delivery"]

    def pending_reply(self) -> tuple[Message, dict] | None:
        """An outgoing message one of its recipients has not answered yet, with that recipient."""
        parts = self.mail.parts
        if "pending_reply" not in parts:
            parts["pending_reply"] = self._find_pending_reply()
        return parts["pending_reply"]

    def _find_pending_reply(self) -> tuple[Message, dict] | None:
        waiting = Message.objects.filter(
            simulation=self.sim, direction=Message.Direction.OUTGOING, answered=False
        ).order_by("id")[:UNANSWERED_SEEN]
        for message in waiting:
            done = set(message.meta.get("answered_by", []))
            for recipient in message.recipients:
                if recipient["name"] not in done and self.collaborator(recipient["name"]):
                    return message, recipient
        return None

    def thread_with(self, name: str, limit: int = 4) -> list[Message]:
        """The newest ``limit`` messages from or to ``name``, oldest first."""
        rows = Message.objects.filter(
            Q(sender=name) | Q(recipients__contains=[{"name": name}])
            if _json_contains_supported()
            else Q(sender=name) | Q(recipients__icontains=name),
            simulation=self.sim,
        ).order_by("-id")[:limit]
        return list(reversed(list(rows)))

    # -- history --------------------------------------------------------------------------------

    def history(self) -> list[Turn]:
        """Turns the agent still sees verbatim: everything after the condensed summary."""
        if self._history is None:
            self._history = list(
                Turn.objects.filter(
                    simulation=self.sim, seq__gt=self.sim.summary_upto_seq
                ).order_by("seq")
            )
        return list(self._history)

    def turns_since_summary(self) -> int:
        return self.sim.turn_count - self.sim.summary_upto_seq


def _incoming(sim: Simulation):
    return Message.objects.filter(simulation=sim, direction=Message.Direction.INCOMING)


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def attachment_name(path: str) -> str:
    return PurePosixPath(path).name
