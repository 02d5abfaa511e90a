"""Launching simulations and the state changes a researcher can make: pause, resume, cancel.

State machine::

    queued -> running -> completed
       |  \\      |  \\-> failed ----(resume)--> running
       |   \\     v
       |    -> paused --(resume)--> queued/running
       v
    cancelled  (from any state that is not finished)

Each change is one conditional UPDATE, so it is safe against a slice running at that moment:
the slice sees the new state between turns and stops.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from simulations import broadcast
from simulations.config import SimulationConfig
from simulations.engine import clock
from simulations.engine.computer_objectives import (
    ComputerObjectivesError,
    computer_objectives_plan,
    month_start,
)
from simulations.models import Simulation, SimulationBatch
from simulations.services.runs import simulation_enqueue
from studio.llm.prompts import worker_prompt_check
from studio.models import Computer

MAX_BATCH = 1000


class SimulationRequestError(ValueError):
    """A request that cannot be carried out; the message is shown to the researcher."""


def _config(config: SimulationConfig | dict[str, Any] | None) -> SimulationConfig:
    if isinstance(config, SimulationConfig):
        return config
    try:
        return SimulationConfig.model_validate(config or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise SimulationRequestError(f"invalid setting {where}: {first.get('msg')}") from None


def _check_computer(computer: Computer, options: SimulationConfig) -> None:
    if computer.state != Computer.State.READY:
        raise SimulationRequestError(
            f"computer {computer.pk} is {computer.state}; only a ready computer can be simulated"
        )
    try:
        worker_prompt_check(options.worker_prompt_variant)
    except ValueError as exc:
        raise SimulationRequestError(str(exc)) from None
    if options.computer_objectives:
        # The plan the objectives step will build, built now so that a bad one fails the launch.
        start = month_start(computer) or clock.first_session_start(timezone.now().date())
        try:
            computer_objectives_plan(computer=computer, start=start, workdays=options.workdays)
        except ComputerObjectivesError as exc:
            raise SimulationRequestError(str(exc)) from None


def _changed(simulation_id: int) -> None:
    transaction.on_commit(
        lambda: broadcast.simulation_changed(Simulation.objects.get(pk=simulation_id))
    )


def simulation_create(
    *,
    computer: Computer,
    created_by=None,
    config: SimulationConfig | dict[str, Any] | None = None,
    batch: SimulationBatch | None = None,
    enqueue: bool = True,
    skill_version=None,
    shared_plan=None,
) -> Simulation:
    """``skill_version``: the skill document the worker is given (None: none);
    ``shared_plan``: start from this objective plan instead of asking the objective agent."""
    options = _config(config)
    _check_computer(computer, options)
    seed = options.seed or random.SystemRandom().randrange(1, 2**40)
    with transaction.atomic():
        simulation = Simulation.objects.create(
            computer=computer,
            created_by=created_by,
            batch=batch,
            seed=seed,
            config=options.model_copy(update={"seed": seed}).model_dump(mode="json"),
            skill_version=skill_version,
            shared_plan=shared_plan,
        )
        if enqueue:
            simulation_enqueue(simulation_ids=[simulation.pk])
    return simulation


def simulation_batch_create(
    *,
    computers: Iterable[Computer],
    per_computer: int = 1,
    created_by=None,
    config: SimulationConfig | dict[str, Any] | None = None,
    label: str = "",
    enqueue: bool = True,
    skill_version=None,
) -> SimulationBatch:
    """``per_computer`` simulations on each computer; seeds differ run to run."""
    options = _config(config)
    computers = list(computers)
    if not computers:
        raise SimulationRequestError("choose at least one computer")
    if per_computer < 1 or per_computer * len(computers) > MAX_BATCH:
        raise SimulationRequestError(f"a batch holds 1 to {MAX_BATCH} simulations")
    for computer in computers:
        _check_computer(computer, options)
    base = options.seed or random.SystemRandom().randrange(1, 2**40)
    with transaction.atomic():
        batch = SimulationBatch.objects.create(
            created_by=created_by,
            label=label[:200],
            size=per_computer * len(computers),
            config=options.model_dump(mode="json"),
        )
        sims = Simulation.objects.bulk_create(
            Simulation(
                computer=computer,
                created_by=created_by,
                batch=batch,
                seed=base + n,
                config=options.model_copy(update={"seed": base + n}).model_dump(mode="json"),
                skill_version=skill_version,
            )
            for n, computer in enumerate(c for c in computers for _ in range(per_computer))
        )
        if enqueue:
            ids = (
                [s.pk for s in sims]
                if sims and sims[0].pk
                else list(batch.simulations.values_list("id", flat=True))
            )
            simulation_enqueue(simulation_ids=ids)
    return batch


def simulation_pause(*, simulation: Simulation) -> Simulation:
    with transaction.atomic():
        changed = Simulation.objects.filter(
            pk=simulation.pk, state__in=Simulation.ACTIVE_STATES
        ).update(state=Simulation.State.PAUSED, updated_at=timezone.now())
        if not changed:
            raise SimulationRequestError("only a queued or running simulation can be paused")
        _changed(simulation.pk)
    simulation.refresh_from_db()
    return simulation


def simulation_resume(*, simulation: Simulation, enqueue: bool = True) -> Simulation:
    """Resume a paused run, or retry a failed one from the turn where it stopped."""
    with transaction.atomic():
        current = Simulation.objects.select_for_update().get(pk=simulation.pk)
        if current.state not in (Simulation.State.PAUSED, Simulation.State.FAILED):
            raise SimulationRequestError("only a paused or failed simulation can be resumed")
        state = Simulation.State.RUNNING if current.turn_count else Simulation.State.QUEUED
        Simulation.objects.filter(pk=simulation.pk).update(
            state=state,
            attempts=0,
            model_errors=0,
            error="",
            finished_at=None,
            updated_at=timezone.now(),
        )
        if enqueue:
            simulation_enqueue(simulation_ids=[simulation.pk])
        _changed(simulation.pk)
    simulation.refresh_from_db()
    return simulation


def simulation_cancel(*, simulation: Simulation) -> Simulation:
    with transaction.atomic():
        changed = (
            Simulation.objects.filter(pk=simulation.pk)
            .exclude(state__in=Simulation.TERMINAL_STATES)
            .update(
                state=Simulation.State.CANCELLED,
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
        )
        if not changed:
            raise SimulationRequestError("this simulation has already finished")
        _changed(simulation.pk)
    simulation.refresh_from_db()
    return simulation


def simulation_delete_workspace(*, simulation: Simulation) -> Simulation:
    """Free the disk a finished run's copy of the computer takes. Its records stay (turns,
    messages, scores, text diffs); the file versions time travel replays go with it."""
    simulation.refresh_from_db()
    if not simulation.is_terminal:
        raise SimulationRequestError("only a finished simulation's workspace can be removed")
    if not simulation.workspace_on_disk:
        raise SimulationRequestError("this simulation's workspace is already gone")
    from simulations.engine.sandbox import Workspace

    Workspace(simulation.workspace_root).remove()
    return simulation
