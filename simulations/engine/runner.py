"""One step of a simulation: decide what happens next and build its turn (not yet committed).

The next step follows from the state in the database alone, so any worker can take over:

    objectives -> work (condense | compose a reply | deliver mail | start the day | worker acts)
               -> stop (budget, turn limit, month over; or the worker finished)
               -> judge each objective -> retrospective -> done
"""

from __future__ import annotations

from simulations.engine.draft import TurnDraft
from simulations.engine.steps import day, mail, month, worker
from simulations.engine.steps.day import turns_to_fold
from simulations.engine.steps.month import stop_reason
from simulations.engine.world import World
from simulations.models import Objective, Simulation

Phase = Simulation.Phase


def next_step(world: World) -> str:
    sim = world.sim
    if sim.phase == Phase.OBJECTIVES:
        return "objectives"
    if sim.phase == Phase.WORK:
        if stop_reason(world):
            return "stop"
        if turns_to_fold(world):
            return "condense"
        if world.pending_reply():
            return "compose"
        if world.due_deliveries():
            return "deliver"
        if sim.workday < world.current_workday():
            return "day_start"
        return "worker"
    if sim.phase in (Phase.JUDGING, Phase.RETROSPECTIVE):
        if any(o.status != Objective.Status.JUDGED for o in world.objectives):
            return "judge"
        return "retrospective"
    return "done"


def build_turn(world: World, step: str, *, seq: int) -> TurnDraft:
    attempt = world.sim.model_errors
    builder = _STEPS[step]
    draft = builder(world, seq=seq, attempt=attempt)
    draft.workday = draft.simulation.get("workday") or world.sim.workday
    draft.is_retry = draft.is_retry or attempt > 0
    retried_calls = any(len(call.attempts) > 1 for call in draft.llm_calls)
    if (draft.is_retry or retried_calls) and "retry" not in draft.signals:
        draft.signals.append("retry")
    return draft


_STEPS = {
    "objectives": month.objectives_step,
    "worker": worker.worker_step,
    "day_start": day.day_start_step,
    "compose": mail.compose_step,
    "deliver": mail.deliver_step,
    "condense": day.condense_step,
    "stop": month.stop_step,
    "judge": month.judge_step,
    "retrospective": month.retrospective_step,
}
