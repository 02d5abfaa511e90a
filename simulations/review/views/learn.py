"""Learn: lessons of the runs by occupation, and the skill documents distilled from them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from simulations.review import skills
from simulations.review.models import SkillDocument

TOP_LESSONS = 5


@require_GET
def skill_list(request):
    groups = skills.lessons_by_occupation()
    documents = {d.occupation: d for d in SkillDocument.objects.all()}
    rows = [
        (group, group.lessons[:TOP_LESSONS], documents.get(name)) for name, group in groups.items()
    ]
    stale = [d for name, d in documents.items() if name not in groups]
    return render(
        request,
        "review/skills.html",
        {
            "rows": rows,
            "stale": stale,
            "polling": any(
                d.state in (d.State.QUEUED, d.State.RUNNING) for d in documents.values()
            ),
        },
    )


@require_POST
def skill_distill(request):
    occupation = request.POST.get("occupation", "").strip() or None
    if occupation and occupation not in skills.lessons_by_occupation():
        messages.error(request, f"No contributing run of “{occupation}” has lessons.")
        return redirect("review-skill-list")
    documents = skills.skill_documents_request(requested_by=request.user, occupation=occupation)
    messages.success(request, f"Distilling {len(documents)} skill document(s).")
    return redirect("review-skill-list")


@require_GET
def skill_detail(request, pk: int):
    document = get_object_or_404(SkillDocument, pk=pk)
    body = None
    if document.state == SkillDocument.State.READY:
        body = skills.SkillDistillation.model_validate(document.document)
    return render(request, "review/skill.html", {"doc": document, "body": body})


def _run_url(request):
    return lambda pk: request.build_absolute_uri(reverse("review-simulation", args=[pk]))


@require_GET
def skill_markdown(request, pk: int):
    document = get_object_or_404(SkillDocument, pk=pk, state=SkillDocument.State.READY)
    response = HttpResponse(
        skills.skill_document_markdown(document, run_url=_run_url(request)),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="skills-{document.pk}.md"'
    return response


@require_GET
def skill_json(request, pk: int):
    document = get_object_or_404(SkillDocument, pk=pk, state=SkillDocument.State.READY)
    response = HttpResponse(
        skills.skill_documents_json([document]), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="skills-{document.pk}.json"'
    return response


@require_GET
def skills_export(request):
    documents = SkillDocument.objects.filter(state=SkillDocument.State.READY).order_by("occupation")
    response = HttpResponse(skills.skill_documents_json(documents), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="skills.json"'
    return response
