"""A slice keeps its world current in memory (history, chat messages and their lengths, mail
parts, counters) instead of reloading it each turn. Whatever it holds must be what a worker
loading the run from the database would see: otherwise a run would behave differently
depending on where its slices happened to end."""

import json

import pytest

from simulations.engine import agents, runner
from simulations.engine.world import World
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create

pytestmark = pytest.mark.django_db(transaction=True)


def _mail_view(world: World) -> dict:
    mail = world.mail
    view = {"shares": list(mail.shares)}
    for part in ("incoming", "outgoing", "unanswered"):
        view[part] = [
            (
                m.pk,
                m.turn_id,
                m.direction,
                m.sender,
                m.recipients,
                m.subject,
                m.body,
                m.attachments,
                m.sent_at,
                m.read_at,
                m.delivered_at,
                m.answered,
                m.meta,
            )
            for m in getattr(mail, part)
        ]
    return view


def test_the_cached_world_is_the_world_in_the_database(computer, user, fast_engine, monkeypatch):
    compared, differences = [], []
    real_next_step = runner.next_step

    def checked_next_step(world):
        # (collected, not raised: the engine turns any exception into a crash and a retry)
        step = real_next_step(world)
        seq = world.sim.turn_count + 1
        fresh = World.load(world.sim.pk)
        if real_next_step(fresh) != step:
            differences.append((seq, "next step"))
        if step == "worker":
            messages = agents.worker_messages(world, world.history())
            if messages != agents.worker_messages(fresh, fresh.history()):
                differences.append((seq, "the worker's prompt"))
            serialised = len(json.dumps(messages, ensure_ascii=False, default=str))
            if agents.prompt_chars(messages, world.history()) != serialised:
                differences.append((seq, "prompt_chars"))
            if _mail_view(world) != _mail_view(fresh):
                differences.append((seq, "mail"))
            compared.append(seq)
        return step

    monkeypatch.setattr(runner, "next_step", checked_next_step)
    simulation = simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 2, "seed": 13}
    )
    simulation = simulation_run_inline(simulation=simulation)
    assert simulation.state == "completed", simulation.error
    assert "crashed" not in simulation.error_detail, simulation.error_detail
    assert differences == []
    assert len(compared) > 50  # one long slice: most turns ran on the cached world
