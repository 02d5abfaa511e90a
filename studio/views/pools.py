"""Persona pools: the list, import by upload, and one pool's personas."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from studio import selectors
from studio.forms import PoolImportForm
from studio.services.personas import PersonaImportError, persona_pool_import
from studio.views.access import get_pool_for_user

PERSONAS_PER_PAGE = 50


def _render_list(request, form: PoolImportForm, *, import_error=None, status: int = 200):
    pools = selectors.pool_list(user=request.user).select_related("owner").order_by("name")
    return render(
        request,
        "studio/pools.html",
        {
            "pools": pools,
            "form": form,
            "import_error": import_error,
        },
        status=status,
    )


@require_GET
def pool_list(request):
    return _render_list(request, PoolImportForm(user=request.user))


@require_POST
def pool_import(request):
    form = PoolImportForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _render_list(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        report = persona_pool_import(
            pool_name=form.cleaned_data["name"],
            source=upload,
            filename=upload.name,
            owner=request.user,
            shared=form.cleaned_data["shared"],
        )
    except PersonaImportError as exc:
        return _render_list(request, form, import_error=exc, status=400)
    duplicates = f", {report.duplicates} duplicate(s) skipped" if report.duplicates else ""
    messages.success(
        request, f"Imported {report.created} persona(s) into {report.pool.name}{duplicates}."
    )
    return redirect("studio-pool-detail", pk=report.pool.pk)


@require_GET
def pool_detail(request, pk: int):
    pool = get_pool_for_user(request, pk)
    query = request.GET.get("q", "").strip()[:200]
    page = Paginator(selectors.persona_search(pool=pool, query=query), PERSONAS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "studio/pool_detail.html",
        {
            "pool": pool,
            "query": query,
            "page": page,
            "query_string": urlencode({"q": query}) if query else "",
            "computer_count": pool.computers.count(),
            "max_files": settings.COMPUTER_MAX_FILES,
        },
    )
