"""Versioned skills: distilling makes a new version each time, each recording its runs."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from simulations.learning.models import SkillVersion
from simulations.learning.skills import SkillLeakError, skill_version_check_heldout
from simulations.review.skills import occupation_of
from tests.review.conftest import run_simulation

pytestmark = pytest.mark.django_db


def test_distill_skills_makes_a_new_version_each_time(make_pool, user, fast_engine, capsys):
    pool = make_pool("train-a", 2)
    runs = [
        run_simulation(c, user=user, max_turns=25, seed=n)
        for n, c in enumerate(pool.computers.all(), 1)
    ]
    make_pool("other", 1)  # no runs: nothing of it may enter the version

    call_command("distill_skills", "--pool", "train-a")
    first = SkillVersion.objects.get()
    out = capsys.readouterr().out
    assert out.startswith(f"skill version {first.pk}: {first.occupation} v1 from 2 run(s)")
    assert "offline engine" in out and first.offline
    computer = runs[0].computer
    assert first.occupation == occupation_of(computer.profile, computer.job_title)
    assert set(first.runs.values_list("pk", flat=True)) == {r.pk for r in runs}
    assert first.text.startswith(f"# {first.title}\n") and "Before submitting" in first.text

    call_command("distill_skills", "--pool", str(pool.pk))
    second = SkillVersion.objects.exclude(pk=first.pk).get()
    assert (second.occupation, second.version) == (first.occupation, 2)
    first.refresh_from_db()
    assert first.version == 1 and first.runs.count() == 2  # the old version is kept as it was

    with pytest.raises(SkillLeakError, match=rf"#{computer.pk}\b"):
        skill_version_check_heldout(version=second, computers=[computer])


def test_distill_skills_refuses_unknown_or_empty_pools(make_pool):
    with pytest.raises(CommandError, match="no pool 'nope'"):
        call_command("distill_skills", "--pool", "nope")
    make_pool("empty", 1)
    with pytest.raises(CommandError, match="nothing to distil"):
        call_command("distill_skills", "--pool", "empty")
