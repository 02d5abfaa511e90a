"""A slice keeps its world current in memory (history, chat messages and their lengths, mail
parts, counters) instead of reloading it each turn. Whatever it holds must be what a worker
loading the run from the database would see: otherwise a run would behave differently
depending on where its slices happened to end."""

import datetime as dt
import json
from collections import Counter

import pytest

from simulations.engine import runner, worker_prompt
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
    compared, differences, threads = [], [], Counter()
    real_next_step = runner.next_step

    def checked_next_step(world):
        # (collected, not raised: the engine turns any exception into a crash and a retry)
        step = real_next_step(world)
        seq = world.sim.turn_count + 1
        fresh = World.load(world.sim.pk)
        if real_next_step(fresh) != step:
            differences.append((seq, "next step"))
        if step == "worker":
            messages = worker_prompt.worker_messages(world, world.history())
            if messages != worker_prompt.worker_messages(fresh, fresh.history()):
                differences.append((seq, "the worker's prompt"))
            serialised = len(json.dumps(messages, ensure_ascii=False, default=str))
            if worker_prompt.prompt_chars(messages, world.history()) != serialised:
                differences.append((seq, "prompt_chars"))
            if _mail_view(world) != _mail_view(fresh):
                differences.append((seq, "mail"))
            # What the mail in view answers must be what the database answers.
            for person in world.collaborators:
                in_view = [m.pk for m in world.thread_with(person.name)]
                if in_view != [m.pk for m in world.thread_from_db(person.name, 4)]:
                    differences.append((seq, f"thread with {person.name}"))
                threads[bool(in_view)] += 1
            for unread in (False, True):
                in_view = [item.id for item in world.inbox(unread, 20)]
                if in_view != [m.pk for m in world.inbox_rows_from_db(unread, 20)]:
                    differences.append((seq, "inbox"))
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
    assert threads[True] > 20  # threads with collaborators were compared, not only empty ones


def test_threads_and_inbox_beyond_the_mail_in_view_come_from_the_database(computer, user):
    from django.utils import timezone

    from simulations.engine import world as world_module
    from simulations.models import Message, Turn

    simulation = simulation_create(computer=computer, created_by=user, enqueue=False)
    now = timezone.now()
    turn = Turn.objects.create(
        simulation=simulation, seq=1, actor="worker", action="x", sim_time=now
    )

    def message(direction, sender, to, **extra):
        return Message(
            simulation=simulation,
            turn=turn,
            direction=direction,
            sender=sender,
            recipients=[{"name": to, "email": ""}],
            sent_at=now,
            **extra,
        )

    # Ann's one message is older than the newest SENT_WINDOW the world keeps of outgoing mail.
    Message.objects.bulk_create(
        [message("outgoing", "User", "Ann")]
        + [message("outgoing", "User", "Bob") for _ in range(world_module.SENT_WINDOW + 5)]
    )
    world = World.load(simulation.pk)
    assert [m.recipients[0]["name"] for m in world.thread_with("Ann")] == ["Ann"]
    assert len(world.thread_with("Bob")) == 4  # all newer than what the window leaves out
    assert [m.pk for m in world.thread_with("Bob")] == [
        m.pk for m in world.thread_from_db("Bob", 4)
    ]

    # More incoming mail than the window: the inbox's oldest deliveries are outside it.
    Message.objects.bulk_create(
        [
            message("incoming", "Cy", "User", delivered_at=now + dt.timedelta(minutes=i))
            for i in range(world_module.MAIL_WINDOW + 3)
        ]
    )
    world = World.load(simulation.pk)
    oldest = [m.pk for m in world.inbox_rows_from_db(False, 5)]
    assert [item.id for item in world.inbox(False, 5)] == oldest
    assert set(oldest) - {m.pk for m in world.mail.incoming}  # some not in view, yet found
