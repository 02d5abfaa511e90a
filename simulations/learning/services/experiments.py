"""Running an experiment: train runs, their retrospectives, skill versions distilled from
them, then every arm on the held-out computers with paired runs.

State machine::

    draft -> training -> distilling -> evaluating -> done
                  \\____________\\_______-> failed --(start again)--> training

``experiment_advance`` takes the next step from the database alone. While an experiment is
active a Celery task calls it every EXPERIMENT_CHECK_SECONDS; each call schedules the next
one with a new tick, and a check whose tick is not the latest does nothing, so restarting the
chain (``experiment run``, or the workers' sweeper when a check message was lost) never doubles
it. Runs fan out over the workers like any batch; a
failed run holds its phase until it is retried (``simulation_resume``) or cancelled.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from pydantic import ValidationError

from simulations.config import SimulationConfig
from simulations.learning.arms import Arm
from simulations.learning.models import Experiment, ExperimentRun, SharedPlan, SkillVersion
from simulations.learning.skills import (
    SkillLeakError,
    skill_version_check_heldout,
    skill_version_for_computer,
    skill_versions_distill,
)
from simulations.models import Simulation
from simulations.review.skills import contributing_runs
from simulations.services.simulations import simulation_create
from studio.llm import gateway
from studio.models import Computer, PersonaPool

State = Experiment.State
Phase = ExperimentRun.Phase
FINISHED = (Simulation.State.COMPLETED, Simulation.State.CANCELLED)
MAX_RUNS_PER_COMPUTER = 20
STALE_CHECKS = 5  # checks missed in a row before the sweeper schedules a fresh one


class ExperimentRequestError(ValueError):
    """A request that cannot be carried out; the message is shown to the researcher."""


def _ready(pool: PersonaPool) -> list[Computer]:
    return list(pool.computers.filter(state=Computer.State.READY).order_by("pk"))


def _split(computers: list[Computer], *, seed: int, fraction: float):
    """A seeded random split of one pool: (train, held-out), each in id order."""
    shuffled = list(computers)
    random.Random(seed).shuffle(shuffled)
    n = max(1, min(len(shuffled) - 1, round(len(shuffled) * fraction)))
    return sorted(shuffled[n:], key=lambda c: c.pk), sorted(shuffled[:n], key=lambda c: c.pk)


def _engine(arms: list[Arm], base: SimulationConfig) -> str:
    labels = {
        "worker: " + gateway.role_config("worker", arm.config(base).overrides("worker")).label
        for arm in arms
    }
    labels.add("judge: " + gateway.role_config("judge", base.overrides("judge")).label)
    return "; ".join(sorted(labels))


def experiment_create(
    *,
    name: str,
    heldout_pool: PersonaPool,
    arms: list[Arm],
    train_pool: PersonaPool | None = None,
    split_seed: int | None = None,
    heldout_fraction: float = 0.5,
    runs_per_computer: int = 1,
    config: SimulationConfig | dict | None = None,
    skill_versions: list[SkillVersion] = (),
    reuse_train_runs: bool = True,
    seed: int = 0,
    created_by=None,
) -> Experiment:
    if not name.strip():
        raise ExperimentRequestError("an experiment needs a name")
    if not 1 <= runs_per_computer <= MAX_RUNS_PER_COMPUTER:
        raise ExperimentRequestError(f"runs per computer: 1 to {MAX_RUNS_PER_COMPUTER}")
    try:
        base = SimulationConfig.model_validate(config or {})
    except ValidationError as exc:
        raise ExperimentRequestError(f"invalid setting: {exc.errors()[0]['msg']}") from None
    if split_seed is not None:
        if train_pool not in (None, heldout_pool):
            raise ExperimentRequestError("a split divides one pool: name only that pool")
        if not 0 < heldout_fraction < 1:
            raise ExperimentRequestError("the held-out fraction lies between 0 and 1")
        train_pool = heldout_pool
        train, heldout = _split(_ready(heldout_pool), seed=split_seed, fraction=heldout_fraction)
    else:
        if train_pool is not None and train_pool.pk == heldout_pool.pk:
            raise ExperimentRequestError(
                f"train and held-out pool are both {heldout_pool}: split it with a seed instead"
            )
        train, heldout = (_ready(train_pool) if train_pool else []), _ready(heldout_pool)
    if not heldout:
        raise ExperimentRequestError(f"the held-out pool {heldout_pool} has no ready computer")
    if any(a.setting == "skills" for a in arms) and not (train or skill_versions):
        raise ExperimentRequestError("the skills arm needs train computers or a skill version")
    try:
        for version in skill_versions:
            skill_version_check_heldout(version=version, computers=heldout)
    except SkillLeakError as exc:
        raise ExperimentRequestError(str(exc)) from None
    with transaction.atomic():
        experiment = Experiment.objects.create(
            name=name.strip()[:200],
            created_by=created_by,
            train_pool=train_pool,
            heldout_pool=heldout_pool,
            split_seed=split_seed,
            arms=[a.model_dump() for a in arms],
            runs_per_computer=runs_per_computer,
            reuse_train_runs=reuse_train_runs,
            config=base.model_dump(mode="json"),
            seed=seed or random.SystemRandom().randrange(1, 2**40),
            engine=_engine(arms, base),
        )
        experiment.train_computers.set(train)
        experiment.heldout_computers.set(heldout)
        experiment.skill_versions.set(skill_versions)
    return experiment


def _schedule(experiment: Experiment) -> None:
    from simulations.learning.tasks import advance_experiment

    Experiment.objects.filter(pk=experiment.pk).update(
        tick=F("tick") + 1, checked_at=timezone.now()
    )
    tick = Experiment.objects.values_list("tick", flat=True).get(pk=experiment.pk)
    transaction.on_commit(
        lambda: advance_experiment.apply_async(
            (experiment.pk, tick), countdown=settings.EXPERIMENT_CHECK_SECONDS
        )
    )


def _fail(experiment: Experiment, error: str) -> None:
    Experiment.objects.filter(pk=experiment.pk).update(
        state=State.FAILED, error=error[:4000], finished_at=timezone.now()
    )


def experiment_start(*, experiment: Experiment) -> Experiment:
    """Start a new (or failed) experiment; restart the check chain of an active one."""
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if experiment.state == State.DONE:
            raise ExperimentRequestError(f"experiment {experiment.pk} is done")
        if experiment.state in (State.DRAFT, State.FAILED):
            skills = any(a.setting == "skills" for a in experiment.arm_list)
            training = skills and not experiment.skill_versions.exists()
            Experiment.objects.filter(pk=experiment.pk).update(
                state=State.TRAINING if training else State.EVALUATING,
                error="",
                started_at=experiment.started_at or timezone.now(),
                finished_at=None,
            )
            experiment.refresh_from_db()
            if training:
                _train_runs_create(experiment)
            else:
                _heldout_runs_create(experiment)
        _schedule(experiment)
    experiment.refresh_from_db()
    return experiment


def _base(experiment: Experiment, seed: int) -> SimulationConfig:
    return SimulationConfig.model_validate(experiment.config | {"seed": seed})


def _train_runs_create(experiment: Experiment) -> None:
    computers = experiment.train_computers.order_by("pk")
    for position, computer in enumerate(computers):
        done = contributing_runs(among=Simulation.objects.filter(computer=computer))
        if experiment.reuse_train_runs and done.exists():
            continue
        for index in range(experiment.runs_per_computer):
            seed = experiment.seed + 500_000 + position * 100 + index
            run, _ = ExperimentRun.objects.get_or_create(
                experiment=experiment,
                phase=Phase.TRAIN,
                arm="",
                computer=computer,
                index=index,
                defaults={"seed": seed},
            )
            if run.simulation_id is None:
                run.simulation = simulation_create(
                    computer=computer,
                    created_by=experiment.created_by,
                    config=_base(experiment, run.seed),
                )
                run.save(update_fields=["simulation"])


def _heldout_runs_create(experiment: Experiment) -> None:
    """Every (computer, run, arm) slot, one shared plan per computer; leaders start now."""
    computers = list(experiment.heldout_computers.order_by("pk"))
    arms = experiment.arm_list
    if any(a.setting == "skills" for a in arms):
        for version in experiment.skill_versions.all():
            skill_version_check_heldout(version=version, computers=computers)
    for position, computer in enumerate(computers):
        existing = experiment.runs.filter(phase=Phase.HELDOUT, computer=computer).first()
        plan = existing.shared_plan if existing else None
        if plan is None:
            plan = SharedPlan.objects.create(computer=computer, seed=experiment.seed + position)
        for index in range(experiment.runs_per_computer):
            for arm in arms:
                ExperimentRun.objects.get_or_create(
                    experiment=experiment,
                    phase=Phase.HELDOUT,
                    arm=arm.name,
                    computer=computer,
                    index=index,
                    defaults={
                        "seed": experiment.seed + position * 100 + index,
                        "shared_plan": plan,
                    },
                )
    _heldout_runs_start(experiment)


def _heldout_runs_start(experiment: Experiment) -> None:
    """Start the runs whose plan is written; of a plan not yet written, start one run only
    (the leader; the next in line if the leader was cancelled before writing it)."""
    arms = {a.name: a for a in experiment.arm_list}
    order = list(arms)
    versions = list(experiment.skill_versions.all())
    runs = list(
        experiment.runs.filter(phase=Phase.HELDOUT).select_related(
            "shared_plan", "simulation", "computer"
        )
    )
    runs.sort(key=lambda r: (r.computer_id, r.index, order.index(r.arm)))
    writing = {
        r.shared_plan_id
        for r in runs
        if r.simulation and r.simulation.state != Simulation.State.CANCELLED
    }
    for run in runs:
        if run.simulation_id is not None:
            continue
        if not run.shared_plan.ready:
            if run.shared_plan_id in writing:
                continue
            writing.add(run.shared_plan_id)
        arm = arms[run.arm]
        skill = None
        if arm.setting == "skills":
            skill = skill_version_for_computer(versions=versions, computer=run.computer)
        run.simulation = simulation_create(
            computer=run.computer,
            created_by=experiment.created_by,
            config=arm.config(_base(experiment, run.seed)),
            skill_version=skill,
            shared_plan=run.shared_plan,
        )
        run.save(update_fields=["simulation"])


def _phase_finished(experiment: Experiment, phase: str) -> bool:
    # a run not started yet has no simulation, and counts as unfinished too
    return not experiment.runs.filter(phase=phase).exclude(simulation__state__in=FINISHED).exists()


def _distill(experiment: Experiment) -> None:
    if experiment.reuse_train_runs:
        among = Simulation.objects.filter(computer__in=experiment.train_computers.all())
    else:
        among = Simulation.objects.filter(experiment_run__experiment=experiment)
    try:
        versions = skill_versions_distill(among=among, created_by=experiment.created_by)
    except gateway.LLMError as exc:
        _fail(experiment, f"the distillation failed: {exc}")
        return
    if not versions:
        _fail(experiment, "no completed train run has lessons to distil")
        return
    experiment.skill_versions.add(*versions)
    try:
        with transaction.atomic():
            Experiment.objects.filter(pk=experiment.pk).update(state=State.EVALUATING)
            _heldout_runs_create(experiment)
    except SkillLeakError as exc:
        _fail(experiment, str(exc))


def experiment_advance(*, experiment_id: int, tick: int | None = None) -> None:
    """Take the experiment's next step; ``tick``: act only if this is the latest check."""
    experiment = Experiment.objects.get(pk=experiment_id)
    if (tick is not None and tick != experiment.tick) or not experiment.is_active:
        return
    if experiment.state == State.TRAINING and _phase_finished(experiment, Phase.TRAIN):
        claimed = Experiment.objects.filter(pk=experiment.pk, state=State.TRAINING).update(
            state=State.DISTILLING
        )
        if claimed:
            _distill(experiment)
    elif experiment.state == State.DISTILLING:  # a worker died while distilling
        _distill(experiment)
    elif experiment.state == State.EVALUATING:
        with transaction.atomic():
            _heldout_runs_start(experiment)
        if _phase_finished(experiment, Phase.HELDOUT):
            Experiment.objects.filter(pk=experiment.pk, state=State.EVALUATING).update(
                state=State.DONE, finished_at=timezone.now()
            )
    experiment.refresh_from_db()
    if experiment.is_active:
        with transaction.atomic():
            _schedule(experiment)


def experiments_recover_stalled() -> list[int]:
    """Schedule a fresh check of each active experiment whose latest check is long overdue (its
    message was lost, e.g. to a broker restart). The new tick drops the old message should it
    turn up. A distillation in progress is left alone: its check is running, not lost, and a
    worker dying in it gets the message back (acks_late)."""
    overdue = timezone.now() - dt.timedelta(
        seconds=STALE_CHECKS * settings.EXPERIMENT_CHECK_SECONDS
    )
    ids = list(
        Experiment.objects.filter(state__in=(State.TRAINING, State.EVALUATING))
        .filter(Q(checked_at__lt=overdue) | Q(checked_at=None))
        .values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            _schedule(Experiment(pk=pk))
    return ids


def experiment_run_retry(*, run: ExperimentRun) -> ExperimentRun:
    """Retry one failed run from where it stopped; the others are left as they are."""
    from simulations.services.simulations import SimulationRequestError, simulation_resume

    if run.simulation is None or run.simulation.state != Simulation.State.FAILED:
        raise ExperimentRequestError("only a failed run can be retried")
    try:
        simulation_resume(simulation=run.simulation)
    except SimulationRequestError as exc:
        raise ExperimentRequestError(str(exc)) from None
    if not run.experiment.is_active:
        experiment_start(experiment=run.experiment)
    return run
