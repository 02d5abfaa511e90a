"""Annotating turns, flagging trajectories, editing the taxonomy; the lists' filters."""

from __future__ import annotations

import pytest

from simulations.models import Simulation, Turn
from simulations.review import selectors
from simulations.review.models import Label, TrajectoryFlag, TurnAnnotation
from simulations.review.services import annotations
from simulations.review.services import labels as label_services
from tests.review.conftest import build_simulation

pytestmark = pytest.mark.django_db


def test_default_taxonomy_comes_from_the_migration(labels):
    assert Label.objects.filter(is_bad=True).count() == 7
    assert Label.objects.get(name="good example").is_bad is False
    assert sorted(Label.objects.values_list("hotkey", flat=True)) == list(range(1, 9))


def test_annotate_toggle_and_clear(computer, user, other_user, labels):
    sim = build_simulation(computer)
    turn = sim.turns.get(seq=3)
    loop, misuse = labels["loop or repetition"], labels["tool misuse"]
    annotations.turn_annotate(
        turn=turn, user=user, label_ids=[loop.pk], comment="same listing again"
    )
    annotations.turn_label_toggle(turn=turn, user=user, label=misuse)
    annotations.turn_annotate(turn=turn, user=other_user, label_ids=[misuse.pk], comment="")
    mine = TurnAnnotation.objects.get(turn=turn, user=user)
    assert set(mine.labels.values_list("name", flat=True)) == {"loop or repetition", "tool misuse"}
    assert mine.comment == "same listing again" and mine.simulation_id == sim.pk
    assert TurnAnnotation.objects.filter(turn=turn).count() == 2  # several annotators per turn
    annotations.turn_label_toggle(turn=turn, user=user, label=loop)
    assert list(mine.labels.values_list("name", flat=True)) == ["tool misuse"]
    # Nothing left to say: the annotation goes away.
    annotations.turn_annotate(turn=turn, user=user, label_ids=[], comment="  ")
    assert not TurnAnnotation.objects.filter(turn=turn, user=user).exists()


def test_a_number_key_makes_and_unmakes_an_annotation(computer, user, labels):
    sim = build_simulation(computer)
    turn = sim.turns.get(seq=2)
    loop = labels["loop or repetition"]
    annotations.turn_label_toggle(turn=turn, user=user, label=loop)
    mine = TurnAnnotation.objects.get(turn=turn, user=user)
    assert list(mine.labels.values_list("name", flat=True)) == ["loop or repetition"]
    assert mine.simulation_id == sim.pk
    annotations.turn_label_toggle(turn=turn, user=user, label=loop)
    assert not TurnAnnotation.objects.filter(turn=turn, user=user).exists()
    with pytest.raises(annotations.AnnotationError):
        annotations.turn_annotate(turn=turn, user=user, label_ids=[99999], comment="")


def test_annotating_a_running_simulation(computer, user, labels):
    sim = build_simulation(computer, state=Simulation.State.RUNNING, turns=3)
    annotations.turn_annotate(
        turn=sim.turns.get(seq=2), user=user, label_ids=[labels["good example"].pk], comment=""
    )
    # The engine keeps committing turns; annotations are untouched by them.
    Turn.objects.create(
        simulation=sim, seq=4, actor="worker", action="list_dir", sim_time=sim.sim_now
    )
    assert TurnAnnotation.objects.filter(simulation=sim).count() == 1


def test_flags_one_per_researcher(computer, user, other_user):
    sim = build_simulation(computer)
    with pytest.raises(annotations.AnnotationError, match="say why"):
        annotations.trajectory_flag(simulation=sim, user=user, flag="bad", reason="")
    annotations.trajectory_flag(simulation=sim, user=user, flag="needs_review")
    annotations.trajectory_flag(simulation=sim, user=user, flag="bad", reason="invents a budget")
    annotations.trajectory_flag(simulation=sim, user=other_user, flag="good")
    assert dict(TrajectoryFlag.objects.values_list("user__username", "flag")) == {
        "ada": "bad",
        "bob": "good",
    }
    assert annotations.trajectory_unflag(simulation=sim, user=user) == 1
    assert list(TrajectoryFlag.objects.values_list("flag", flat=True)) == ["good"]


def test_hotkeys_belong_to_one_label(labels, user):
    user.is_staff = True
    new = label_services.label_create(
        user=user, name="  wrong  date ", colour="#123456", is_bad=True, hotkey=3
    )
    assert new.name == "wrong date"
    assert Label.objects.get(name="loop or repetition").hotkey is None
    label_services.label_update(
        label=new,
        user=user,
        name="wrong date",
        colour="#123456",
        is_bad=False,
        hotkey=3,
        description="",
        active=False,
    )
    new.refresh_from_db()
    assert new.hotkey is None and not new.active  # archived labels give their key back
    with pytest.raises(label_services.LabelError, match="exists already"):
        label_services.label_create(user=user, name="unsafe", colour="#000000", is_bad=True)


def test_list_filters(computer, user, other_user, labels):
    a = build_simulation(computer, turns=6)
    b = build_simulation(computer, turns=4, outcome={"score_pct": 31.0})
    c = build_simulation(
        computer, turns=4, state=Simulation.State.RUNNING, outcome={"score_pct": 90.0}
    )
    Turn.objects.filter(simulation=c, seq=2).update(error="no such file")
    annotations.turn_annotate(
        turn=a.turns.get(seq=4), user=user, label_ids=[labels["unsafe"].pk], comment=""
    )
    annotations.turn_annotate(
        turn=b.turns.get(seq=2), user=other_user, label_ids=[labels["good example"].pk], comment=""
    )
    annotations.trajectory_flag(simulation=b, user=user, flag="good")
    annotations.trajectory_flag(simulation=c, user=other_user, flag="bad", reason="gives up")

    def sims(**kwargs):
        qs = selectors.simulation_search(user=user, filters=selectors.SimulationFilters(**kwargs))
        return {s.pk for s in qs}

    assert sims() == {a.pk, b.pk, c.pk}
    assert sims(label=labels["unsafe"].pk) == {a.pk}
    assert sims(flag="bad") == {c.pk}
    assert sims(flag="unflagged") == {a.pk}
    assert sims(annotator=other_user.pk) == {b.pk}
    assert sims(state="running") == {c.pk}
    assert sims(signal="errors") == {c.pk}
    assert sims(signal="loops") == {a.pk}  # only a reaches turn 5, the looping one
    assert sims(signal="low_score") == {b.pk}

    def turns(**kwargs):
        qs = selectors.turn_search(user=user, filters=selectors.TurnFilters(**kwargs))
        return {(t.simulation_id, t.seq) for t in qs}

    assert turns(label=labels["unsafe"].pk) == {(a.pk, 4)}
    assert turns(signal="error") == {(c.pk, 2)}
    assert turns(signal="loop") == {(a.pk, 5)}
    assert turns(annotated="yes") == {(a.pk, 4), (b.pk, 2)}
    assert turns(simulation=b.pk, actor="system") == {(b.pk, 1)}
    assert turns(signal="low_score", action="read_file") == {(b.pk, 2), (b.pk, 4)}
