"""The experiment statistics against a small example computed by hand."""

from __future__ import annotations

import pytest

from simulations.learning.stats import Observation, bootstrap_ci, experiment_stats


def obs(computer, arm, score, occupation, tool_errors=0, **extra):
    return Observation(computer=computer, arm=arm, score=score, occupation=occupation,
                       tool_errors=tool_errors, **extra)  # fmt: skip


EXAMPLE = [
    # computer 1 (payroll): two baseline runs, averaged to 55
    obs(1, "baseline", 50, "payroll", 1, tags={"spec": (3, 4)}, failure_modes={"loop": 1}),
    obs(1, "baseline", 60, "payroll", 3, tags={"spec": (2, 4)}),
    obs(1, "skills", 80, "payroll", 0, tags={"spec": (4, 4)}),
    obs(2, "baseline", 40, "payroll", 0, tags={"spec": (1, 4)}),
    obs(2, "skills", 40, "payroll", 1, tags={"spec": (1, 4)}, failure_modes={"loop": 2}),
    obs(3, "baseline", 70, "nurse", 2),  # no spec item: left out of the tag's figures
    obs(3, "skills", 60, "nurse", 2),
]


def test_the_hand_computed_example():
    stats = experiment_stats(EXAMPLE, arms=["baseline", "skills"], seed=7)
    scores = {c: {a: v["score"] for a, v in arms.items()} for c, arms in stats.per_computer.items()}
    assert scores == {1: {"baseline": 55, "skills": 80}, 2: {"baseline": 40, "skills": 40},
                      3: {"baseline": 70, "skills": 60}}  # fmt: skip
    assert stats.per_computer[1]["baseline"]["tags"] == {"spec": 62.5}
    assert stats.per_computer[3]["skills"]["tags"] == {}
    base, skills = stats.arms
    assert (base.arm, base.computers, base.mean, base.lift) == ("baseline", 3, 55, None)
    assert (skills.computers, skills.mean) == (3, 60)
    # paired differences 25, 0, -10: lift 5, one win, one tie, one loss
    assert skills.lift == pytest.approx(5)
    assert (skills.wins, skills.ties, skills.losses) == (1, 1, 1)
    # three computers: a resample is all-lowest (or all-highest) with chance 1/27 > 2.5 %,
    # so the 95 % percentile interval runs from the lowest to the highest value
    assert skills.lift_ci == (-10, 25)
    assert base.ci == (40, 70) and skills.ci == (40, 80)

    payroll = {a.arm: a for a in stats.by_occupation["payroll"]}
    assert (payroll["baseline"].mean, payroll["skills"].mean) == (47.5, 60)
    assert payroll["skills"].lift == 12.5
    assert (payroll["skills"].wins, payroll["skills"].ties, payroll["skills"].losses) == (1, 1, 0)
    nurse = {a.arm: a for a in stats.by_occupation["nurse"]}
    assert nurse["skills"].lift == -10 and nurse["skills"].losses == 1

    # spec: computer 1 baseline (75 + 50) / 2 = 62.5, skills 100; computer 2: 25 and 25
    spec = {a.arm: a for a in stats.by_tag["spec"]}
    assert (spec["baseline"].computers, spec["baseline"].mean) == (2, 43.75)
    assert spec["skills"].mean == 62.5 and spec["skills"].lift == 18.75
    assert stats.by_tag["quality"][0].computers == 0 and stats.by_tag["quality"][0].mean is None

    base_process, skills_process = stats.process
    assert (base_process.runs, base_process.tool_errors) == (4, 1.5)
    assert (skills_process.runs, skills_process.tool_errors) == (3, 1)
    assert base_process.failure_modes == {"loop": 1} and skills_process.failure_modes == {"loop": 2}


def test_bootstrap_interval_by_hand():
    # two values: resampled means are 10, 15 or 20 with chances 1/4, 1/2, 1/4, so the 2.5 %
    # and 97.5 % percentiles of 2000 resamples are 10 and 20
    assert bootstrap_ci([10, 20], seed=1) == (10, 20)
    assert bootstrap_ci([7, 7, 7], seed=1) == (7, 7)
    assert bootstrap_ci([], seed=1) is None
    values = [3, 9, 4, 12, 8]
    assert bootstrap_ci(values, seed=5) == bootstrap_ci(values, seed=5), "seeded"
    low, high = bootstrap_ci(values, seed=5)
    assert 3 <= low < sum(values) / 5 < high <= 12
