"""Downloads: trajectories as JSONL (streamed, filters applied), computer archives, imports."""

from __future__ import annotations

from contextlib import nullcontext

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.db.models import Exists, OuterRef
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from simulations.review import (
    archive,
    archive_import,
    archive_reader,
    export,
    paper_export,
    paper_import,
    selectors,
)
from simulations.review.forms import ExportForm, ImportComputerForm
from simulations.review.models import TurnAnnotation
from studio import access as studio_access
from studio.views.access import get_computer_for_user


def _export_request(request):
    form = ExportForm(request.GET or {"state": "completed", "policy": "cut"})
    filters = form.filters()
    candidates = export.export_candidates(
        user=request.user, filters=filters, simulation_ids=form.simulation_ids
    )
    return form, filters, candidates


async def _async_chunks(chunks):
    """Hand a synchronous generator to an ASGI server one chunk at a time. (Given a sync
    iterator, Django's ASGI handler would first read it whole into a list.)"""
    done = object()
    iterator = iter(chunks)
    while True:
        chunk = await sync_to_async(next, thread_sensitive=True)(iterator, done)
        if chunk is done:
            return
        yield chunk


@require_GET
def export_page(request):
    form, filters, candidates = _export_request(request)
    return render(
        request,
        "review/export.html",
        {
            "form": form,
            "filters": filters,
            "candidates": candidates.count(),
            "flagged_bad": export.flagged_bad_count(candidates),
            "with_bad_labels": candidates.filter(
                Exists(
                    TurnAnnotation.objects.filter(simulation=OuterRef("pk"), labels__is_bad=True)
                )
            ).count(),
            "labels": selectors.labels_active(),
            "annotators": selectors.annotators(user=request.user),
            "bad_labels": export.bad_label_names(),
            "policies": export.POLICY_TEXT,
            "query_string": request.GET.urlencode() or "state=completed&policy=cut",
        },
    )


@require_GET
def export_download(request):
    form, filters, candidates = _export_request(request)
    policy = form.bad_turn_policy
    lines = export.export_lines(export.export_queryset(candidates), policy=policy)
    chunks = export.export_chunks(lines)
    content = _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.export_filename()}"'
    response["X-Export-Format"] = export.FORMAT
    response["X-Export-Policy"] = f"flagged-bad=excluded; bad-turns={policy.value}"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def export_manifest(request):
    """What the download with these filters holds: the export runs (its lines discarded), so
    the counts written, cut and dropped are the export's own, not a second rule's."""
    form, filters, candidates = _export_request(request)
    stats = export.ExportStats()
    for _ in export.export_lines(
        export.export_queryset(candidates), policy=form.bad_turn_policy, stats=stats
    ):
        pass
    return JsonResponse(
        export.manifest(
            policy=form.bad_turn_policy,
            filters=filters,
            stats=stats,
            candidates=candidates.count(),
            flagged_bad=export.flagged_bad_count(candidates),
        )
    )


# -- computer archives ---------------------------------------------------------------------------


@require_GET
def computer_archive(request, pk: int):
    computer = get_computer_for_user(request, pk)
    fmt = request.GET.get("format", "zip")
    if fmt not in ("zip", "tar", "paper"):
        fmt = "zip"
    if computer.state != computer.State.READY:
        messages.error(
            request, f"Computer #{computer.pk} is {computer.state}: only a ready computer exports."
        )
        return redirect("studio-computer-detail", pk=computer.pk)
    if fmt == "paper":
        pieces = paper_export.paper_tar_stream(computer)
        suffix, content_type = "paper.tar.gz", "application/gzip"
    else:
        pieces = archive.archive_stream(computer, fmt=fmt)
        suffix, content_type = (
            ("zip", "application/zip") if fmt == "zip" else ("tar.gz", "application/gzip")
        )
    content = _async_chunks(pieces) if isinstance(request, ASGIRequest) else pieces
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="computer-{computer.pk}.{suffix}"'
    return response


@require_http_methods(["GET", "POST"])
def computer_import(request):
    pools = studio_access.visible_pools(request.user).order_by("name")
    limits = archive_reader.ArchiveLimits.from_env()
    form = ImportComputerForm(
        request.POST or None, request.FILES or None, pools=pools, limits=limits, user=request.user
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                computers = _import(data, user=request.user, limits=limits)
            except archive.ArchiveError as exc:
                form.add_error("server_path" if data.get("server_path") else "archive", str(exc))
            else:
                for computer in computers:
                    messages.success(
                        request,
                        f"Imported computer #{computer.pk} ({computer.display_name}) "
                        f"with {computer.files.count()} files.",
                    )
                if len(computers) == 1:
                    return redirect("studio-computer-detail", pk=computers[0].pk)
                return redirect("studio-computer-list")
    context = {
        "form": form,
        "limits": limits,
        "quota": settings.ARCHIVE_IMPORT_QUOTA_MB * archive.MB,
        "used": archive_import.archive_import_bytes_used(user=request.user),
    }
    return render(request, "review/import.html", context, status=status)


def _import(data, *, user, limits):
    pool, path = data["pool"], data.get("server_path")
    if data["format"] == "paper":
        source = path or data["archive"]
        with nullcontext(path) if path else source.open("rb") as stream:
            return paper_import.paper_import(
                source=stream,
                pool=pool,
                created_by=user,
                limits=limits,
                name=source.name.partition(".")[0],
            )
    with data["archive"].open("rb") as stream:
        return [
            archive_import.archive_import(source=stream, pool=pool, created_by=user, limits=limits)
        ]
