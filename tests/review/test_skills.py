"""Learn: lessons of the offline engine's retrospectives, grouped by occupation and ranked;
skill documents distilled through the gateway; runs flagged bad contribute nothing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from simulations.models import Simulation
from simulations.review import skills
from simulations.review.models import SkillDocument
from simulations.review.services.annotations import trajectory_flag
from studio.models import LLMCall
from tests.review.conftest import clone_computer, run_simulation

pytestmark = pytest.mark.django_db
ODD_LESSON = "Never file the zebra report before the giraffe audit"


@pytest.fixture
def runs(computer_template, user, fast_engine):
    """Two real runs of one computer, one of another computer of the same occupation."""
    first = clone_computer(computer_template, owner=user)
    second = clone_computer(computer_template, owner=user)
    a = run_simulation(first, user=user, max_turns=25, seed=1)
    b = run_simulation(first, user=user, max_turns=45, seed=2)
    c = run_simulation(second, user=user, max_turns=25, seed=3)
    for sim in (a, b, c):
        assert sim.retrospective["lessons"], "the offline judge writes lessons"
    return a, b, c


def test_lessons_grouped_and_ranked(runs):
    a, b, c = runs
    occupation = skills.occupation_of(a.computer.profile, a.computer.job_title)
    assert occupation == "Research and science", a.computer.job_title  # a grants officer
    groups = skills.lessons_by_occupation()
    group = groups[occupation]
    assert sorted(group.simulations) == sorted([a.pk, b.pk, c.pk])
    # Each lesson counts the distinct runs that taught it; the most recurrent come first.
    expected: dict[str, set[int]] = {}
    for sim in (a, b, c):
        for lesson in sim.retrospective["lessons"]:
            expected.setdefault(skills.lesson_key(lesson), set()).add(sim.pk)
    assert {skills.lesson_key(x.text): set(x.simulations) for x in group.lessons} == expected
    counts = [x.runs for x in group.lessons]
    assert counts == sorted(counts, reverse=True)
    assert group.workdays == sum(s.workday for s in (a, b, c)) > 0
    assert "month" not in group.span and "workday" in group.span


@pytest.mark.parametrize(
    ("job_title", "family", "group"),
    [
        ("Logistics Coordinator", "hr", "Logistics and supply chain"),
        ("HR Business Partner", "general business", "Human resources"),
        ("Paediatric Charge Nurse", "", "Healthcare"),
        ("Chief Financial Officer", "finance", "Finance and accounting"),
        ("Programme Coordinator", "", "Operations and administration"),
        ("Chief Happiness Wrangler", "hr", "Human resources"),  # no keyword: the family decides
        ("Chief Happiness Wrangler", "", "Chief Happiness Wrangler"),
        ("", "", "Unspecified occupation"),
    ],
)
def test_occupation_groups_come_from_the_role(job_title, family, group):
    assert skills.occupation_of({"occupation_family": family}, job_title) == group


def test_flagged_bad_runs_contribute_nothing(runs, other_user):
    a, b, c = runs
    bad_retro = dict(b.retrospective, lessons=[ODD_LESSON, *b.retrospective["lessons"]])
    Simulation.objects.filter(pk=b.pk).update(retrospective=bad_retro)
    occupation = skills.occupation_of(a.computer.profile, a.computer.job_title)
    assert ODD_LESSON in [x.text for x in skills.lessons_by_occupation()[occupation].lessons]

    trajectory_flag(simulation=b, user=other_user, flag="bad", reason="the worker loops for hours")
    group = skills.lessons_by_occupation()[occupation]
    assert b.pk not in group.simulations
    assert ODD_LESSON not in [x.text for x in group.lessons]
    assert all(b.pk not in x.simulations for x in group.lessons)

    document = skills.skill_document_build(occupation=occupation)
    assert document.state == SkillDocument.State.READY
    assert b.pk not in {pk for lesson in document.lessons for pk in lesson["simulations"]}
    assert "zebra" not in json.dumps(document.document) + skills.skill_document_markdown(document)


def test_skill_document_through_the_gateway(runs, auth_client):
    a, b, c = runs
    occupation = skills.occupation_of(a.computer.profile, a.computer.job_title)
    document = skills.skill_document_build(occupation=occupation)
    assert document.state == SkillDocument.State.READY, document.error
    call = LLMCall.objects.filter(schema="SkillDistillation").latest("id")
    assert call.role == "judge" and call.outcome == "ok" and call.backend == "offline engine"
    body = skills.SkillDistillation.model_validate(document.document)
    cited = {n for section in body.sections for n in section.lessons}
    assert cited == set(range(1, len(document.lessons) + 1))  # every lesson lands in a section
    top = document.lessons[0]
    assert any(top["text"].rstrip(".") in g for s in body.sections for g in s.guidance)
    assert body.title.startswith(occupation)
    assert "month" not in body.summary and "(s)" not in body.summary
    assert f"{sum(s.workday for s in runs)} simulated workday" in body.summary
    for item in body.checklist:  # imperatives under "Before submitting", each a sentence
        assert item[0].isupper() and item.endswith(".") and not item.startswith("Did I"), item

    markdown = skills.skill_document_markdown(
        document, run_url=lambda pk: f"/review/simulations/{pk}/"
    )
    assert markdown.startswith(f"# {body.title}")
    assert f"[#{a.pk}](/review/simulations/{a.pk}/)" in markdown

    page = auth_client.get(reverse("review-skill", args=[document.pk]))
    assert (
        page.status_code == 200
        and reverse("review-simulation", args=[a.pk]) in page.content.decode()
    )
    listing = auth_client.get(reverse("review-skill-list")).content.decode()
    assert occupation in listing and body.title in listing
    md = auth_client.get(reverse("review-skill-markdown", args=[document.pk]))
    assert (
        md["Content-Type"].startswith("text/markdown")
        and f"/review/simulations/{a.pk}/" in md.content.decode()
    )
    exported = json.loads(auth_client.get(reverse("review-skills-export")).content)
    assert [d["occupation"] for d in exported] == [occupation]
    assert exported[0]["lessons"] == document.lessons


def test_distill_from_the_studio_enqueues_builds(
    runs, auth_client, django_capture_on_commit_callbacks, monkeypatch
):
    from simulations.review import tasks

    sent = []
    monkeypatch.setattr(tasks.build_skill_document, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(reverse("review-skill-distill"))
    assert response.status_code == 302
    occupations = list(skills.lessons_by_occupation())
    assert [args[0] for args in sent] == occupations
    assert set(SkillDocument.objects.values_list("state", flat=True)) == {"queued"}
    tasks.build_skill_document(*sent[0])  # what the worker runs
    assert SkillDocument.objects.get(occupation=occupations[0]).state == "ready"


def test_runs_of_private_pools_are_left_out(computer_template, user, fast_engine):
    private = clone_computer(computer_template, owner=user, shared=False)
    run_simulation(private, user=user, max_turns=20)
    assert skills.lessons_by_occupation() == {}
