"""The statistics of an experiment, from plain observations (no database here).

An observation is one finished held-out run: its computer, its arm, its rubric score in
percent of the rubric's points, the same per rubric tag, and its process signals. Several
runs of one computer and arm are averaged first, so each computer counts once: the unit of
the paper's comparison is the held-out computer.

- per arm: the mean over computers and a percentile bootstrap 95 % interval of it
  (computers resampled with replacement, seeded, so a report is reproducible);
- per arm against the first arm (the baseline): the paired lift, the mean over computers of
  (arm - baseline) in percentage points, with its bootstrap interval, and wins / ties /
  losses counted per computer;
- the same by occupation and by rubric tag; process signals per arm (means per run).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

RESAMPLES = 2000
LEVEL = 0.95
TAGS = ("spec", "interaction", "expertise", "reference", "quality")


@dataclass(frozen=True)
class Observation:
    computer: int
    arm: str
    score: float  # percent of the rubric's points
    occupation: str = ""
    tags: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # (awarded, points)
    tool_errors: int = 0
    loops: int = 0
    failure_modes: Mapping[str, int] = field(default_factory=dict)
    turns: int = 0
    tokens: int = 0


@dataclass(frozen=True)
class ArmStats:
    arm: str
    computers: int
    mean: float | None
    ci: tuple[float, float] | None
    lift: float | None = None  # None for the baseline itself
    lift_ci: tuple[float, float] | None = None
    wins: int = 0
    ties: int = 0
    losses: int = 0


@dataclass(frozen=True)
class ProcessStats:
    arm: str
    runs: int
    tool_errors: float
    loops: float
    turns: float
    tokens: float
    failure_modes: dict[str, int]


@dataclass(frozen=True)
class ExperimentStats:
    arms: list[ArmStats]
    by_occupation: dict[str, list[ArmStats]]
    by_tag: dict[str, list[ArmStats]]
    process: list[ProcessStats]
    per_computer: dict[int, dict[str, dict]]  # computer -> arm -> {score, tags: {tag: score}}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def bootstrap_ci(
    values: Iterable[float], *, seed: int | str, resamples: int = RESAMPLES, level: float = LEVEL
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean; None without values."""
    values = list(values)
    if not values:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    tail = (1 - level) / 2
    low = means[math.floor(tail * resamples)]
    high = means[math.ceil((1 - tail) * resamples) - 1]
    return low, high


def by_computer(
    observations: Iterable[Observation], value: Callable[[Observation], float | None]
) -> dict[str, dict[int, float]]:
    """arm -> computer -> the mean of ``value`` over that computer's runs in that arm."""
    found: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for o in observations:
        v = value(o)
        if v is not None:
            found[o.arm][o.computer].append(v)
    return {arm: {c: sum(vs) / len(vs) for c, vs in runs.items()} for arm, runs in found.items()}


def compare(
    scores: Mapping[str, Mapping[int, float]], *, arms: list[str], seed: int
) -> list[ArmStats]:
    """Each arm's mean and interval; each arm after the first against the first, paired."""
    baseline = scores.get(arms[0], {})
    out = []
    for arm in arms:
        mine = scores.get(arm, {})
        values = [mine[c] for c in sorted(mine)]
        stats = ArmStats(
            arm=arm,
            computers=len(values),
            mean=_mean(values),
            ci=bootstrap_ci(values, seed=f"{seed}:{arm}"),
        )
        if arm != arms[0]:
            paired = sorted(set(mine) & set(baseline))
            diffs = [mine[c] - baseline[c] for c in paired]
            stats = replace(
                stats,
                lift=_mean(diffs),
                lift_ci=bootstrap_ci(diffs, seed=f"{seed}:{arm}:lift"),
                wins=sum(d > 0 for d in diffs),
                ties=sum(d == 0 for d in diffs),
                losses=sum(d < 0 for d in diffs),
            )
        out.append(stats)
    return out


def _tag_score(tag: str) -> Callable[[Observation], float | None]:
    def value(o: Observation) -> float | None:
        awarded, points = o.tags.get(tag, (0.0, 0.0))
        return 100 * awarded / points if points else None

    return value


def _process(observations: list[Observation], arms: list[str]) -> list[ProcessStats]:
    out = []
    for arm in arms:
        mine = [o for o in observations if o.arm == arm]
        modes: Counter = Counter()
        for o in mine:
            modes.update(o.failure_modes)
        out.append(
            ProcessStats(
                arm=arm,
                runs=len(mine),
                tool_errors=_mean([o.tool_errors for o in mine]) or 0.0,
                loops=_mean([o.loops for o in mine]) or 0.0,
                turns=_mean([o.turns for o in mine]) or 0.0,
                tokens=_mean([o.tokens for o in mine]) or 0.0,
                failure_modes=dict(modes.most_common()),
            )
        )
    return out


def experiment_stats(
    observations: Iterable[Observation], *, arms: list[str], seed: int
) -> ExperimentStats:
    observations = list(observations)
    scores = by_computer(observations, lambda o: o.score)
    tags = {tag: by_computer(observations, _tag_score(tag)) for tag in TAGS}
    occupations = sorted({o.occupation for o in observations})
    per_computer = {}
    for computer in sorted({o.computer for o in observations}):
        per_computer[computer] = {
            arm: {
                "score": scores[arm][computer],
                "tags": {
                    t: tags[t][arm][computer] for t in TAGS if computer in tags[t].get(arm, {})
                },
            }
            for arm in arms
            if computer in scores.get(arm, {})
        }
    return ExperimentStats(
        arms=compare(scores, arms=arms, seed=seed),
        by_occupation={
            occupation: compare(
                by_computer(
                    [o for o in observations if o.occupation == occupation], lambda o: o.score
                ),
                arms=arms,
                seed=seed,
            )
            for occupation in occupations
        },
        by_tag={tag: compare(tags[tag], arms=arms, seed=seed) for tag in TAGS},
        process=_process(observations, arms),
        per_computer=per_computer,
    )
