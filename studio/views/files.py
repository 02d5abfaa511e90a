"""One file of a computer: its preview by kind, its links, its thread, and its download."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studio import browsing
from studio.models import ComputerFile
from studio.services.files import (
    FileUnavailable,
    email_thread_by_headers,
    file_disk_path,
    file_open,
    file_preview,
    file_preview_deferred,
)
from studio.views.access import get_file_for_user


def _check_on_disk(file: ComputerFile) -> None:
    try:
        file_disk_path(file=file)
    except FileUnavailable:
        raise Http404("this file is not available") from None


def _preview_context(file: ComputerFile) -> dict:
    result = file_preview(file=file)
    thread: list[ComputerFile] = []
    if file.kind == "eml":
        thread = browsing.email_thread(file=file)
        if len(thread) <= 1 and result.preview is not None and result.preview.email:
            thread = email_thread_by_headers(file=file, email=result.preview.email)
    return {"preview": result.preview, "preview_error": result.error, "thread": thread}


def _detail(request, file: ComputerFile):
    _check_on_disk(file)
    deferred = file_preview_deferred(file=file)
    context = {
        "computer": file.computer,
        "file": file,
        # the home's folders; files elsewhere show their full path instead
        "breadcrumbs": browsing.folder_ancestors(file.folder)
        if file.scope == ComputerFile.Scope.HOME
        else [],
        "links": browsing.file_links(file=file),
        "deferred": deferred,
    }
    if not deferred:
        context.update(_preview_context(file))
    return render(request, "studio/file_detail.html", context)


def _preview(request, file: ComputerFile):
    """The preview alone: what a page fetches after it has shown itself for a big file."""
    _check_on_disk(file)
    return render(
        request,
        "studio/_file_preview.html",
        {"computer": file.computer, "file": file, **_preview_context(file)},
    )


def _download(file: ComputerFile) -> FileResponse:
    try:
        handle = file_open(file=file)
    except FileUnavailable:
        raise Http404("this file is not available") from None
    return FileResponse(handle, as_attachment=True, filename=file.name)


@require_GET
def file_detail(request, pk: int, path: str):
    return _detail(request, get_file_for_user(request, pk, path))


@require_GET
def file_preview_part(request, pk: int, path: str):
    return _preview(request, get_file_for_user(request, pk, path))


@require_GET
def file_download(request, pk: int, path: str):
    return _download(get_file_for_user(request, pk, path))


@require_GET
def collaborator_file_detail(request, pk: int, owner: str, path: str):
    return _detail(request, get_file_for_user(request, pk, path, owner_slug=owner))


@require_GET
def collaborator_file_preview_part(request, pk: int, owner: str, path: str):
    return _preview(request, get_file_for_user(request, pk, path, owner_slug=owner))


@require_GET
def collaborator_file_download(request, pk: int, owner: str, path: str):
    return _download(get_file_for_user(request, pk, path, owner_slug=owner))


@require_GET
def volume_file_detail(request, pk: int, volume: str, path: str):
    return _detail(request, get_file_for_user(request, pk, path, volume_slug=volume))


@require_GET
def volume_file_preview_part(request, pk: int, volume: str, path: str):
    return _preview(request, get_file_for_user(request, pk, path, volume_slug=volume))


@require_GET
def volume_file_download(request, pk: int, volume: str, path: str):
    return _download(get_file_for_user(request, pk, path, volume_slug=volume))
