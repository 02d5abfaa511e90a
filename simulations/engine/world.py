"""What the engine knows about a simulation, read from the database.

A slice loads the world once and then keeps it current itself: after each turn it commits,
``committed`` applies that turn's effects to the cached simulation row, history and mail, and
reloads only what the turn may have changed (objectives after a submission, the part of the
mail a message or share touched). Between turns ``refresh_control`` re-reads the only fields
someone else may change (state and lease), so pause, resume and cancel still take effect at
the next turn. Any worker can rebuild the same world from the database and carry on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from django.db import connection
from django.db.models import Q

from simulations.engine import clock
from simulations.engine.sandbox import Workspace
from simulations.engine.tools import DeliverableRef, InboxItem, Person
from simulations.models import Deliverable, FileChange, Message, Objective, Simulation, Turn
from studio.models import ComputerFile
from studio.paths import slugify_name

DEFAULT_MAIL_FOLDER = "Mail/Inbox"


_CONTROL_SQL = (
    f"SELECT state, lease_owner, phase, turn_count FROM {Simulation._meta.db_table} WHERE id = %s"
)

MAIL_WINDOW = 200  # incoming messages kept in view (the newest)
SENT_WINDOW = 25
SHARES_WINDOW = 10
UNANSWERED_SEEN = 5  # the oldest outgoing messages still unanswered that the engine looks at
UNANSWERED_WINDOW = 50  # how many of them are kept, so that answers rarely need a re-read


@dataclass
class Mail:
    """The mail the engine and the worker's situation need. Each part is one query, read
    when first needed; then a turn's changes are applied in place."""

    sim: Simulation
    parts: dict[str, list] = field(default_factory=dict)

    def _part(self, name: str) -> list:
        if name not in self.parts:
            base = Message.objects.filter(simulation=self.sim)
            outgoing = base.filter(direction=Message.Direction.OUTGOING)
            if name == "incoming":
                newest = base.filter(direction=Message.Direction.INCOMING).order_by("-id")
                rows = list(newest[:MAIL_WINDOW])[::-1]
            elif name == "outgoing":
                rows = list(outgoing.order_by("-id")[:SENT_WINDOW])
            elif name == "unanswered":
                rows = list(outgoing.filter(answered=False).order_by("id")[:UNANSWERED_WINDOW])
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
    def unanswered(self) -> list[Message]:  # the oldest outgoing messages still unanswered
        return self._part("unanswered")[:UNANSWERED_SEEN]

    @property
    def shares(self) -> list[tuple[str, str]]:  # (path, "owner:private path"), newest first
        return self._part("shares")

    def changed(self, added: list[Message], updates: list, shares: list[tuple[str, str]]) -> None:
        """Bring the loaded parts up to date with a committed turn: the messages it added
        (rows with their ids: only this run's turns add its messages, in id order) join the
        parts they belong to; its updates (read, delivered, answered) are applied to the
        messages in view, and an answered message leaves the unanswered ones. A part that
        cannot be kept exactly in place (a message without its id, an answer when more were
        unanswered than kept) is read again when next needed."""
        stale = set()
        parts = self.parts
        for message in added:
            incoming = message.direction == Message.Direction.INCOMING
            if message.pk is None:
                stale |= {"incoming"} if incoming else {"outgoing", "unanswered"}
            elif incoming:
                if "incoming" in parts:
                    parts["incoming"] = [*parts["incoming"], message][-MAIL_WINDOW:]
            else:
                if "outgoing" in parts:
                    parts["outgoing"] = [message, *parts["outgoing"]][:SENT_WINDOW]
                # (a full part holds the oldest ones: a new message is past its end)
                waiting = parts.get("unanswered")
                if waiting is not None and len(waiting) < UNANSWERED_WINDOW:
                    waiting.append(message)
        for update in updates:
            for part in ("incoming", "outgoing", "unanswered"):
                for message in parts.get(part, ()):
                    if message.pk == update.id:
                        for name, value in update.fields.items():
                            setattr(message, name, value)
            if "answered" in update.fields:
                waiting = parts.get("unanswered")
                if waiting is not None:
                    if update.fields["answered"] and len(waiting) < UNANSWERED_WINDOW:
                        parts["unanswered"] = [m for m in waiting if m.pk != update.id]
                    else:  # one beyond the window may move up, or one rejoins
                        stale.add("unanswered")
        if shares and "shares" in parts:  # (path, source) of the turn's shares, in order
            parts["shares"] = [*reversed(shares), *parts["shares"]][:SHARES_WINDOW]
        for name in stale:
            parts.pop(name, None)


@dataclass
class World:
    sim: Simulation
    objectives: list[Objective] = field(default_factory=list)
    deliverables: list[Deliverable] = field(default_factory=list)
    _history: list[Turn] | None = None
    _mail: Mail | None = None
    _control: tuple | None = None  # (state, lease_owner, phase, turn_count) read by a commit
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

    def refresh_control(self) -> None:
        """Re-read what another process may change between turns: state and lease.

        It runs before every turn. After a one-statement commit (PostgreSQL) the commit has
        read them back already; else it is one hand-written SELECT by primary key: the ORM
        spent ten times as long building this query as the database spent answering it."""
        row, self._control = self._control, None
        if row is None:
            with connection.cursor() as cursor:
                cursor.execute(_CONTROL_SQL, [self.sim.pk])
                row = cursor.fetchone()
        if row is None:
            raise Simulation.DoesNotExist(self.sim.pk)
        self.sim.state, self.sim.lease_owner, phase, turn_count = row
        if (phase, turn_count) != (self.sim.phase, self.sim.turn_count):
            fresh = World.load(self.sim.pk)  # someone else committed turns: start over from the DB
            self.sim, self.objectives, self.deliverables = (
                fresh.sim,
                fresh.objectives,
                fresh.deliverables,
            )
            self._history = self._mail = None

    def committed(self, turn: Turn, draft) -> None:
        """Apply a committed turn's effects to the cached state (mirrors services.turns)."""
        # The control fields as the commit left them, when it read them back (the next
        # refresh_control then needs no query).
        self._control = getattr(turn, "control", None)
        sim = self.sim
        sim.turn_count = turn.seq
        sim.prompt_tokens += draft.prompt_tokens
        sim.completion_tokens += draft.completion_tokens
        sim.cost_usd += draft.cost_usd
        sim.attempts = 1
        for name, value in draft.simulation.items():
            if name != "state" or sim.state in Simulation.ACTIVE_STATES:
                setattr(sim, name, value)
        if draft.objective_plan is not None or draft.submission is not None or draft.judged:
            self.load_objectives()
        if self._mail is not None:
            self._mail.changed(
                turn.new_messages,
                draft.message_updates,
                [(op.path, op.source_path) for op in draft.file_ops if op.op == "share"],
            )
        if self._history is not None:
            self._history.append(turn)
            if "summary_upto_seq" in draft.simulation:
                self._history = [t for t in self._history if t.seq > sim.summary_upto_seq]

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
        if len(self.mail.incoming) < MAIL_WINDOW:  # every incoming message is in view
            rows = sorted(
                (
                    m
                    for m in self.mail.incoming
                    if m.delivered_at is not None and not (unread_only and m.read_at)
                ),
                key=lambda m: (m.delivered_at, m.pk),
            )[:limit]
        else:
            rows = self.inbox_rows_from_db(unread_only, limit)
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
            for m in rows
        ]

    @property
    def mail(self) -> Mail:
        if self._mail is None:
            self._mail = Mail(self.sim)
        return self._mail

    def unread_count(self) -> int:
        return sum(1 for m in self.mail.incoming if m.delivered_at and m.read_at is None)

    def due_deliveries(self) -> list[Message]:
        due = [m for m in self.mail.incoming if m.delivered_at is None and m.sent_at <= self.now]
        return sorted(due, key=lambda m: (m.sent_at, m.pk))[:10]

    def next_delivery_at(self) -> dt.datetime | None:
        pending = [m.sent_at for m in self.mail.incoming if m.delivered_at is None]
        return min(pending, default=None)

    def pending_reply(self) -> tuple[Message, dict] | None:
        """An outgoing message one of its recipients has not answered yet, with that recipient."""
        for message in self.mail.unanswered:
            done = set(message.meta.get("answered_by", []))
            for recipient in message.recipients:
                if recipient["name"] not in done and self.collaborator(recipient["name"]):
                    return message, recipient
        return None

    def inbox_rows_from_db(self, unread_only: bool, limit: int) -> list[Message]:
        qs = Message.objects.filter(
            simulation=self.sim, direction=Message.Direction.INCOMING, delivered_at__isnull=False
        )
        if unread_only:
            qs = qs.filter(read_at__isnull=True)
        return list(qs.order_by("delivered_at", "id")[:limit])

    def thread_with(self, name: str, limit: int = 4) -> list[Message]:
        """The newest ``limit`` messages from or to ``name``, oldest first: from the mail in
        view when it surely holds them (everything older than what is kept is older than
        what it found), else from the database."""
        mail = self.mail
        found = sorted(
            (m for part in (mail.incoming, mail.outgoing) for m in part if _involves(m, name)),
            key=lambda m: m.pk,
        )[-limit:]
        horizon = max(
            mail.incoming[0].pk if len(mail.incoming) >= MAIL_WINDOW else 0,
            mail.outgoing[-1].pk if len(mail.outgoing) >= SENT_WINDOW else 0,
        )
        if horizon == 0 or (len(found) == limit and found[0].pk > horizon):
            return found
        return self.thread_from_db(name, limit)

    def thread_from_db(self, name: str, limit: int) -> list[Message]:
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


def _involves(message: Message, name: str) -> bool:
    return message.sender == name or any(
        isinstance(r, dict) and r.get("name") == name for r in message.recipients
    )


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def attachment_name(path: str) -> str:
    return PurePosixPath(path).name
