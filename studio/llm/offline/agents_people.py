"""Offline collaborators: each answers in their own style, shares their private reference
files when asked, and reviews drafts with concrete corrections from their role."""

from __future__ import annotations

from typing import Any

from studio.llm.offline.agents_common import figures_in, first_name, get, like, number_of, words
from studio.llm.offline.registry import OfflineRequest, structured

ASKING = ("could you", "can you", "please share", "share", "send me", "request", "need")
SECTION_BY_ROLE = (
    (("financ", "account", "budget", "controller", "cfo"), "Budget risks"),
    (("legal", "complian", "counsel", "regulat", "audit"), "Compliance notes"),
    (("director", "head", "manager", "lead", "vp", "chief"), "Decisions needed"),
    (("engineer", "develop", "architect", "technical", "it "), "Technical dependencies"),
)


def _style(person: dict) -> str:
    style = str(person.get("communication_style", "")).lower()
    if any(w in style for w in ("terse", "brief", "direct", "concise", "blunt", "short")):
        return "terse"
    if any(w in style for w in ("formal", "precise", "thorough", "detail", "polite", "meticulous")):
        return "formal"
    return "friendly"


def _frame(style: str, person: dict, user: dict, lines: list[str]) -> str:
    me, them = person.get("name", "A colleague"), first_name(user.get("name", ""))
    if style == "terse":
        return "\n".join([f"{them} —", *lines, f"– {first_name(me)}"])
    if style == "formal":
        return "\n\n".join(
            [f"Dear {them},", "\n".join(lines), f"Kind regards,\n{me}\n{person.get('role', '')}"]
        )
    return "\n\n".join([f"Hi {them},", "\n".join(lines), f"Thanks,\n{first_name(me)}"])


def _section(person: dict) -> str:
    role = f" {person.get('role', '')} ".lower()
    for keys, heading in SECTION_BY_ROLE:
        if any(k in role for k in keys):
            return heading
    return "Risks and dependencies"


def _delay(style: str, req: OfflineRequest) -> int:
    low, high = {"terse": (20, 90), "formal": (120, 420), "friendly": (40, 240)}[style]
    return req.rng.randint(low, high)


def _best_files(message: dict, private: list[dict]) -> list[str]:
    asked = words(f"{message.get('subject', '')} {message.get('body', '')}")
    ranked = sorted(
        private,
        key=lambda f: (
            -len(asked & words(f"{f['title']} {f['path']} {f.get('summary', '')}")),
            f["path"],
        ),
    )
    return [ranked[0]["path"]] if ranked else []


def _already_reviewed(thread: list[dict], me: str, subject: str) -> bool:
    """Whether I answered this review before (then a new version gets my approval)."""
    core = subject.lower().removeprefix("re:").strip()
    return bool(core) and any(
        t.get("from") == me and core in t.get("subject", "").lower() for t in thread
    )


@structured("CollaboratorReply")
def collaborator_reply(req: OfflineRequest) -> dict[str, Any]:
    ctx = req.context
    person, user = get(ctx, "collaborator", {}), get(ctx, "user", {})
    message = get(ctx, "message", {})
    private = list(get(ctx, "private_files", []))
    thread = list(get(ctx, "thread", []))
    style = _style(person)
    text = f"{message.get('subject', '')}\n{message.get('body', '')}".lower()
    attachments = message.get("attachments") or []
    lines: list[str] = []
    corrections: list[dict[str, str]] = []
    share: list[str] = []
    if attachments and not _already_reviewed(
        thread, person.get("name", ""), message.get("subject", "")
    ):
        draft = attachments[0].get("text", "")
        numeric = [
            (label, value)
            for label, value in figures_in(draft, limit=12)
            if (number_of(value) or 0) >= 10 or "%" in value
        ]
        lines.append(
            f"I went through {attachments[0].get('path', 'the draft')}. Two changes before it goes out:"
        )
        if numeric:
            label, value = numeric[req.rng.randrange(len(numeric))]
            updated = like(value, round(number_of(value) * 1.04, 2))
            if updated != value:
                lines.append(
                    f'- Please replace "{value}" with "{updated}": the latest {label} on my side is '
                    f"{updated}, the draft still has the old figure."
                )
                corrections.append(
                    {
                        "instruction": f"Update {label} from {value} to {updated}",
                        "find": value,
                        "replace": updated,
                    }
                )
        heading = _section(person)
        detail = (
            f"what needs my sign-off ({person.get('decision_authority', 'approval')}) and by when"
        )
        lines.append(f'- Please add a section "{heading}": {detail}.')
        corrections.append(
            {"instruction": f"Add a section '{heading}' covering {detail}", "must_include": heading}
        )
    elif attachments:
        lines.append("Thanks, this version reads well. Approved from my side.")
    elif private and any(k in text for k in ASKING):
        share = _best_files(message, private)
        chosen = next(f for f in private if f["path"] == share[0])
        facts = list((chosen.get("facts") or {}).items())[:2]
        lines.append(f"Here is {chosen['title']} — {chosen.get('summary', '').rstrip('.')}.")
        if facts:
            lines.append("Worth noting: " + "; ".join(f"{k}: {v}" for k, v in facts) + ".")
        lines.append("Use these figures as they are; they are the ones I report upwards.")
    else:
        lines.append("Noted, thanks. Keep me posted if anything changes on your side.")
    return {
        "body": _frame(style, person, user, lines),
        "reply_after_minutes": _delay(style, req),
        "share_files": share,
        "corrections": corrections,
    }
