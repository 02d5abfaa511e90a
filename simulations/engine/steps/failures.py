"""What every step that calls a model shares: a turn recording a failed call, and the
accounting of the calls behind a turn."""

from __future__ import annotations

from simulations.engine import agents
from simulations.engine.draft import TurnDraft
from simulations.engine.world import World


def model_error(
    world: World, *, actor: str, step: str, error: str, usage=None, actor_name: str = ""
) -> TurnDraft:
    draft = TurnDraft(
        actor=actor,
        action="model_error",
        actor_name=actor_name,
        sim_time=world.now,
        arguments={"step": step},
        error=error[:4000],
        signals=["model_error"],
        simulation={"model_errors": world.sim.model_errors + 1},
    )
    if usage is not None:
        add_usage(draft, usage)
    return draft


def add_usage(draft: TurnDraft, usage: agents.Usage) -> None:
    draft.model_usage(usage)
    if usage.invalid:
        draft.signals.append("reask")
