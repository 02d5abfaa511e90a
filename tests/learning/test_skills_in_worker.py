"""A run launched with a skill version records it, its worker reads the version in its system
prompt, and the offline worker follows the lessons it recognises."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from simulations.engine.worker_prompt import SKILLS_HEADING
from simulations.learning.models import SkillVersion
from simulations.models import Simulation
from studio.llm.offline.agents_conversation import LESSON_BEHAVIOURS
from studio.models import LLMCall

pytestmark = pytest.mark.django_db

SKILL_TEXT = (
    "# Skills for payroll\n\nWhat earlier months taught.\n\n## Timing\n"
    "- Plan the month backwards from the due dates and submit early drafts.\n"
)


@pytest.fixture
def version(db):
    return SkillVersion.objects.create(
        occupation="payroll", version=1, title="Skills for payroll", text=SKILL_TEXT
    )


def _notes(simulation: Simulation) -> list[tuple[str, str]]:
    turns = simulation.turns.filter(action="submit_deliverable", error="").order_by("seq")
    return [(t.arguments["deliverable"], t.arguments["note"]) for t in turns]


def _worker_prefixes(simulation: Simulation) -> list[str]:
    """The system prompt and the month message: the stable prefix of every worker call."""
    calls = LLMCall.objects.filter(simulation_id=simulation.pk, role="worker")
    return [m["content"] for c in calls for m in c.request["messages"][:2]]


def test_simulate_with_skills_runs_the_worker_with_the_version(
    make_pool, version, fast_engine, capsys
):
    assert "submit early drafts" in LESSON_BEHAVIOURS
    computer = make_pool("p", 1).computers.get()
    args = ["--computer", str(computer.pk), "--turns", "60", "--workdays", "3", "--inline"]
    call_command("simulate", *args, "--skills", str(version.pk), "--seed", "3")
    assert f"with skills payroll v1 (version id {version.pk})" in capsys.readouterr().out
    skilled = Simulation.objects.get(skill_version=version)
    first = LLMCall.objects.filter(simulation_id=skilled.pk, role="worker").order_by("pk").first()
    system, month = first.request["messages"][:2]
    assert system["role"] == "system" and SKILLS_HEADING not in system["content"]
    # the skills follow who-you-are in the month message, part of the stable prefix
    assert f"## {SKILLS_HEADING} (payroll, version 1)" in month["content"]
    assert SKILL_TEXT.strip() in month["content"]
    # the offline worker follows the lesson it recognises: each deliverable goes in early,
    # corrections (if any) as a resubmission
    first_submissions = {}
    for key, note in _notes(skilled):
        first_submissions.setdefault(key, note)
    assert first_submissions and all("Early draft" in n for n in first_submissions.values())

    call_command("simulate", *args, "--seed", "3")
    plain = Simulation.objects.exclude(pk=skilled.pk).get()
    assert plain.skill_version is None
    assert all(SKILLS_HEADING not in s for s in _worker_prefixes(plain))
    assert not any("Early draft" in n for _, n in _notes(plain))

    with pytest.raises(CommandError, match="no skill version 999"):
        call_command("simulate", *args, "--skills", "999")


def test_launch_form_starts_a_batch_with_a_skill_version(make_pool, version, auth_client):
    computer = make_pool("p", 1).computers.get()
    page = auth_client.get(reverse("simulations-new"))
    assert "payroll v1" in page.content.decode()
    response = auth_client.post(
        reverse("simulations-new"),
        {
            "computers": [computer.pk],
            "per_computer": 2,
            "workdays": 2,
            "max_turns": 10,
            "skill_version": version.pk,
        },
    )
    assert response.status_code == 302
    assert list(Simulation.objects.values_list("skill_version", flat=True)) == [version.pk] * 2
