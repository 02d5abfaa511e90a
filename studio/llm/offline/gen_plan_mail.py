"""Mail threads and calendar exports in a file plan.

A thread alternates between the user and one collaborator (the one the pipeline picks by
hashing the thread's first key), often about a file of the same project, each reply after
the last; subjects and gists come from the language pack.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from studio.llm.offline import locales
from studio.llm.offline.gen_common import collaborators
from studio.llm.offline.gen_context import TextCtx
from studio.llm.offline.gen_planner import FolderInfo, Known, Planner

# -- mail and calendar -------------------------------------------------------------------------


def thread_partner(root_key: str, people: list[dict]) -> dict:
    """The collaborator the pipeline puts on a thread (it hashes the root key the same way)."""
    index = int(hashlib.sha256(root_key.encode()).hexdigest(), 16) % len(people)
    return people[index]


def plan_thread(plan: Planner, info: FolderInfo, size: int) -> None:
    rng, prof = plan.rng, plan.profile
    people = collaborators(prof) or [{"name": "A colleague", "role": "colleague"}]
    user = str(prof.get("full_name", "me"))
    project = info.project or (rng.choice(prof["projects"]) if prof.get("projects") else None)
    pname = str((project or {}).get("name", ""))
    refs = [k for k in plan.known if k.kind not in ("eml", "ics") and k.project == pname]
    ref = rng.choice(refs) if refs and rng.random() < 0.7 else None
    floor = ref.date if ref and ref.date else None
    first = plan.date_after(floor, late=bool(ref and ref.date is None))
    # leave room for the replies, but never start before the file the thread is about
    room = plan.end - dt.timedelta(days=size)
    if first > room and (floor is None or floor + dt.timedelta(hours=2) < room):
        first = room
    text = TextCtx(rng, plan.family, prof, project, [], first.date())
    subject = text.fill(rng.choice(locales.generic("mail_subjects")))
    if ref is not None:
        subject = f"{ref.title} – {locales.label('comments')}"
    prev: Known | None = None
    partner: dict = {}
    when = first
    for i in range(size):
        key = plan.new_key()
        partner = partner or thread_partner(key, people)
        sender, recipient = (partner["name"], user) if i % 2 == 0 else (user, partner["name"])
        gist = text.fill(rng.choice(locales.generic("mail_openers" if i == 0 else "mail_replies")))
        title = subject if i == 0 else f"Re: {subject}"
        deps = [(prev, "replies_to")] if prev else ([(ref, "references")] if ref else [])
        stem = f"{when:%Y%m%d-%H%M} " + title.replace(":", "_")
        path = plan.unique_path(info.path, stem, "eml")
        plan.files.append(
            {
                "key": key,
                "path": path,
                "kind": "eml",
                "title": title,
                "date": when.isoformat(timespec="minutes"),
                "project": pname,
                "purpose": f"From {sender} to {recipient}: {gist}.",
                "depends_on": [{"key": d.key, "relation": r} for d, r in deps],
                "owner": "user",
                "planted_error": "",
            }
        )
        prev = Known(key, "eml", title, pname, path, "email", when)
        plan.known.append(prev)
        gap = dt.timedelta(hours=rng.choice((1, 2, 3, 5, 20, 26, 48)), minutes=rng.randrange(60))
        # each reply strictly after the last, all inside the timeline
        when += min(gap, (plan.end - when) / (size - i + 1))


def thread_sizes(rng: random.Random, n: int) -> list[int]:
    sizes = []
    while n > 0:
        size = min(n, rng.randint(2, 5))
        if n - size == 1:
            size += 1  # no orphan single-message thread at the end
        sizes.append(size)
        n -= size
    return sizes


def plan_calendar(plan: Planner, info: FolderInfo, index: int) -> None:
    names = ("Work calendar", "Team calendar", "Project milestones", "Out of office")
    title = names[index % len(names)]
    owner = str(plan.profile.get("full_name", "the user"))
    plan.files.append(
        {
            "key": plan.new_key(),
            "path": plan.unique_path(info.path, title, "ics"),
            "kind": "ics",
            "title": title,
            "date": plan.end.replace(hour=17, minute=30).isoformat(timespec="minutes"),
            "project": "",
            "purpose": f"Export of {owner}'s {title.lower()}: 1:1s, team meetings and milestones.",
            "depends_on": [],
            "owner": "user",
            "planted_error": "",
        }
    )
