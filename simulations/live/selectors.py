"""Reads for watching a simulation: who may watch it, and the turns, figures, objectives,
files and mail the live page shows — always in bounded pages, so a 10,000-turn run costs the
same to open as a 100-turn one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Length, Substr

from simulations.live import payloads
from simulations.models import Deliverable, FileChange, Message, Objective, Simulation, Turn
from studio.models import ComputerFile

PAGE = 200  # turns per query
WINDOW = 200  # turns the page shows at first (and keeps in its DOM)
REPLAY_LIMIT = 1_000  # turns one replay or backfill sends before the client asks again
MESSAGES_LIMIT = 200
CHANGES_PER_FILE = 20

# -- turns ----------------------------------------------------------------------------------


def _turn_rows() -> QuerySet[Turn]:
    """Turn rows with the long texts cut in the database, so pages stay small."""
    return Turn.objects.defer(
        "observation", "reasoning", "raw_arguments", "error", "tool_call_id"
    ).annotate(
        observation_prefix=Substr("observation", 1, payloads.OBSERVATION_PREVIEW),
        observation_length=Length("observation"),
        reasoning_prefix=Substr("reasoning", 1, payloads.REASONING_PREVIEW),
        reasoning_length=Length("reasoning"),
        raw_arguments_prefix=Substr("raw_arguments", 1, payloads.RAW_ARGUMENTS_PREVIEW),
        error_prefix=Substr("error", 1, payloads.ERROR_PREVIEW),
    )


def turn_payloads_for(*, turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """Payloads for ``turns`` (in their order, of one simulation or several) with their file
    changes and the messages they wrote or delivered: two queries however many turns."""
    if not turns:
        return []
    keys = {(t.simulation_id, t.seq) for t in turns}
    by_id = {t.pk: (t.simulation_id, t.seq) for t in turns}
    changes: dict[tuple[int, int], list[FileChange]] = {k: [] for k in keys}
    for change in (
        FileChange.objects.filter(turn_id__in=list(by_id))
        .defer("diff", "before_sha256", "after_sha256")
        .annotate(diff_length=Length("diff"))
        .order_by("seq", "index")
    ):
        changes[by_id[change.turn_id]].append(change)
    mail: dict[tuple[int, int], list[Message]] = {k: [] for k in keys}
    delivered = Q(
        simulation_id__in={t.simulation_id for t in turns}, delivered_seq__in={t.seq for t in turns}
    )
    for message in (
        Message.objects.filter(Q(turn_id__in=list(by_id)) | delivered)
        .annotate(turn_seq=F("turn__seq"))
        .order_by("id")
    ):
        written = by_id.get(message.turn_id)
        if written:
            mail[written].append(message)
        delivery = (message.simulation_id, message.delivered_seq)
        if delivery in mail and delivery != written:
            mail[delivery].append(message)
    return [
        payloads.turn_payload(
            t,
            file_changes=changes[(t.simulation_id, t.seq)],
            messages=mail[(t.simulation_id, t.seq)],
        )
        for t in turns
    ]


def simulation_statuses(*, simulation_ids) -> dict[int, dict[str, Any]]:
    rows = Simulation.objects.filter(pk__in=list(simulation_ids)).values(*payloads.STATUS_FIELDS)
    return {row["id"]: payloads.status_payload(row) for row in rows}


def turn_page_after(*, simulation_id: int, after: int, limit: int = PAGE) -> list[dict[str, Any]]:
    """Up to ``limit`` turns with seq > ``after``, oldest first."""
    rows = list(
        _turn_rows()
        .filter(simulation_id=simulation_id, seq__gt=after)
        .order_by("seq")[: max(1, min(limit, PAGE))]
    )
    return turn_payloads_for(turns=rows)


def turn_page_before(
    *, simulation_id: int, before: int | None, limit: int = PAGE
) -> list[dict[str, Any]]:
    """Up to ``limit`` turns with seq < ``before`` (the newest when ``before`` is None),
    returned oldest first."""
    rows = _turn_rows().filter(simulation_id=simulation_id)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    page = list(rows.order_by("-seq")[: max(1, min(limit, PAGE))])
    page.reverse()
    return turn_payloads_for(turns=page)


def turns_exist_after(*, simulation_id: int, after: int) -> bool:
    return Turn.objects.filter(simulation_id=simulation_id, seq__gt=after).exists()


def turn_detail(*, simulation_id: int, seq: int) -> dict[str, Any] | None:
    turn = Turn.objects.filter(simulation_id=simulation_id, seq=seq).first()
    return payloads.turn_detail_payload(turn) if turn else None


# -- the header and the objectives ------------------------------------------------------------


def simulation_status(*, simulation_id: int) -> dict[str, Any] | None:
    values = Simulation.objects.filter(pk=simulation_id).values(*payloads.STATUS_FIELDS).first()
    return payloads.status_payload(values) if values else None


def simulation_objectives(*, simulation_id: int) -> list[dict[str, Any]]:
    objectives = list(Objective.objects.filter(simulation_id=simulation_id).order_by("order"))
    by_objective: dict[int, list[Deliverable]] = {o.pk: [] for o in objectives}
    for deliverable in Deliverable.objects.filter(simulation_id=simulation_id).order_by("id"):
        by_objective.setdefault(deliverable.objective_id, []).append(deliverable)
    return [payloads.objective_payload(o, by_objective[o.pk]) for o in objectives]


# -- files and mail ----------------------------------------------------------------------------


def simulation_files(*, simulation: Simulation) -> list[dict[str, Any]]:
    """The simulation's home as it is now: the computer's files with every recorded change
    applied in order (from the database, so it works wherever the workspace lives). Each file
    keeps its latest changes; deleted files stay listed, marked, so their diffs remain."""
    files: dict[str, dict[str, Any]] = {}
    for path, kind, size in ComputerFile.objects.filter(
        computer_id=simulation.computer_id, scope=ComputerFile.Scope.HOME
    ).values_list("path", "kind", "size"):
        files[path] = {"path": path, "kind": kind, "size": size, "deleted": False, "changes": []}

    def entry(path: str, kind: str) -> dict[str, Any]:
        item = files.get(path)
        if item is None or item["deleted"]:
            item = {
                "path": path,
                "kind": kind,
                "size": 0,
                "deleted": False,
                "changes": item["changes"] if item else [],
            }
            files[path] = item
        return item

    changes = (
        FileChange.objects.filter(simulation_id=simulation.pk)
        .order_by("seq", "index")
        .annotate(diff_length=Length("diff"))
        .values("id", "seq", "op", "path", "source_path", "kind", "size", "diff_length")
    )
    for change in changes.iterator(chunk_size=2_000):
        ref = {
            "id": change["id"],
            "seq": change["seq"],
            "op": change["op"],
            "has_diff": bool(change["diff_length"]),
        }
        op = change["op"]
        if op == FileChange.Op.DELETE:
            item = files.get(change["path"]) or entry(change["path"], change["kind"])
            item["deleted"] = True
        else:
            if op == FileChange.Op.MOVE and change["source_path"] in files:
                moved = files[change["source_path"]]
                moved["deleted"] = True
                moved["changes"] = (moved["changes"] + [ref])[-CHANGES_PER_FILE:]
            item = entry(change["path"], change["kind"])
            item["size"] = change["size"]
        item["changes"] = (item["changes"] + [ref])[-CHANGES_PER_FILE:]
    return sorted(files.values(), key=lambda f: f["path"].lower())


def file_change_get(*, simulation_id: int, pk: int) -> dict[str, Any] | None:
    change = FileChange.objects.filter(simulation_id=simulation_id, pk=pk).first()
    return payloads.file_change_detail_payload(change) if change else None


def simulation_messages(*, simulation_id: int, limit: int = MESSAGES_LIMIT) -> dict[str, list]:
    """The newest mail each way: the inbox (delivered or still in transit) and what was sent."""
    rows = Message.objects.filter(simulation_id=simulation_id).annotate(turn_seq=F("turn__seq"))
    incoming = rows.filter(direction=Message.Direction.INCOMING).order_by("-sent_at", "-id")[:limit]
    outgoing = rows.filter(direction=Message.Direction.OUTGOING).order_by("-sent_at", "-id")[:limit]
    return {
        "inbox": [payloads.message_payload(m) for m in incoming],
        "sent": [payloads.message_payload(m) for m in outgoing],
    }
