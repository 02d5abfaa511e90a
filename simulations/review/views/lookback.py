"""Looking back: a simulation's files at any turn, what each turn changed, two runs side by side."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from simulations import access
from simulations.models import Turn
from simulations.review import comparison, timetravel
from simulations.review.forms import CompareForm
from simulations.review.views.access import get_simulation_for_user, get_turn_for_user
from studio.artifacts.readers import preview as read_preview
from studio.artifacts.safety import ArtifactReadError
from studio.paths import PathEscapeError

PREVIEW_KINDS = ("docx", "xlsx", "pptx", "pdf", "md", "txt", "csv", "eml", "ics")


def _version_key_or_404(simulation, raw: str) -> str:
    try:
        return timetravel.version_key(simulation=simulation, raw=raw)
    except PathEscapeError:
        raise Http404("not a path on this computer") from None


def _at(request, simulation) -> int:
    raw = request.GET.get("at", "")
    try:
        at = int(raw) if raw else simulation.turn_count
    except ValueError:
        raise Http404("turn numbers are whole numbers") from None
    return max(0, min(at, simulation.turn_count))


def _turn_nav(simulation, at: int) -> dict:
    turn = (
        Turn.objects.filter(simulation=simulation, seq=at)
        .only("seq", "actor", "action", "sim_time", "arguments")
        .first()
        if at
        else None
    )
    changed_seqs = list(
        simulation.file_changes.values_list("seq", flat=True).distinct().order_by("seq")
    )
    previous_change = max((s for s in changed_seqs if s < at), default=None)
    next_change = min((s for s in changed_seqs if s > at), default=None)
    return {
        "at": at,
        "at_turn": turn,
        "previous_change": previous_change,
        "next_change": next_change,
        "changed_seqs": changed_seqs[-400:],
    }


@require_GET
def timetravel_tree(request, pk: int):
    simulation = get_simulation_for_user(request, pk)
    at = _at(request, simulation)
    files = timetravel.files_at(simulation=simulation, seq=at)
    changed_here = (
        set(simulation.file_changes.filter(seq=at).values_list("path", flat=True)) if at else set()
    )
    return render(
        request,
        "review/timetravel.html",
        {
            "sim": simulation,
            "tree": timetravel.tree_of(files),
            "file_count": len(files),
            "changed_here": changed_here,
            "changes": timetravel.turn_changes(simulation=simulation, seq=at) if at else [],
            **_turn_nav(simulation, at),
        },
    )


@require_GET
def timetravel_file(request, pk: int, path: str):
    simulation = get_simulation_for_user(request, pk)
    path = _version_key_or_404(simulation, path)
    at = _at(request, simulation)
    version = timetravel.files_at(simulation=simulation, seq=at).get(path)
    history = timetravel.file_history(simulation=simulation, path=path)
    preview, error = None, ""
    if version is None:
        error = (
            f"{path} did not exist after turn {at}."
            if history or at
            else f"{path} is not a file of this computer."
        )
        if not history:
            raise Http404("no such file in this simulation")
    elif version.kind not in PREVIEW_KINDS:
        error = f"No preview for .{version.kind} files; download the version instead."
    else:
        try:
            preview = read_preview(
                timetravel.version_path(simulation=simulation, version=version), version.kind
            )
        except (timetravel.VersionUnavailable, ArtifactReadError) as exc:
            error = str(exc)
    return render(
        request,
        "review/timetravel_file.html",
        {
            "sim": simulation,
            "path": path,
            "version": version,
            "history": history,
            "preview": preview,
            "preview_error": error,
            **_turn_nav(simulation, at),
        },
    )


@require_GET
def timetravel_download(request, pk: int, path: str):
    simulation = get_simulation_for_user(request, pk)
    path = _version_key_or_404(simulation, path)
    at = _at(request, simulation)
    version = timetravel.files_at(simulation=simulation, seq=at).get(path)
    if version is None:
        raise Http404("no such file at this turn")
    try:
        disk = timetravel.version_path(simulation=simulation, version=version)
    except timetravel.VersionUnavailable as exc:
        raise Http404(str(exc)) from None
    content_type = mimetypes.guess_type(version.name)[0] or "application/octet-stream"
    response = FileResponse(
        disk.open("rb"), as_attachment=True, filename=version.name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def turn_changes(request, pk: int, seq: int):
    simulation, turn = get_turn_for_user(request, pk, seq)
    return render(
        request,
        "review/turn_changes.html",
        {
            "sim": simulation,
            "turn": turn,
            "changes": timetravel.turn_changes(simulation=simulation, seq=seq),
        },
    )


def _compare_picker(request, *, error: str = "", status: int = 200):
    chosen = {key: request.GET.get(key, "") for key in ("a", "b")}
    first = None
    if chosen["a"].isdigit():
        first = access.simulation_get(user=request.user, pk=int(chosen["a"]))
    return render(
        request,
        "review/compare.html",
        {
            "error": error,
            "runs": comparison.compare_candidates(user=request.user, simulation=first),
            "first": first,
            "chosen": chosen,
        },
        status=status,
    )


@require_GET
def compare(request):
    """Two runs side by side. Without two runs chosen, the page to choose them."""
    if not request.GET.get("a") or not request.GET.get("b"):
        return _compare_picker(request)
    form = CompareForm(request.GET)
    if not form.is_valid():
        return _compare_picker(request, error="Choose two runs from the lists.", status=400)
    if form.cleaned_data["a"] == form.cleaned_data["b"]:
        return _compare_picker(request, error="Choose two different runs.", status=400)
    a = get_simulation_for_user(request, form.cleaned_data["a"])
    b = get_simulation_for_user(request, form.cleaned_data["b"])
    left, right = comparison.run_summary(simulation=a), comparison.run_summary(simulation=b)
    paired = a.computer_id == b.computer_id
    signal_names = sorted(set(left.signal_counts) | set(right.signal_counts))
    modes = sorted(set(left.failure_modes) | set(right.failure_modes))
    return render(
        request,
        "review/compare.html",
        {
            "a": left,
            "b": right,
            "paired": paired,
            "objectives": comparison.compare_objectives(left=left, right=right, paired=paired),
            "signals": [
                (n, left.signal_counts.get(n, 0), right.signal_counts.get(n, 0))
                for n in signal_names
            ],
            "modes": [
                (m, left.failure_modes.get(m, 0), right.failure_modes.get(m, 0)) for m in modes
            ],
        },
    )
