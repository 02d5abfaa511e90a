"""After each turn commits, the engine hands it to the one broadcast module, in order."""

import pytest

from simulations import broadcast
from simulations.models import Turn
from simulations.services.runs import simulation_advance
from simulations.services.simulations import simulation_create, simulation_pause


@pytest.mark.django_db(transaction=True)
def test_each_committed_turn_and_each_state_change_is_broadcast(
    computer, user, fast_engine, monkeypatch
):
    seen_turns, seen_states = [], []

    def on_turn(turn):
        assert Turn.objects.filter(pk=turn.pk).exists(), "broadcast before the commit"
        seen_turns.append(turn.seq)
        return True

    monkeypatch.setattr(broadcast, "turn_committed", on_turn)
    monkeypatch.setattr(
        broadcast,
        "simulation_changed",
        lambda sim: seen_states.append(sim if isinstance(sim, int) else sim.pk) or True,
    )
    simulation = simulation_create(
        computer=computer, created_by=user, enqueue=False, config={"workdays": 2}
    )
    simulation_advance(simulation_id=simulation.pk, max_turns=12, enqueue_next=False)
    assert seen_turns == list(range(1, 13))
    simulation_pause(simulation=simulation)
    assert seen_states[-1] == simulation.pk
    assert len(seen_states) >= 2  # the objectives turn moved the phase, then the pause
