"""Objective plans shared by the arms of an experiment.

The first run of a held-out computer (the leader) asks the objective agent as any run does;
when its plan is committed it is recorded on the computer's SharedPlan, and the other runs
(the followers) are only then created, starting from that plan: the judge scores every arm
on identical objectives and rubric items.
"""

from __future__ import annotations

from simulations.engine import contracts
from simulations.learning.models import SharedPlan
from simulations.models import Simulation


def shared_plan_record(*, simulation: Simulation, plan: contracts.ObjectivePlan) -> None:
    """Keep the leader's plan (inside the commit of its objectives turn); a plan already
    recorded is never replaced."""
    SharedPlan.objects.filter(pk=simulation.shared_plan_id, source__isnull=True).update(
        plan=plan.model_dump(mode="json"), source=simulation
    )


def shared_plan_of(*, simulation: Simulation) -> contracts.ObjectivePlan | None:
    """The plan this run must work on instead of asking the objective agent, if any."""
    if simulation.shared_plan_id is None:
        return None
    shared = SharedPlan.objects.filter(pk=simulation.shared_plan_id).first()
    if shared is None or not shared.ready:
        return None
    return contracts.ObjectivePlan.model_validate(shared.plan)
