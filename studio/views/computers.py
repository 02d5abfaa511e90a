"""Computers: the list with generation jobs, one computer's page, its tree and its search."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from studio import access, browsing, selectors
from studio.forms import ComputerFilterForm, GenerateBatchForm, GenerateOneForm
from studio.models import Computer
from studio.services import computers as computer_services
from studio.views.access import (
    clean_path_or_404,
    get_computer_for_user,
    get_pool_for_user,
)

COMPUTERS_PER_PAGE = 50


def _filters(request) -> selectors.ComputerFilters:
    form = ComputerFilterForm(request.GET)
    if not form.is_valid():
        return selectors.ComputerFilters()
    data = form.cleaned_data
    return selectors.ComputerFilters(
        query=data["q"].strip(),
        state=data["state"],
        pool_id=data["pool"],
        sort=data["sort"] or "newest",
    )


@require_GET
def computer_list(request):
    filters = _filters(request)
    computers = selectors.computer_search(user=request.user, filters=filters)
    page = Paginator(computers, COMPUTERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "studio/computers.html",
        {
            "page": page,
            "filters": filters,
            "query_string": query.urlencode(),
            "pools": selectors.pool_list(user=request.user).order_by("name"),
            "states": Computer.State.choices,
            "sorts": list(selectors.COMPUTER_SORTS),
            "board": selectors.job_board(user=request.user),
            "one_form": GenerateOneForm(initial={"target_files": 100}),
            "batch_form": GenerateBatchForm(initial={"count": 10, "target_files": 100}),
        },
    )


@require_GET
def computer_jobs(request):
    """The generation-jobs panel; the list page includes it and htmx polls it."""
    return render(request, "studio/_jobs.html", {"board": selectors.job_board(user=request.user)})


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


@require_POST
def computer_generate(request):
    form = GenerateOneForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Not generated: "
            + "; ".join(f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items()),
        )
        return _back(request, "studio-computer-list")
    persona = access.persona_get(user=request.user, pk=form.cleaned_data["persona"])
    if persona is None:
        raise Http404("no such persona")
    try:
        computer = computer_services.computer_create(
            persona=persona, created_by=request.user, target_files=form.cleaned_data["target_files"]
        )
    except computer_services.ComputerRequestError as exc:
        messages.error(request, f"Not generated: {exc}.")
        return _back(request, "studio-computer-list")
    messages.success(request, f"Computer #{computer.pk} queued for generation.")
    return redirect("studio-computer-detail", pk=computer.pk)


@require_POST
def computer_batch(request):
    form = GenerateBatchForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Not generated: "
            + "; ".join(f"{form.fields[k].label}: {' '.join(v)}" for k, v in form.errors.items()),
        )
        return redirect("studio-computer-list")
    pool = get_pool_for_user(request, form.cleaned_data["pool"])
    try:
        batch = computer_services.computer_batch_create(
            pool=pool,
            count=form.cleaned_data["count"],
            created_by=request.user,
            target_files=form.cleaned_data["target_files"],
        )
    except computer_services.ComputerRequestError as exc:
        messages.error(request, f"Not generated: {exc}.")
        return redirect("studio-computer-list")
    messages.success(
        request,
        f"Batch #{batch.pk}: {batch.count} computer(s) from {pool.name} queued for generation.",
    )
    return redirect("studio-computer-list")


@require_POST
def computer_retry(request, pk: int):
    computer = get_computer_for_user(request, pk)
    try:
        computer_services.computer_retry(computer=computer)
    except computer_services.ComputerRequestError as exc:
        messages.error(request, f"Not retried: {exc}.")
    else:
        messages.success(request, f"Computer #{computer.pk} queued again.")
    return _back(request, reverse("studio-computer-detail", args=[computer.pk]))


def _detail_context(computer: Computer, *, folder: str = "") -> dict:
    context = {
        "computer": computer,
        "profile": browsing.computer_profile(computer=computer),
        "stats": browsing.computer_stats(computer=computer),
        "current_folder": folder,
        "breadcrumbs": browsing.folder_ancestors(folder),
    }
    if computer.state == Computer.State.READY:
        context["tree"] = browsing.tree_open_at(computer=computer, folder=folder)
        context["private"] = browsing.collaborator_files(computer=computer)
        context["volumes"] = browsing.volume_files(computer=computer)
    return context


@require_GET
def computer_detail(request, pk: int):
    computer = get_computer_for_user(request, pk)
    return render(request, "studio/computer_detail.html", _detail_context(computer))


@require_GET
def computer_status(request, pk: int):
    """The generation status panel of one computer; when it is polled by a page that showed
    the computer unfinished and it has finished since, the page reloads to show it."""
    computer = get_computer_for_user(request, pk)
    response = render(request, "studio/_computer_status.html", {"computer": computer})
    if request.headers.get("HX-Request") and computer.state == Computer.State.READY:
        response["HX-Refresh"] = "true"
    return response


@require_GET
def computer_tree(request, pk: int, folder: str):
    computer = get_computer_for_user(request, pk)
    folder = clean_path_or_404(folder)
    if (
        computer.state != Computer.State.READY
        or browsing.folder_get(computer=computer, path=folder) is None
    ):
        raise Http404("no such folder in this computer")
    return render(request, "studio/computer_detail.html", _detail_context(computer, folder=folder))


@require_GET
def computer_tree_children(request, pk: int, folder: str = ""):
    """One page of a folder's entries, fetched when a folder is opened."""
    computer = get_computer_for_user(request, pk)
    if folder:
        folder = clean_path_or_404(folder)
        if browsing.folder_get(computer=computer, path=folder) is None:
            raise Http404("no such folder in this computer")
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    listing = browsing.folder_children(computer=computer, folder=folder, offset=offset)
    return render(
        request,
        "studio/_tree_children.html",
        {
            "computer": computer,
            "nodes": listing.nodes,
            "more": listing.more,
            "next_offset": listing.next_offset,
            "folder": folder,
        },
    )


@require_GET
def computer_search(request, pk: int):
    computer = get_computer_for_user(request, pk)
    query = request.GET.get("q", "").strip()[:200]
    hits, more = browsing.file_search(computer=computer, query=query)
    return render(
        request,
        "studio/computer_search.html",
        {
            "computer": computer,
            "query": query,
            "hits": hits,
            "more": more,
            "limit": browsing.SEARCH_LIMIT,
        },
    )
