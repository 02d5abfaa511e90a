"""What the engine knows about a simulation at the start of a turn, read from the database.

Loaded fresh for every turn (a handful of indexed queries), so a slice never acts on stale
state and any worker can pick a simulation up where another left it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from django.db.models import Q

from simulations.engine import clock
from simulations.engine.sandbox import Workspace
from simulations.engine.tools import DeliverableRef, InboxItem, Person
from simulations.models import Deliverable, Message, Objective, Simulation, Turn
from studio.models import ComputerFile
from studio.paths import slugify_name

DEFAULT_MAIL_FOLDER = "Mail/Inbox"


@dataclass
class World:
    sim: Simulation
    objectives: list[Objective] = field(default_factory=list)
    deliverables: list[Deliverable] = field(default_factory=list)

    @classmethod
    def load(cls, simulation_id: int) -> World:
        sim = Simulation.objects.select_related("computer", "computer__persona").get(
            pk=simulation_id
        )
        objectives = list(Objective.objects.filter(simulation=sim).order_by("order"))
        deliverables = list(Deliverable.objects.filter(simulation=sim).order_by("key"))
        return cls(sim=sim, objectives=objectives, deliverables=deliverables)

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
        return list(
            ComputerFile.objects.filter(
                computer=self.sim.computer, scope=ComputerFile.Scope.COLLABORATOR, owner=owner
            )
            .only("path", "kind", "title", "summary", "facts", "owner")
            .order_by("path")
        )

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
        qs = Message.objects.filter(
            simulation=self.sim, direction=Message.Direction.INCOMING, delivered_at__isnull=False
        )
        if unread_only:
            qs = qs.filter(read_at__isnull=True)
        rows = list(qs.order_by("delivered_at", "id")[:limit])
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

    def unread_count(self) -> int:
        return Message.objects.filter(
            simulation=self.sim,
            direction=Message.Direction.INCOMING,
            delivered_at__isnull=False,
            read_at__isnull=True,
        ).count()

    def due_deliveries(self) -> list[Message]:
        return list(
            Message.objects.filter(
                simulation=self.sim,
                direction=Message.Direction.INCOMING,
                delivered_at__isnull=True,
                sent_at__lte=self.now,
            ).order_by("sent_at", "id")[:10]
        )

    def next_delivery_at(self) -> dt.datetime | None:
        row = (
            Message.objects.filter(
                simulation=self.sim, direction=Message.Direction.INCOMING, delivered_at__isnull=True
            )
            .order_by("sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        return row

    def pending_reply(self) -> tuple[Message, dict] | None:
        """An outgoing message one of its recipients has not answered yet, with that recipient."""
        for message in Message.objects.filter(
            simulation=self.sim, direction=Message.Direction.OUTGOING, answered=False
        ).order_by("id")[:5]:
            done = set(message.meta.get("answered_by", []))
            for recipient in message.recipients:
                if recipient["name"] not in done and self.collaborator(recipient["name"]):
                    return message, recipient
        return None

    def thread_with(self, name: str, limit: int = 4) -> list[Message]:
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
        return list(
            Turn.objects.filter(simulation=self.sim, seq__gt=self.sim.summary_upto_seq).order_by(
                "seq"
            )
        )

    def turns_since_summary(self) -> int:
        return self.sim.turn_count - self.sim.summary_upto_seq


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def attachment_name(path: str) -> str:
    return PurePosixPath(path).name
