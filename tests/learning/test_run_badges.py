"""A run says which skill version and experiment arm produced it: on its pages (a badge linking
to the version and the experiment) and in its exported trajectory's metadata."""

from __future__ import annotations

import pytest
from django.urls import reverse

from simulations.learning.arms import arms_parse
from simulations.learning.models import ExperimentRun, SkillVersion
from simulations.learning.services.experiments import experiment_create
from tests.review.conftest import build_simulation
from tests.review.test_export import export_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs(make_pool, user):
    """(a skills-arm run of an experiment, a plain run) on one computer."""
    pool = make_pool("h", 1)
    computer = pool.computers.get()
    version = SkillVersion.objects.create(occupation="payroll", version=3, text="# Skills")
    experiment = experiment_create(
        name="lift", heldout_pool=pool, arms=arms_parse("baseline,skills"),
        skill_versions=[version], created_by=user,
    )  # fmt: skip
    skilled, plain = (build_simulation(computer, user=user) for _ in range(2))
    skilled.skill_version = version
    skilled.save(update_fields=["skill_version"])
    ExperimentRun.objects.create(
        experiment=experiment, phase="heldout", arm="skills", computer=computer, seed=1,
        simulation=skilled,
    )  # fmt: skip
    return skilled, plain, version, experiment


def _badges(html: str, version, experiment) -> tuple[bool, bool]:
    skills = f'href="{reverse("learning-skill-version", args=[version.pk])}"' in html
    arm = f'href="{reverse("learning-experiment", args=[experiment.pk])}"' in html
    return skills and "skills payroll v3" in html, arm and f"experiment #{experiment.pk}" in html


def test_pages_show_the_runs_skill_version_and_arm(auth_client, runs):
    skilled, plain, version, experiment = runs
    listing = auth_client.get(reverse("simulations-list")).content.decode()
    assert _badges(listing, version, experiment) == (True, True)
    assert f"experiment #{experiment.pk} · skills" in listing
    for name in ("simulations-detail", "simulations-live"):
        html = auth_client.get(reverse(name, args=[skilled.pk])).content.decode()
        assert _badges(html, version, experiment) == (True, True), name
        html = auth_client.get(reverse(name, args=[plain.pk])).content.decode()
        assert _badges(html, version, experiment) == (False, False), name


def test_the_export_says_which_skills_and_arm_produced_a_trajectory(runs):
    skilled, plain, version, experiment = runs
    records = {r["metadata"]["simulation_id"]: r["metadata"] for r in export_all()[0]}
    assert records[skilled.pk]["skill_version"] == {
        "id": version.pk,
        "occupation": "payroll",
        "version": 3,
    }
    assert records[skilled.pk]["experiment"] == {
        "id": experiment.pk,
        "arm": "skills",
        "phase": "heldout",
    }
    assert records[plain.pk]["skill_version"] is None and records[plain.pk]["experiment"] is None
    assert records[plain.pk]["worker_prompt_variant"] == ""
