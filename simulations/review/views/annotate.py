"""One simulation's review: its overview, the keyboard-driven turn review, labels, comments and
flags, and the label taxonomy. Every form works without JavaScript (POST, then redirect back
to the turn); review.js sends the same forms with fetch and swaps in the returned partial."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from simulations.models import Turn
from simulations.review import access as review_access
from simulations.review import comparison, export, selectors
from simulations.review.forms import AnnotationForm, FlagForm, LabelForm, LabelToggleForm
from simulations.review.models import Label
from simulations.review.services import annotations as annotation_services
from simulations.review.services import labels as label_services
from simulations.review.views.access import get_simulation_for_user, get_turn_for_user, wants_json


def _first_bad_seq(simulation) -> int | None:
    return (
        simulation.annotations.filter(labels__is_bad=True)
        .order_by("turn__seq")
        .values_list("turn__seq", flat=True)
        .first()
    )


def _bad_rule(simulation) -> dict:
    """What the review pages say about bad labels, read from the export's own rule."""
    return {
        "bad_labels": export.bad_label_names(),
        "policies": export.POLICY_TEXT,
        "first_bad_seq": _first_bad_seq(simulation),
    }


def _turn_url(simulation_id: int, seq: int) -> str:
    return reverse("review-turn", args=[simulation_id, seq]) + f"#turn-{seq}"


@require_GET
def simulation_detail(request, pk: int):
    simulation = get_simulation_for_user(request, pk)
    summary = comparison.run_summary(simulation=simulation)
    return render(
        request,
        "review/simulation.html",
        {
            "sim": simulation,
            "summary": summary,
            "my_flag": selectors.flag_of(simulation=simulation, user=request.user),
            "flag_form": FlagForm(),
            "others": comparison.compare_candidates(simulation=simulation, user=request.user),
            **_bad_rule(simulation),
        },
    )


@require_GET
def turn_review(request, pk: int, seq: int):
    simulation = get_simulation_for_user(request, pk)
    window = selectors.turn_window(simulation=simulation, seq=seq, user=request.user)
    if not window.rows and seq != 1:
        return redirect("review-turn", pk=simulation.pk, seq=1)
    return render(
        request,
        "review/review.html",
        {
            "sim": simulation,
            "window": window,
            "labels": selectors.labels_active(),
            "my_flag": selectors.flag_of(simulation=simulation, user=request.user),
            "flags": selectors.simulation_flags(simulation=simulation),
            **_bad_rule(simulation),
        },
    )


def _annotation_response(request, simulation, turn: Turn, *, error: str = "", status: int = 200):
    if wants_json(request):
        row = selectors.annotation_rows(turns=[turn], user=request.user)[0]
        html = render_to_string(
            "review/_annotation.html",
            {"sim": simulation, "row": row, "labels": selectors.labels_active()},
            request=request,
        )
        return JsonResponse(
            {"seq": turn.seq, "html": html, "bad": row.bad, "error": error}, status=status
        )
    if error:
        messages.error(request, f"Not saved: {error}.")
    return redirect(_turn_url(simulation.pk, turn.seq))


def _errors(form) -> str:
    return "; ".join(e for errs in form.errors.values() for e in errs)


@require_POST
def turn_annotate(request, pk: int, seq: int):
    simulation, turn = get_turn_for_user(request, pk, seq)
    form = AnnotationForm(request.POST)
    if not form.is_valid():
        return _annotation_response(request, simulation, turn, status=400, error=_errors(form))
    try:
        annotation_services.turn_annotate(
            turn=turn,
            user=request.user,
            label_ids=[lb.pk for lb in form.cleaned_data["labels"]],
            comment=form.cleaned_data["comment"],
        )
    except annotation_services.AnnotationError as exc:
        return _annotation_response(request, simulation, turn, error=str(exc), status=400)
    return _annotation_response(request, simulation, turn)


@require_POST
def turn_label(request, pk: int, seq: int):
    simulation, turn = get_turn_for_user(request, pk, seq)
    form = LabelToggleForm(request.POST)
    if not form.is_valid():
        return _annotation_response(request, simulation, turn, status=400, error=_errors(form))
    annotation_services.turn_label_toggle(
        turn=turn, user=request.user, label=form.cleaned_data["label"]
    )
    return _annotation_response(request, simulation, turn)


@require_POST
def simulation_flag(request, pk: int):
    simulation = get_simulation_for_user(request, pk)
    form = FlagForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "choose bad, needs review or good"
    elif form.cleaned_data["flag"] == "clear":
        annotation_services.trajectory_unflag(simulation=simulation, user=request.user)
    else:
        try:
            annotation_services.trajectory_flag(
                simulation=simulation,
                user=request.user,
                flag=form.cleaned_data["flag"],
                reason=form.cleaned_data["reason"],
            )
        except annotation_services.AnnotationError as exc:
            error = str(exc)
    if wants_json(request):
        html = render_to_string(
            "review/_flag.html",
            {
                "sim": simulation,
                "my_flag": selectors.flag_of(simulation=simulation, user=request.user),
                "flags": selectors.simulation_flags(simulation=simulation),
            },
            request=request,
        )
        return JsonResponse({"html": html, "error": error}, status=400 if error else 200)
    if error:
        messages.error(request, f"Not flagged: {error}.")
    else:
        messages.success(request, f"Simulation #{simulation.pk}: flag saved.")
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("review-simulation", pk=simulation.pk)


# -- the taxonomy ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def label_list(request):
    form = LabelForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                label = label_services.label_create(
                    user=request.user,
                    name=d["name"],
                    colour=d["colour"],
                    is_bad=d["is_bad"],
                    hotkey=d["hotkey"],
                    description=d["description"],
                )
            except label_services.LabelPermissionError as exc:
                form.add_error("hotkey", str(exc))
            except label_services.LabelError as exc:
                form.add_error("name", str(exc))
            else:
                messages.success(request, f"Label “{label.name}” added.")
                return redirect("review-label-list")
        status = 400
    else:
        status = 200
    rows = [
        (
            label,
            review_access.label_editable(label=label, user=request.user),
            LabelForm(
                initial={
                    "name": label.name,
                    "description": label.description,
                    "colour": label.colour,
                    "is_bad": label.is_bad,
                    "hotkey": label.hotkey,
                    "active": label.active,
                },
                prefix=f"l{label.pk}",
            ),
        )
        for label in Label.objects.select_related("created_by").order_by("-active", "order", "name")
    ]
    context = {"form": form, "rows": rows, "changes": selectors.label_change_list(limit=50)}
    return render(request, "review/labels.html", context, status=status)


@require_POST
def label_edit(request, label_id: int):
    label = get_object_or_404(Label, pk=label_id)
    form = LabelForm(request.POST, prefix=f"l{label.pk}")
    if not form.is_valid():
        messages.error(
            request,
            "Label not saved: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
        return redirect("review-label-list")
    d = form.cleaned_data
    try:
        label_services.label_update(
            label=label,
            user=request.user,
            name=d["name"],
            colour=d["colour"],
            is_bad=d["is_bad"],
            hotkey=d["hotkey"],
            description=d["description"],
            active=d["active"],
        )
    except label_services.LabelPermissionError as exc:
        raise PermissionDenied(str(exc)) from None
    except label_services.LabelError as exc:
        messages.error(request, f"Label not saved: {exc}.")
        return redirect("review-label-list")
    messages.success(request, f"Label “{label.name}” saved.")
    return redirect("review-label-list")
