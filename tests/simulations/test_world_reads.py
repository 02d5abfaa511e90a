"""The world a turn sees is read from the database: the mail questions the engine asks are
answered whatever the windows of the prompt hold, and a refresh between turns sees what
another process (or the last turn) committed."""

import datetime as dt

import pytest
from django.utils import timezone

from simulations.engine import worker_prompt
from simulations.engine import world as world_module
from simulations.engine.world import World
from simulations.models import Message, Simulation, Turn
from simulations.services.simulations import simulation_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulation(computer, user):
    return simulation_create(computer=computer, created_by=user, enqueue=False)


def _messages(simulation, rows):
    now = timezone.now()
    turn = Turn.objects.create(
        simulation=simulation, seq=1, actor="worker", action="x", sim_time=now
    )
    return Message.objects.bulk_create(
        Message(
            simulation=simulation,
            turn=turn,
            direction=direction,
            sender=sender,
            recipients=[{"name": to, "email": ""}],
            sent_at=now + dt.timedelta(minutes=minutes),
            **extra,
        )
        for direction, sender, to, minutes, extra in rows
    )


def test_threads_come_whole_however_much_other_mail_there_is(simulation):
    many = world_module.SENT_WINDOW + 5
    ann, *bobs = _messages(
        simulation,
        [("outgoing", "User", "Ann", 0, {})] + [("outgoing", "User", "Bob", 1, {})] * many,
    )
    world = World.load(simulation.pk)
    assert [m.pk for m in world.thread_with("Ann")] == [ann.pk]
    assert [m.pk for m in world.thread_with("Bob")] == [m.pk for m in bobs[-4:]]
    assert world.thread_with("Nobody") == []


def test_inbox_unread_and_deliveries(simulation):
    now = timezone.now()
    window = world_module.MAIL_WINDOW
    delivered = [
        ("incoming", "Cy", "User", i, {"delivered_at": now + dt.timedelta(minutes=i)})
        for i in range(window + 3)
    ]
    rows = _messages(
        simulation,
        [
            *delivered,
            ("incoming", "Di", "User", -60, {}),  # due: sent an hour before the clock
            ("incoming", "Ed", "User", 600, {}),  # sent in ten hours: not due yet
        ],
    )
    Message.objects.filter(pk=rows[1].pk).update(read_at=now)
    Simulation.objects.filter(pk=simulation.pk).update(sim_now=now)
    world = World.load(simulation.pk)

    # The oldest deliveries lie outside the prompt's mail window and are found all the same.
    assert [item.id for item in world.inbox(False, 5)] == [m.pk for m in rows[:5]]
    assert rows[0].pk not in {m.pk for m in world.mail.incoming}
    assert [item.id for item in world.inbox(True, 3)] == [rows[0].pk, rows[2].pk, rows[3].pk]
    assert world.unread_count() == window + 2
    assert [m.sender for m in world.due_deliveries()] == ["Di"]
    assert world.next_delivery_at() == rows[-2].sent_at


def test_pending_reply_names_a_collaborator_who_has_not_answered(simulation):
    world = World.load(simulation.pk)
    ann = world.collaborators[0].name
    (message,) = _messages(simulation, [("outgoing", "User", ann, 0, {})])
    found, recipient = world.pending_reply()
    assert (found.pk, recipient["name"]) == (message.pk, ann)
    Message.objects.filter(pk=message.pk).update(meta={"answered_by": [ann]})
    world.refresh()
    assert world.pending_reply() is None
    Message.objects.filter(pk=message.pk).update(answered=True, meta={})
    world.refresh()
    assert world.pending_reply() is None


def test_refresh_sees_what_was_committed_since(simulation):
    world = World.load(simulation.pk)
    assert world.history() == []
    Turn.objects.create(
        simulation=simulation, seq=1, actor="worker", action="x", sim_time=timezone.now()
    )
    Simulation.objects.filter(pk=simulation.pk).update(
        state=Simulation.State.PAUSED, lease_owner="someone", turn_count=1
    )
    assert world.history() == []  # read once per turn
    world.refresh()
    assert (world.sim.state, world.sim.lease_owner, world.sim.turn_count) == (
        Simulation.State.PAUSED,
        "someone",
        1,
    )
    assert [t.seq for t in world.history()] == [1]
    assert world.sim.computer.pk == simulation.computer_id


def _seen(world: World) -> dict:
    """What a turn reads from the world, comparable across World objects."""
    return {
        "history": [(t.seq, t.action, t.observation, t.arguments) for t in world.history()],
        "objectives": [(o.pk, o.status, o.score) for o in world.objectives],
        "deliverables": [(d.key, d.status, d.submissions) for d in world.deliverables],
        "incoming": [(m.pk, m.delivered_at, m.meta) for m in world.mail.incoming],
        "outgoing": [(m.pk, m.answered, m.meta) for m in world.mail.outgoing],
        "shares": world.mail.shares,
        "unread": world.unread_count(),
        "next_delivery": world.next_delivery_at(),
        "due": [m.pk for m in world.due_deliveries()],
        "pending_reply": world.pending_reply() and world.pending_reply()[0].pk,
        "month_message": worker_prompt.month_message(world),  # kept while its inputs are
    }


def test_what_a_refresh_keeps_is_what_the_database_holds(simulation, monkeypatch, settings):
    """A refresh after a committed turn re-reads only what that turn could change; after every
    turn of a whole run (mail sent, delivered, answered and read, submissions, condensations,
    judging) the world it leaves equals one read afresh from the database, and so does the
    worker's month message it kept."""
    settings.LLM_LOG_BODIES = False
    simulation.config = {
        **simulation.config,
        "workdays": 2,
        "seed": 3,
        "history_max_chars": 10_000,
        "history_keep_chars": 5_000,
    }
    simulation.save(update_fields=["config"])
    refresh = World.refresh
    compared = []

    def checked(world, turn=None, draft=None):
        refresh(world, turn, draft)
        if world.sim.phase == Simulation.Phase.WORK:
            assert _seen(world) == _seen(World.load(world.sim.pk)), f"after turn {turn.seq}"
            compared.append(turn.action)

    monkeypatch.setattr(World, "refresh", checked)
    from simulations.services.runs import simulation_run_inline

    simulation = simulation_run_inline(simulation=simulation)
    assert simulation.state == Simulation.State.COMPLETED
    for action in ("deliver_mail", "compose_reply", "condense", "read_inbox", "submit_deliverable"):
        assert action in compared, action
