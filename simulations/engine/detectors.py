"""Process and outcome signals of a run, detected automatically.

Per turn: tool errors, invalid arguments, model failures and re-asks, actions that repeat
with the same result (loops), blank messages. Per run: the failure modes the paper saw —
the same figure differing across the deliverables of a package, collaborator feedback that
never made it into the files, blank messages, and workbooks left stale after the narrative
changed a figure — plus the process totals and the outcome (deliverables, scores).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from simulations.engine.draft import SignalDraft
from simulations.engine.memory import clipped_arguments

LOOP_WINDOW = 8
NARRATIVE_KINDS = ("docx", "pptx", "md", "txt")
WORKBOOK_KINDS = ("xlsx", "csv")

_FIGURE_LINE = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z0-9 &/()'%-]{1,59}?[A-Za-z)%])\s*(?::|=|\t|\s-\s)\s*(?:=[^\t→]*→\s*)?"
    r"(?P<value>[-+]?[$€£]?\s?\d[\d,]*(?:\.\d+)?\s?(?:%|[kKmM]\b)?)(?![\d:/.-])"
)
_CONNECTIVES = frozenset(
    [
        "and",
        "or",
        "between",
        "at",
        "from",
        "to",
        "by",
        "of",
        "in",
        "on",
        "for",
        "with",
        "the",
        "a",
        "an",
        "is",
        "was",
        "per",
    ]
)
_NUMBER = re.compile(r"(?<![\w.])[-+]?[$€£]?\d[\d,]*(?:\.\d+)?%?")


# -- per turn ---------------------------------------------------------------------------------


@dataclass
class PastAction:
    action: str
    arguments: str
    observation: str


def turn_signals(
    *,
    action: str,
    arguments: dict | None,
    observation: str,
    error: str,
    recent: Iterable[PastAction],
) -> list[str]:
    flags: list[str] = []
    if error:
        flags.append("tool_error")
        if arguments is None or error.startswith("bad arguments"):
            flags.append("invalid_arguments")
        if error.startswith("there is no tool"):
            flags.append("unknown_tool")
    if (
        action == "send_message"
        and arguments is not None
        and not str(arguments.get("body", "")).strip()
    ):
        flags.append("blank_message")
    if action == "advance_clock" and (arguments or {}).get("until") == "end_of_day":
        return flags  # closing the day is the day's frame, not a repetition
    key = clipped_arguments(arguments) if arguments is not None else None
    for past in list(recent)[-LOOP_WINDOW:]:
        if past.action == action and past.arguments == key and past.observation == observation:
            flags.append("loop")
            break
    return flags


# -- figures ---------------------------------------------------------------------------------------


def _norm_label(label: str) -> str:
    words = re.sub(r"[^a-z0-9%& ]+", " ", label.lower()).split()
    return " ".join(words[-5:])


def _norm_value(value: str) -> str:
    text = value.replace(",", "").replace(" ", "").lstrip("+$€£")
    multiplier = 1.0
    if text[-1:] in "kK":
        multiplier, text = 1e3, text[:-1]
    elif text[-1:] in "mM":
        multiplier, text = 1e6, text[:-1]
    percent = text.endswith("%")
    text = text.rstrip("%")
    try:
        number = float(text) * multiplier
    except ValueError:
        return value.strip()
    shown = f"{number:.6g}"
    return shown + ("%" if percent else "")


def extract_figures(text: str) -> dict[str, str]:
    """Labelled figures in a text ('Total budget: $1.2M', 'Headcount\t14'), label -> value."""
    figures: dict[str, str] = {}
    for line in text.splitlines():
        for match in _FIGURE_LINE.finditer(line):
            label = _norm_label(match["label"])
            if len(label) >= 3 and label.split()[-1] not in _CONNECTIVES:
                figures.setdefault(label, _norm_value(match["value"]))
    return figures


def numbers_in(text: str) -> set[str]:
    return {_norm_value(n) for n in _NUMBER.findall(text) if any(c.isdigit() for c in n)}


# -- per run ------------------------------------------------------------------------------------------


@dataclass
class DeliverableText:
    key: str
    objective: str
    kind: str
    path: str
    text: str
    last_change_seq: int  # last turn that changed the file at its path (0 = never)


@dataclass
class Feedback:
    message_id: int
    sender: str
    deliverable_key: str
    delivered_seq: int
    corrections: list[dict]


def inconsistent_figures(deliverables: list[DeliverableText]) -> list[SignalDraft]:
    """The same labelled figure with different values in deliverables of one objective."""
    out = []
    by_objective: dict[str, list[DeliverableText]] = defaultdict(list)
    for d in deliverables:
        by_objective[d.objective].append(d)
    for objective, items in by_objective.items():
        seen: dict[str, tuple[str, str]] = {}
        for d in items:
            for label, value in extract_figures(d.text).items():
                if label in seen and seen[label][1] != value and seen[label][0] != d.key:
                    other_key, other_value = seen[label]
                    out.append(
                        SignalDraft(
                            kind="inconsistent_figure",
                            severity="failure",
                            message=(
                                f"{objective}: '{label}' is {other_value} in {other_key} "
                                f"but {value} in {d.key}"
                            ),
                            detail={
                                "objective": objective,
                                "label": label,
                                "values": {other_key: other_value, d.key: value},
                            },
                        )
                    )
                else:
                    seen.setdefault(label, (d.key, value))
    return out


def stale_workbooks(
    deliverables: list[DeliverableText], narrative_edits: dict[str, list[tuple[int, str]]]
) -> list[SignalDraft]:
    """A narrative edit replaced a figure after the workbook's last change, and the workbook
    still shows the old figure. ``narrative_edits``: deliverable key -> [(seq, diff)]."""
    out = []
    by_objective: dict[str, list[DeliverableText]] = defaultdict(list)
    for d in deliverables:
        by_objective[d.objective].append(d)
    for objective, items in by_objective.items():
        books = [d for d in items if d.kind in WORKBOOK_KINDS]
        for narrative in (d for d in items if d.kind in NARRATIVE_KINDS):
            for book in books:
                old_in_book = numbers_in(book.text)
                for seq, diff in narrative_edits.get(narrative.key, []):
                    if seq <= book.last_change_seq:
                        continue
                    removed = numbers_in(
                        "\n".join(
                            line[1:]
                            for line in diff.splitlines()
                            if line.startswith("-") and not line.startswith("---")
                        )
                    )
                    added = numbers_in(
                        "\n".join(
                            line[1:]
                            for line in diff.splitlines()
                            if line.startswith("+") and not line.startswith("+++")
                        )
                    )
                    changed = (removed - added) & old_in_book
                    if changed:
                        out.append(
                            SignalDraft(
                                kind="stale_workbook",
                                severity="failure",
                                seq=seq,
                                message=(
                                    f"{objective}: turn {seq} changed {', '.join(sorted(changed))} in "
                                    f"{narrative.key} ({narrative.path}), but {book.key} ({book.path}) "
                                    "still shows the old figure"
                                ),
                                detail={
                                    "objective": objective,
                                    "narrative": narrative.key,
                                    "workbook": book.key,
                                    "figures": sorted(changed),
                                },
                            )
                        )
                        break
    return out


def _is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text.strip())) and any(c.isdigit() for c in text)


def correction_applied(correction: dict, text: str) -> bool:
    """Whether ``text`` shows the correction: the required phrase is there, and a replaced
    value is gone and its replacement present (figures compared by value, so a workbook
    showing 3629600 satisfies 'replace 3,490,000 with 3,629,600')."""
    lowered = text.lower()
    must = (correction.get("must_include") or "").strip()
    find = (correction.get("find") or "").strip()
    replace = (correction.get("replace") or "").strip()
    if must and must.lower() not in lowered:
        return False
    if find and replace and find != replace:
        if _is_number(find) and _is_number(replace):
            values = numbers_in(text)
            return _norm_value(replace) in values and _norm_value(find) not in values
        return replace.lower() in lowered and find.lower() not in lowered
    return bool(must) or not (find or replace)


def unapplied_feedback(feedback: list[Feedback], texts: dict[str, str]) -> list[SignalDraft]:
    out = []
    for item in feedback:
        text = texts.get(item.deliverable_key)
        for correction in item.corrections:
            if not (correction.get("must_include") or correction.get("find")):
                continue
            if text is None or not correction_applied(correction, text):
                out.append(
                    SignalDraft(
                        kind="feedback_not_applied",
                        severity="failure",
                        seq=item.delivered_seq,
                        message=(
                            f"{item.sender}'s correction on {item.deliverable_key or 'a draft'} was never "
                            f"applied: {correction.get('instruction', '')[:200]}"
                        ),
                        detail={
                            "message": item.message_id,
                            "deliverable": item.deliverable_key,
                            "correction": correction,
                        },
                    )
                )
    return out


def blank_messages(messages: Iterable[tuple[int, int, str, str]]) -> list[SignalDraft]:
    """(message id, turn seq, subject, body) of outgoing messages -> blank ones."""
    out = []
    for message_id, seq, subject, body in messages:
        if not body.strip():
            out.append(
                SignalDraft(
                    kind="blank_message",
                    severity="failure",
                    seq=seq,
                    message=f"message {subject.strip() or '(no subject)'!r} was sent "
                    "with an empty body",
                    detail={"message": message_id},
                )
            )
    return out


def loop_signal(flags_by_seq: dict[int, list[str]]) -> list[SignalDraft]:
    loops = sorted(seq for seq, flags in flags_by_seq.items() if "loop" in flags)
    if not loops:
        return []
    return [
        SignalDraft(
            kind="loop",
            severity="warning" if len(loops) < 20 else "failure",
            seq=loops[0],
            message=f"{len(loops)} actions repeated an earlier action with the same result",
            detail={"turns": loops[:200], "count": len(loops)},
        )
    ]


def process_totals(
    flags_by_seq: dict[int, list[str]], actions: Counter, *, minutes: int, wall_seconds: float
) -> dict:
    counts: Counter = Counter()
    for flags in flags_by_seq.values():
        counts.update(set(flags))
    return {
        "turns": sum(actions.values()),
        "actions": dict(actions.most_common()),
        "tool_errors": counts["tool_error"],
        "invalid_arguments": counts["invalid_arguments"],
        "unknown_tools": counts["unknown_tool"],
        "model_errors": counts["model_error"],
        "reasks": counts["reask"],
        "retries": counts["retry"],
        "loops": counts["loop"],
        "blank_messages": counts["blank_message"],
        "no_action": counts["no_action"],
        "sim_minutes": minutes,
        "wall_seconds": round(wall_seconds, 1),
    }
