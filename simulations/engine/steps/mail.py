"""The collaborators' side of the mail: a reply composed, and due mail (with the files it
shares) delivered into the workspace."""

from __future__ import annotations

import datetime as dt

from simulations.engine import agents, clock, mailbox
from simulations.engine.draft import MessageDraft, MessageUpdate, TurnDraft
from simulations.engine.sandbox import FileOp, SandboxError
from simulations.engine.steps.failures import add_usage, model_error
from simulations.engine.world import World
from simulations.models import Message, Turn


def compose_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    message, recipient = world.pending_reply()
    person = world.collaborator(recipient["name"])
    reply, usage, error = agents.collaborator_reply(
        world, message, person, seq=seq, attempt=attempt
    )
    if reply is None:
        return model_error(
            world,
            actor=Turn.Actor.COLLABORATOR,
            step="compose",
            error=error,
            usage=usage,
            actor_name=person["name"],
        )
    arrives = clock.within_office_hours(world.now + dt.timedelta(minutes=reply.reply_after_minutes))
    shares = [{"owner": person["name"], "path": path} for path in dict.fromkeys(reply.share_files)]
    answered_by = [*message.meta.get("answered_by", []), person["name"]]
    everyone = {r["name"] for r in message.recipients if world.collaborator(r["name"])}
    draft = TurnDraft(
        actor=Turn.Actor.COLLABORATOR,
        action="compose_reply",
        actor_name=person["name"],
        sim_time=world.now,
        arguments={"message": message.pk, "reply_after_minutes": reply.reply_after_minutes},
        reasoning=reply.body,
        observation=(
            f"{person['name']} answers {message.subject!r}; the reply arrives "
            f"{arrives:%a %d %b %H:%M}" + (f" with {len(shares)} shared file(s)" if shares else "")
        ),
        messages=[
            MessageDraft(
                direction=Message.Direction.INCOMING,
                sender=person["name"],
                sender_email=person.get("email", ""),
                recipients=[{"name": world.user.name, "email": world.user.email}],
                subject=mailbox.reply_subject(message.subject),
                body=reply.body,
                sent_at=arrives,
                deliverable_key=message.deliverable_key,
                in_reply_to_id=message.pk,
                meta={
                    "corrections": [c.model_dump() for c in reply.corrections],
                    "shares": shares,
                    **mailbox.mail_headers_new(
                        simulation_id=world.sim.pk, parent=mailbox.mail_parent_of(message)
                    ),
                },
            )
        ],
        message_updates=[
            MessageUpdate(
                message.pk,
                {
                    "meta": {**message.meta, "answered_by": answered_by},
                    "answered": everyone <= set(answered_by),
                },
            )
        ],
        simulation={"model_errors": 0},
    )
    add_usage(draft, usage)
    return draft


def _mail_file(world: World, message: Message, taken: set[str]) -> FileOp:
    mail = mailbox.Mail(
        subject=message.subject,
        body=message.body,
        sender=(message.sender, message.sender_email),
        to=[(r["name"], r.get("email", "")) for r in message.recipients],
        date=message.sent_at,
        meta={
            "message_id": mailbox.message_id_of(message),
            "references": message.meta.get("references", []),
        },
    )
    return mailbox.mail_stage(world.workspace, mail=mail, folder=world.mail_folder, taken=taken)


def deliver_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    due = world.due_deliveries()
    ops: list[FileOp] = []
    updates: list[MessageUpdate] = []
    lines: list[str] = []
    taken: set[str] = set()
    for message in due:
        arrived = []
        for share in message.meta.get("shares", []):
            try:
                source = world.private_file_path(share["owner"], share["path"])
                name = source.name
                dest = f"{world.shared_folder(share['owner'])}/{name}"
                while dest.lower() in taken:
                    dest = f"{world.shared_folder(share['owner'])}/{len(taken)} {name}"
                op = world.workspace.stage_share(source, dest)
            except (OSError, SandboxError, ValueError) as exc:
                lines.append(f"(a file {message.sender} meant to share could not be copied: {exc})")
                continue
            op.source_path = f"{share['owner']}:{share['path']}"
            taken.add(op.path.lower())
            ops.append(op)
            arrived.append(op.path)
        mail = _mail_file(world, message, taken)
        ops.append(mail)
        updates.append(
            MessageUpdate(
                message.pk,
                {
                    "delivered_at": message.sent_at,
                    "delivered_seq": seq,
                    "attachments": arrived,
                    "meta": {**message.meta, "mail_file": mail.path},
                },
            )
        )
        lines.append(
            f"New mail from {message.sender}: {message.subject!r}"
            + (f" — shared: {', '.join(arrived)}" if arrived else "")
        )
    senders = ", ".join(dict.fromkeys(m.sender for m in due))
    return TurnDraft(
        actor=Turn.Actor.COLLABORATOR,
        action="deliver_mail",
        actor_name=senders[:200],
        sim_time=world.now,
        observation="\n".join(lines),
        arguments={"messages": [m.pk for m in due]},
        file_ops=ops,
        message_updates=updates,
    )
