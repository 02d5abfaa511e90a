"""Review queues (build, assign, annotate item by item, progress), bulk labels with undo and
the annotations export."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from simulations import access
from simulations.review import access as review_access
from simulations.review import annotation_export, comparison, selectors
from simulations.review.queues import bulk, services
from simulations.review.queues import selectors as queue_selectors
from simulations.review.queues.forms import BulkLabelForm, QueueForm, QueueItemForm
from simulations.review.queues.models import BulkLabelOperation
from simulations.review.search.selectors import SearchError
from simulations.review.services import annotations as annotation_services


def _queue_for_user(request, pk: int):
    queue = review_access.queue_get(user=request.user, pk=pk)
    if queue is None:
        raise Http404("no such queue")
    return queue


def _errors(form) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())


@require_GET
def queue_list(request):
    return render(
        request,
        "review/queues.html",
        {
            "queues": queue_selectors.queue_list(user=request.user),
            "operations": BulkLabelOperation.objects.filter(user=request.user)
            .select_related("label")
            .order_by("-id")[:20],
        },
    )


@require_http_methods(["GET", "POST"])
def queue_create(request):
    if request.method == "GET":
        form = QueueForm(initial={**request.GET.dict(), "annotators": [request.user.pk]})
        return render(request, "review/queue_create.html", {"form": form})
    form = QueueForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            queue = services.queue_create(
                user=request.user,
                name=d["name"],
                kind=d["kind"],
                query=d["q"],
                filters=form.filters(),
                annotators=list(d["annotators"]),
                overlap=d["overlap"],
                sample_size=d["sample_size"],
                seed=d["seed"] or 0,
            )
        except services.QueueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Queue “{queue.name}”: {queue.item_count} items.")
            return redirect("review-queue", pk=queue.pk)
    return render(request, "review/queue_create.html", {"form": form}, status=400)


@require_GET
def queue_detail(request, pk: int):
    queue = _queue_for_user(request, pk)
    return render(
        request,
        "review/queue.html",
        {
            "queue": queue,
            "progress": queue_selectors.queue_progress(queue=queue),
            "is_annotator": queue.annotators.filter(pk=request.user.pk).exists(),
        },
    )


@require_GET
def queue_next(request, pk: int):
    queue = _queue_for_user(request, pk)
    try:
        item = services.queue_next_item(queue=queue, user=request.user)
    except services.QueueError as exc:
        messages.error(request, f"{exc}.")
        return redirect("review-queue", pk=queue.pk)
    if item is None:
        messages.success(request, "Nothing left for you in this queue: thank you.")
        return redirect("review-queue", pk=queue.pk)
    return redirect("review-queue-item", pk=queue.pk, position=item.position)


@require_http_methods(["GET", "POST"])
def queue_item(request, pk: int, position: int):
    queue = _queue_for_user(request, pk)
    item = queue_selectors.queue_item_get(queue=queue, position=position)
    if item is None or not access.simulation_visible(user=request.user, pk=item.simulation_id):
        raise Http404("no such item")
    sim = item.simulation
    form = QueueItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if item.turn is not None:
                annotation_services.turn_annotate(
                    turn=item.turn,
                    user=request.user,
                    label_ids=[label.pk for label in d["labels"]],
                    comment=d["comment"],
                )
            if d["flag"]:
                annotation_services.trajectory_flag(
                    simulation=sim, user=request.user, flag=d["flag"], reason=d["reason"]
                )
        except annotation_services.AnnotationError as exc:
            form.add_error(None, str(exc))
        else:
            services.queue_item_complete(item=item, user=request.user)
            return redirect("review-queue-next", pk=queue.pk)
    row = selectors.annotation_rows(turns=[item.turn], user=request.user)[0] if item.turn else None
    return render(
        request,
        "review/queue_item.html",
        {
            "queue": queue,
            "item": item,
            "sim": sim,
            "row": row,
            "form": form,
            "labels": selectors.labels_active(),
            "my_flag": selectors.flag_of(simulation=sim, user=request.user),
            "summary": None if item.turn else comparison.run_summary(simulation=sim),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def annotations_export(request, fmt: str, pk: int | None = None):
    if fmt not in ("csv", "jsonl"):
        raise Http404("annotations export as .csv or .jsonl")
    queue = _queue_for_user(request, pk) if pk is not None else None
    rows = annotation_export.annotation_rows(
        annotation_export.annotation_export_queryset(user=request.user, queue=queue)
    )
    if fmt == "csv":
        body, content_type = annotation_export.annotations_csv(rows), "text/csv; charset=utf-8"
    else:
        body, content_type = annotation_export.annotations_jsonl(rows), "application/x-ndjson"
    name = f"annotations{f'-queue-{queue.pk}' if queue else ''}-{timezone.now():%Y%m%d-%H%M%S}"
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_POST
def bulk_label(request):
    form = BulkLabelForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"No labels applied: {_errors(form)}.")
        return redirect("review-search")
    search = form.search_form()
    target = reverse("review-search") + "?" + search.data.urlencode()
    if not search.is_valid() or not search.query:
        messages.error(request, "No labels applied: search for something first.")
        return redirect(target)
    try:
        operation = bulk.bulk_label_apply(
            user=request.user,
            label=form.cleaned_data["label"],
            query=search.query,
            filters=search.filters(),
        )
    except (SearchError, bulk.BulkLabelError) as exc:
        messages.error(request, f"No labels applied: {exc}.")
        return redirect(target)
    messages.success(
        request,
        f"“{operation.label.name}” added to {operation.added} of {operation.matched} turns "
        "(undo it under Queues).",
    )
    return redirect(target)


@require_POST
def bulk_label_undo(request, pk: int):
    operation = get_object_or_404(BulkLabelOperation, pk=pk, user=request.user)
    try:
        removed = bulk.bulk_label_undo(operation=operation, user=request.user)
    except bulk.BulkLabelError as exc:
        messages.error(request, f"Not undone: {exc}.")
    else:
        messages.success(request, f"Undone: “{operation.label.name}” removed from {removed} turns.")
    return redirect("review-queue-list")
