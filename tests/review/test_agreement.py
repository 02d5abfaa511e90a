"""Cohen's kappa: the formula against a hand-computed table, and per label from annotations."""

from __future__ import annotations

import pytest

from simulations.review.agreement import Table, cohen_kappa, kappa_of, label_agreement, table_of
from simulations.review.models import TurnAnnotation
from simulations.review.services.annotations import turn_annotate
from tests.review.conftest import build_simulation


def test_kappa_of_a_hand_computed_table():
    # 50 turns: both said yes on 20, only the first on 5, only the second on 10, neither on 15.
    # p_o = 35/50 = 0.70; p_yes = 0.50 and 0.60; p_e = 0.5*0.6 + 0.5*0.4 = 0.50;
    # kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    assert table_of(pairs) == Table(both=20, first_only=5, second_only=10, neither=15)
    assert kappa_of(pairs) == pytest.approx(0.40)


def test_kappa_edges():
    assert cohen_kappa(Table()) is None  # nothing to compare
    assert cohen_kappa(Table(neither=12)) is None  # no variation: undefined, not 1
    assert cohen_kappa(Table(both=3, neither=7)) == pytest.approx(1.0)
    assert cohen_kappa(Table(first_only=5, second_only=5)) == pytest.approx(-1.0)


@pytest.mark.django_db
def test_label_agreement_per_label(computer, user, other_user, django_user_model, labels):
    sim = build_simulation(computer, turns=9)
    turns = list(sim.turns.filter(actor="worker").order_by("seq"))  # 8 worker turns
    loop, good = labels["loop or repetition"], labels["good example"]
    # ada and bob both annotate turns 2..9; "loop": ada yes on 2,3,4,5; bob yes on 2,3,4,6.
    #   both 3, ada only 1, bob only 1, neither 3 -> p_o = 6/8, p_e = .5*.5 + .5*.5 = .5, kappa = .5
    # "good example": ada yes on 8, 9; bob yes on 9 only.
    #   both 1, ada only 1, neither 6 -> p_o = 7/8, p_e = (2/8)(1/8) + (6/8)(7/8) = 44/64, kappa = 0.6
    for turn in turns:
        a = [loop.pk] if turn.seq in (2, 3, 4, 5) else []
        b = [loop.pk] if turn.seq in (2, 3, 4, 6) else []
        a += [good.pk] if turn.seq in (8, 9) else []
        b += [good.pk] if turn.seq == 9 else []
        turn_annotate(turn=turn, user=user, label_ids=a, comment="" if a else "fine")
        turn_annotate(turn=turn, user=other_user, label_ids=b, comment="" if b else "ok")
    # A third annotator on one turn only adds that turn's pairs with ada and bob.
    carol = django_user_model.objects.create_user("carol", password="pw-carol-123456")
    turn_annotate(turn=turns[0], user=carol, label_ids=[loop.pk], comment="")

    rows = {
        row.label.name: row for row in label_agreement(annotations=TurnAnnotation.objects.all())
    }
    by_pair = {(p.first, p.second): p for p in rows["loop or repetition"].pairs}
    assert by_pair[("ada", "bob")].table == Table(both=3, first_only=1, second_only=1, neither=3)
    assert by_pair[("ada", "bob")].kappa == pytest.approx(0.5)
    good_pair = next(p for p in rows["good example"].pairs if (p.first, p.second) == ("ada", "bob"))
    assert good_pair.kappa == pytest.approx(0.6)
    # Pooled: ada×bob's 8 items plus carol's turn with ada and with bob (all three said loop).
    assert rows["loop or repetition"].table == Table(both=5, first_only=1, second_only=1, neither=3)
    assert rows["loop or repetition"].items == 10
    # A label nobody used on shared turns has no variation.
    assert rows["unsafe"].kappa is None
    # The scope holds on both sides of a pair: without carol's annotation, no pair with her.
    scoped = label_agreement(annotations=TurnAnnotation.objects.exclude(user=carol))
    loop_row = next(row for row in scoped if row.label == loop)
    assert [(p.first, p.second) for p in loop_row.pairs] == [("ada", "bob")]
    assert loop_row.table == Table(both=3, first_only=1, second_only=1, neither=3)
