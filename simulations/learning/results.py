"""What an experiment has measured so far: its finished held-out runs as observations, their
statistics, and its progress. Read while runs are still going: the page and the reports
show whatever is finished."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict
from typing import Any

from django.db.models import Sum

from simulations.learning.models import Experiment, ExperimentRun
from simulations.learning.stats import Observation, experiment_stats
from simulations.models import RubricItem, Simulation
from simulations.review.skills import occupation_of
from simulations.selectors_usage import Usage, usage_by_run

OFFLINE_WARNING = (
    "offline engine: these runs were produced by the studio's deterministic stand-in, not a "
    "model; their lift exercises the pipeline and is no finding"
)


def _heldout_runs(experiment: Experiment):
    return (
        ExperimentRun.objects.filter(experiment=experiment, phase=ExperimentRun.Phase.HELDOUT)
        .select_related("simulation", "computer", "simulation__skill_version")
        .order_by("computer_id", "index", "id")
    )


def experiment_observations(*, experiment: Experiment) -> list[Observation]:
    runs = [
        r
        for r in _heldout_runs(experiment)
        if r.simulation and r.simulation.state == Simulation.State.COMPLETED
    ]
    tags: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
    rows = (
        RubricItem.objects.filter(objective__simulation__in=[r.simulation_id for r in runs])
        .values("objective__simulation_id", "tag")
        .annotate(awarded=Sum("awarded"), points=Sum("points"))
    )
    for row in rows:
        tags[row["objective__simulation_id"]][row["tag"]] = (
            row["awarded"] or 0.0,
            row["points"] or 0.0,
        )
    out = []
    for run in runs:
        sim, mine = run.simulation, tags[run.simulation_id]
        points = sum(p for _, p in mine.values())
        process = (sim.outcome or {}).get("process") or {}
        out.append(
            Observation(
                computer=run.computer_id,
                arm=run.arm,
                score=100 * sum(a for a, _ in mine.values()) / points if points else 0.0,
                occupation=occupation_of(run.computer.profile, run.computer.job_title),
                tags=mine,
                tool_errors=int(process.get("tool_errors") or 0),
                loops=int(process.get("loops") or 0),
                failure_modes=(sim.outcome or {}).get("failure_modes") or {},
                turns=sim.turn_count,
                tokens=sim.tokens,
            )
        )
    return out


def experiment_progress(*, experiment: Experiment) -> dict[str, Any]:
    states: Counter = Counter()
    for phase, state in experiment.runs.values_list("phase", "simulation__state"):
        states[f"{phase}:{state or 'waiting'}"] += 1
    return {key: states[key] for key in sorted(states)}


def experiment_usage(*, experiment: Experiment) -> list[dict[str, Any]]:
    """Model calls, tokens and cost per arm (train runs as "train"), of every run so far, from
    the one usage selector. The objective agent's call that writes a shared plan counts in its
    leader's arm. ``cost_usd`` sums the priced calls (None: none had a price);
    ``unpriced_calls`` had none; ``cost`` says it in words for the page and the table."""
    arm_of = {
        sim: (arm if phase == ExperimentRun.Phase.HELDOUT else "train")
        for sim, phase, arm in experiment.runs.exclude(simulation=None).values_list(
            "simulation_id", "phase", "arm"
        )
    }
    names = (["train"] if "train" in arm_of.values() else []) + [
        a.name for a in experiment.arm_list
    ]
    totals = dict.fromkeys(names, Usage())
    for simulation_id, usage in usage_by_run(simulation_ids=arm_of).items():
        totals[arm_of[simulation_id]] += usage
    rows = []
    for name, usage in totals.items():
        priced = usage.calls - usage.unpriced_calls
        row = {
            "arm": name, "calls": usage.calls, "prompt_tokens": usage.prompt_tokens,
            "cached_tokens": usage.cached_tokens, "completion_tokens": usage.completion_tokens,
            "cost_usd": usage.cost_usd if priced else None,
            "unpriced_calls": usage.unpriced_calls,
        }  # fmt: skip
        rows.append(row | {"cost": _cost_text(row)})
    return rows


def _cost_text(row: dict[str, Any]) -> str:
    """Dollars to four places; "no price" when no call had one (never $0); a partial sum says
    how many calls it lacks."""
    if row["cost_usd"] is None:
        return "no price" if row["calls"] else "-"
    text = f"${row['cost_usd']:.4f}"
    return text + (f" + {row['unpriced_calls']} calls no price" if row["unpriced_calls"] else "")


def _run_row(run: ExperimentRun) -> dict[str, Any]:
    sim = run.simulation
    return {
        "run": run.pk,
        "phase": run.phase,
        "arm": run.arm,
        "computer": run.computer_id,
        "computer_name": run.computer.display_name,
        "index": run.index,
        "seed": run.seed,
        "plan": run.shared_plan_id,
        "simulation": sim.pk if sim else None,
        "state": sim.state if sim else "waiting for its plan",
        "error": sim.error if sim else "",
        "skill_version": str(sim.skill_version) if sim and sim.skill_version else "",
        "score_pct": (sim.outcome or {}).get("score_pct") if sim else None,
        "turns": sim.turn_count if sim else 0,
        "tokens": sim.tokens if sim else 0,
    }


def experiment_results(*, experiment: Experiment) -> dict[str, Any]:
    """Everything a page or report shows, JSON-ready."""
    arms = [a.name for a in experiment.arm_list]
    observations = experiment_observations(experiment=experiment)
    occupations = {o.computer: o.occupation for o in observations}
    stats = experiment_stats(observations, arms=arms, seed=experiment.seed)
    runs = experiment.runs.select_related(
        "simulation", "computer", "simulation__skill_version"
    ).order_by("phase", "computer_id", "index", "id")
    return {
        "experiment": {
            "id": experiment.pk,
            "name": experiment.name,
            "state": experiment.state,
            "error": experiment.error,
            "engine": experiment.engine,
            "offline": experiment.offline,
            "warning": OFFLINE_WARNING if experiment.offline else "",
            "arms": experiment.arms,
            "runs_per_computer": experiment.runs_per_computer,
            "config": experiment.config,
            "seed": experiment.seed,
            "train_pool": str(experiment.train_pool or ""),
            "heldout_pool": str(experiment.heldout_pool),
            "split_seed": experiment.split_seed,
            "train_computers": list(
                experiment.train_computers.order_by("pk").values_list("pk", flat=True)
            ),
            "heldout_computers": list(
                experiment.heldout_computers.order_by("pk").values_list("pk", flat=True)
            ),
            "skill_versions": [
                {"id": v.pk, "occupation": v.occupation, "version": v.version}
                for v in experiment.skill_versions.order_by("occupation", "version")
            ],
        },
        "progress": experiment_progress(experiment=experiment),
        "arms": [asdict(a) for a in stats.arms],
        "by_occupation": {k: [asdict(a) for a in v] for k, v in stats.by_occupation.items()},
        "by_tag": {k: [asdict(a) for a in v] for k, v in stats.by_tag.items()},
        "process": [asdict(p) for p in stats.process],
        "usage": experiment_usage(experiment=experiment),
        "per_computer": [
            {"computer": computer, "occupation": occupations[computer], "arms": arms_of}
            for computer, arms_of in stats.per_computer.items()
        ],
        "runs": [_run_row(r) for r in runs],
    }
