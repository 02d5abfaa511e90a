"""Export in batches: the records of many simulations read together are, byte for byte, the
records of each simulation exported alone, and a batch costs a fixed number of queries."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from simulations.models import Signal, Turn
from simulations.review import export, export_batch
from simulations.review.selectors import SimulationFilters
from simulations.review.services.annotations import trajectory_flag, turn_annotate
from tests.review.conftest import build_simulation, run_simulation


def export_lines(policy: str, ids: list[int] | None = None, stats=None) -> list[str]:
    candidates = export.export_candidates(filters=SimulationFilters(state=""), simulation_ids=ids)
    return list(
        export.export_lines(
            export.export_queryset(candidates), policy=export.BadTurnPolicy(policy), stats=stats
        )
    )


@pytest.fixture
def mixed(computer, user, other_user, labels, fast_engine):
    """Two real runs (objectives, rubric, logged model calls) among built ones: cut by a bad
    label, flagged bad, cut at its first action, labelled good by two annotators, with a
    run-level signal."""
    bad, good, unsafe = (
        labels["hallucinated file or fact"],
        labels["good example"],
        labels["unsafe"],
    )
    real = run_simulation(computer, user=user, max_turns=24)
    cut = build_simulation(computer, turns=9)
    flagged = build_simulation(computer, turns=6)
    real_cut = run_simulation(computer, user=user, max_turns=24)
    empty = build_simulation(computer, turns=4)
    clean = build_simulation(computer, turns=7)
    turn_annotate(turn=cut.turns.get(seq=3), user=user, label_ids=[good.pk], comment="")
    turn_annotate(turn=cut.turns.get(seq=3), user=other_user, label_ids=[good.pk], comment="ok")
    turn_annotate(turn=cut.turns.get(seq=6), user=user, label_ids=[bad.pk, good.pk], comment="")
    turn_annotate(turn=cut.turns.get(seq=8), user=other_user, label_ids=[unsafe.pk], comment="")
    worker_turns = real_cut.turns.filter(actor=Turn.Actor.WORKER).exclude(action="").order_by("seq")
    turn_annotate(turn=worker_turns[3], user=other_user, label_ids=[unsafe.pk], comment="")
    trajectory_flag(simulation=flagged, user=other_user, flag="bad", reason="made up")
    trajectory_flag(simulation=clean, user=user, flag="good")
    turn_annotate(turn=empty.turns.get(seq=2), user=user, label_ids=[bad.pk], comment="")
    Signal.objects.create(
        simulation=clean, turn=clean.turns.get(seq=5), kind="loops", message="the same list twice"
    )
    Signal.objects.create(simulation=clean, kind="stale", severity="info", message="no turn")
    return {"real": real, "cut": cut, "real_cut": real_cut, "empty": empty, "clean": clean}


@pytest.mark.django_db
@pytest.mark.parametrize("policy", ["cut", "drop"])
def test_batches_write_what_each_trajectory_alone_writes(mixed, policy, monkeypatch):
    alone = [line for sim in mixed.values() for line in export_lines(policy, [sim.pk])]
    monkeypatch.setattr(export, "SIMULATION_CHUNK", 2)  # batches end between runs of a kind
    monkeypatch.setattr(export_batch, "TURN_CHUNK", 3)  # turns read ahead across runs
    stats = export.ExportStats()
    together = export_lines(policy, stats=stats)
    assert together == alone

    records = {r["metadata"]["simulation_id"]: r for r in map(json.loads, together)}
    real, cut, real_cut, clean = (mixed[k] for k in ("real", "cut", "real_cut", "clean"))
    if policy == "drop":
        assert list(records) == [real.pk, clean.pk]
        assert (stats.written, stats.dropped_bad_label, stats.empty) == (2, 3, 0)
    else:
        assert list(records) == [real.pk, cut.pk, real_cut.pk, clean.pk]
        assert (stats.written, stats.cut, stats.empty) == (4, 2, 1)
        per_turn = {t["seq"]: t for t in records[cut.pk]["signals"]["process"]["turns"]}
        assert records[cut.pk]["metadata"]["policy"]["cut_before_seq"] == 6
        assert max(per_turn) == 5 and per_turn[3]["labels"] == ["good example"]
        assert records[real_cut.pk]["metadata"]["policy"]["truncated"] is True
    assert len(records[real.pk]["metadata"]["objectives"]) >= 3
    assert records[real.pk]["metadata"]["context_source"] == "llm_call_log"
    assert records[clean.pk]["metadata"]["flags"] == ["good"]
    assert [s["seq"] for s in records[clean.pk]["signals"]["outcome"]["run_signals"]] == [5, None]
    assert records[real.pk]["signals"]["outcome"]["run_signals"] == [
        {"kind": s.kind, "severity": s.severity, "message": s.message, "seq": s.turn and s.turn.seq}
        for s in Signal.objects.filter(simulation=real).order_by("id")
    ]


@pytest.mark.django_db
def test_a_batch_costs_the_queries_of_one_trajectory(mixed):
    def queries(ids: list[int] | None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert export_lines("cut", ids)
        return len(captured)

    # every kind of query is made for the real run alone and for the whole mixed batch
    assert queries([mixed["real"].pk]) == queries(None)


@pytest.mark.django_db
def test_reading_ahead_stops_with_the_reader(computer, monkeypatch):
    sims = [build_simulation(computer, turns=12) for _ in range(3)]
    monkeypatch.setattr(export_batch, "TURN_CHUNK", 2)
    before = threading.active_count()
    lines = export.export_lines(
        export.export_queryset(export.export_candidates(filters=SimulationFilters(state=""))),
        policy=export.BadTurnPolicy.CUT,
    )
    assert json.loads(next(lines))["metadata"]["simulation_id"] == sims[0].pk
    assert threading.active_count() == before + 1  # the turns of the batch are being read
    lines.close()
    assert threading.active_count() == before
    with pytest.raises(ZeroDivisionError):  # the thread's errors are the reader's
        list(export_batch.read_ahead((1 // n for n in (1, 1, 1, 0)), chunk=1))
