"""Stages 4 and 5 for one file: ask the model for its content, then write it to disk.

Runs on a worker thread once the files it depends on are written: it reads their summaries
and facts, and touches no database (its model calls are recorded through the CallLog).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from studio.artifacts.writers import write_artifact
from studio.generation import schemas as s
from studio.generation.model_calls import CallLog, ask
from studio.generation.planning import PlanItem, aware
from studio.generation.text import content_text
from studio.models import Computer
from studio.paths import resolve_inside, slugify_name


@dataclass
class Written:
    item: PlanItem
    size: int
    sha256: str
    summary: str
    facts: dict[str, str]
    text: str


def _thread_root(item: PlanItem, by_key: dict[str, PlanItem]) -> PlanItem:
    seen = set()
    while item.key not in seen:
        seen.add(item.key)
        parent = next((d.key for d in item.file.depends_on if d.relation == "replies_to"), None)
        if parent is None or parent not in by_key:
            return item
        item = by_key[parent]
    return item


def _envelope(item: PlanItem, profile: s.Profile, by_key, computer: Computer) -> s.EmailEnvelope:
    me = s.Person(name=profile.full_name, email=profile.email)
    root = _thread_root(item, by_key)
    other_index = int(hashlib.sha256(root.key.encode()).hexdigest(), 16) % len(
        profile.collaborators
    )
    other_c = profile.collaborators[other_index]
    other = s.Person(name=other_c.name, email=other_c.email)
    depth, node = 0, item
    chain: list[str] = []
    while node.key != root.key:
        parent = next(d.key for d in node.file.depends_on if d.relation == "replies_to")
        node = by_key[parent]
        chain.insert(0, _message_id(node, computer, profile))
        depth += 1
    sender, recipient = (other, me) if depth % 2 == 0 else (me, other)
    return s.EmailEnvelope(
        message_id=_message_id(item, computer, profile),
        sender=sender,
        to=[recipient],
        date=aware(item.file.date),
        in_reply_to=chain[-1] if chain else "",
        references=chain,
    )


def _message_id(item: PlanItem, computer: Computer, profile: s.Profile) -> str:
    domain = profile.email.rpartition("@")[2] or "example.com"
    return f"<{item.key}.{computer.pk}@{domain}>"


def disk_path(computer: Computer, item: PlanItem) -> Path:
    base = computer.home if not item.owner else computer.private_root / slugify_name(item.owner)
    return resolve_inside(base, item.file.path)


def write_one(
    computer: Computer,
    item: PlanItem,
    *,
    profile: s.Profile,
    by_key: dict[str, PlanItem],
    written: dict[str, Written],
    log: CallLog,
) -> Written:
    f = item.file
    schema = s.CONTENT_BY_KIND[f.kind]
    deps = [
        {
            "key": d.key,
            "relation": d.relation,
            "path": by_key[d.key].file.path,
            "kind": by_key[d.key].file.kind,
            "title": by_key[d.key].file.title,
            "summary": written[d.key].summary,
            "facts": written[d.key].facts,
        }
        for d in f.depends_on
        if d.key in written
    ]
    context = {
        "profile": profile.model_dump(mode="json"),
        "file": f.model_dump(mode="json"),
        "dependencies": deps,
    }
    envelope = None
    if f.kind == "eml":
        envelope = _envelope(item, profile, by_key, computer)
        context["envelope"] = envelope.model_dump(mode="json")
        context["thread"] = [
            {"subject": written[d["key"]].facts.get("subject", d["title"]), "summary": d["summary"]}
            for d in deps
            if d["relation"] == "replies_to"
        ]
    content = ask(
        computer,
        role="artifact",
        schema=schema,
        prompt_name="artifact",
        key=f.key,
        context=context,
        log=log,
    )
    if isinstance(content, s.EmailContent):
        content.facts.setdefault("subject", content.subject)
    path = disk_path(computer, item)
    author = item.owner or profile.full_name
    size = write_artifact(
        path, f.kind, content, envelope=envelope, author=author, mtime=aware(f.date)
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Written(
        item=item,
        size=size,
        sha256=digest,
        summary=content.summary,
        facts=dict(content.facts),
        text=content_text(content),
    )
