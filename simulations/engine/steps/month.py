"""The month's frame: its objectives written at the start; at the end the stop, the judging of
each objective and the retrospective."""

from __future__ import annotations

from simulations.engine import agents, findings
from simulations.engine.computer_objectives import computer_objectives_plan
from simulations.engine.draft import TurnDraft
from simulations.engine.steps.failures import add_usage, model_error
from simulations.engine.world import World
from simulations.learning.plans import shared_plan_of
from simulations.models import Objective, Simulation, Turn

Phase = Simulation.Phase


def stop_reason(world: World) -> str:
    sim = world.sim
    options = sim.options
    if sim.turn_count >= options.max_turns:
        return f"turn limit reached ({options.max_turns:,} turns)"
    if options.max_tokens and sim.tokens >= options.max_tokens:
        return f"token budget reached ({sim.tokens:,} of {options.max_tokens:,} tokens)"
    if options.max_cost_usd and sim.cost_usd >= options.max_cost_usd:
        return f"cost budget reached (${sim.cost_usd:.2f} of ${options.max_cost_usd:.2f})"
    if sim.sim_now >= world.month_end:
        return "the month is over"
    return ""


def objectives_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    # An experiment's follower works on the plan its computer's leader run was given.
    plan, usage, lines = shared_plan_of(simulation=world.sim), agents.Usage(), []
    if plan is not None:
        lines.append(f"(shared plan {world.sim.shared_plan_id}, as the other arms have it)")
    elif world.sim.options.computer_objectives:
        plan = computer_objectives_plan(
            computer=world.sim.computer,
            start=world.sim.sim_started_at,
            workdays=world.sim.options.workdays,
        )
        lines.append("(the computer's own monthly objectives)")
    else:
        plan, usage, error = agents.write_objectives(world, seq=seq, attempt=attempt)
        if plan is None:
            return model_error(
                world, actor="objective", step="objectives", error=error, usage=usage
            )
    for n, objective in enumerate(plan.objectives, start=1):
        outputs = ", ".join(d.path for d in objective.deliverables)
        lines.append(
            f"O{n} {objective.title} (workday {objective.target_workday}, reviewer "
            f"{objective.reviewer}): {outputs}"
        )
    draft = TurnDraft(
        actor="objective",
        action="write_objectives",
        sim_time=world.now,
        observation="\n".join(lines),
        objective_plan=plan,
        simulation={"phase": Phase.WORK, "model_errors": 0},
    )
    add_usage(draft, usage)
    return draft


def stop_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    reason = stop_reason(world)
    return TurnDraft(
        actor=Turn.Actor.SYSTEM,
        action="stop",
        sim_time=world.now,
        observation=reason,
        simulation={"phase": Phase.JUDGING, "stop_reason": reason},
    )


def judge_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    objective = next(o for o in world.objectives if o.status != Objective.Status.JUDGED)
    scores, usage, error = agents.judge_objective(world, objective, seq=seq, attempt=attempt)
    if scores is None:
        return model_error(world, actor=Turn.Actor.JUDGE, step="judge", error=error, usage=usage)
    items = list(objective.rubric.order_by("order"))
    awarded = {s.item: s for s in scores.scores}
    lines = []
    total = 0.0
    for n, item in enumerate(items, start=1):
        score = awarded.get(n)
        points = min(item.points, score.awarded) if score else 0.0
        total += points
        lines.append(
            f"{n}. [{item.tag}] {points:g}/{item.points:g} — "
            f"{score.reason if score else 'not scored by the judge'}"
        )
    maximum = sum(i.points for i in items)
    draft = TurnDraft(
        actor=Turn.Actor.JUDGE,
        action="score_objective",
        sim_time=world.now,
        arguments={"objective": objective.key},
        observation=f"{objective.key} {objective.title}: {total:g} / {maximum:g}\n"
        + "\n".join(lines),
        reasoning=scores.summary,
        judged=(objective.pk, scores),
        simulation={"model_errors": 0},
    )
    add_usage(draft, usage)
    return draft


def retrospective_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    found = findings.gather_findings(world)
    report, usage, error = agents.write_retrospective(
        world, found.context, seq=seq, attempt=attempt
    )
    if report is None:
        return model_error(
            world, actor=Turn.Actor.JUDGE, step="retrospective", error=error, usage=usage
        )
    outcome = {**found.outcome, "lessons": report.lessons}
    draft = TurnDraft(
        actor=Turn.Actor.JUDGE,
        action="retrospective",
        sim_time=world.now,
        observation=report.summary,
        run_signals=found.signals,
        simulation={
            "phase": Phase.DONE,
            "state": Simulation.State.COMPLETED,
            "retrospective": report.model_dump(),
            "outcome": outcome,
            "model_errors": 0,
        },
    )
    add_usage(draft, usage)
    return draft
