"""Parquet shards read back with pyarrow: one row per trajectory holding the JSONL record,
shards of N, a manifest with the counts and the policy, and resuming an interrupted export."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from simulations.models import Turn
from simulations.review import export
from simulations.review.models import TrajectoryFlag
from simulations.review.selectors import SimulationFilters
from simulations.review.services.annotations import turn_annotate
from tests.review.conftest import build_simulation, run_simulation

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs(computer, user, labels, fast_engine):
    """Two real runs and three hand-built ones; one flagged bad, one with a bad-labelled turn."""
    sims = [run_simulation(computer, user=user, max_turns=20, seed=s) for s in (3, 4)]
    sims += [build_simulation(computer, turns=8, user=user) for _ in range(3)]
    TrajectoryFlag.objects.create(simulation=sims[2], user=user, flag="bad", reason="broken")
    bad_turn = Turn.objects.get(simulation=sims[3], seq=5)
    turn_annotate(turn=bad_turn, user=user, label_ids=[labels["loop or repetition"].pk], comment="")
    return sims


def jsonl_records(policy: str) -> dict[int, dict]:
    candidates = export.export_candidates(filters=SimulationFilters(state="completed"))
    lines = export.export_lines(
        export.export_queryset(candidates), policy=export.BadTurnPolicy(policy)
    )
    return {r["metadata"]["simulation_id"]: r for r in map(json.loads, lines)}


def read_rows(directory) -> list[dict]:
    return [
        row
        for path in sorted(directory.glob("shard-*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]


def export_parquet(out, **options):
    call_command(
        "export_trajectories", "--format", "parquet", "--out", str(out), **options, stdout=None
    )
    return json.loads((out / "manifest.json").read_text())


def test_shards_hold_the_jsonl_records(runs, tmp_path):
    out = tmp_path / "corpus"
    manifest = export_parquet(out, shard_size=2)
    # 4 candidates after the flagged one; shards of 2 in id order.
    assert [s["file"] for s in manifest["shards"]] == ["shard-00000.parquet", "shard-00001.parquet"]
    assert manifest["complete"] is True
    assert (manifest["candidates"], manifest["excluded_flagged_bad"]) == (5, 1)
    assert (manifest["written"], manifest["cut"], manifest["dropped_bad_label"]) == (4, 1, 0)
    assert manifest["policy"]["bad_turns"] == "cut" and manifest["filters"] == {
        "state": "completed"
    }
    rows = read_rows(out)
    assert [r["simulation_id"] for r in rows] == sorted(r["simulation_id"] for r in rows)
    records = jsonl_records("cut")
    assert {r["simulation_id"] for r in rows} == set(records)
    for row in rows:
        record = records[row["simulation_id"]]
        back = {k: json.loads(row[k]) for k in ("messages", "tools", "metadata", "signals")}
        back["parallel_tool_calls"] = row["parallel_tool_calls"]
        assert back == record  # the JSONL line's content, exactly
        assert row["message_count"] == len(record["messages"])
        assert row["truncated"] == (row["simulation_id"] == runs[3].pk)
        assert row["computer_id"] == runs[0].computer_id
    schema = pq.read_schema(out / "shard-00000.parquet")
    assert schema.names == manifest["columns"]
    assert pq.ParquetFile(out / "shard-00000.parquet").metadata.num_row_groups >= 1


def test_drop_policy_counts_what_it_left_out(runs, tmp_path):
    manifest = export_parquet(tmp_path / "drop", shard_size=10, policy="drop")
    assert (manifest["written"], manifest["dropped_bad_label"], manifest["cut"]) == (3, 1, 0)
    assert runs[3].pk not in {r["simulation_id"] for r in read_rows(tmp_path / "drop")}


def test_a_rerun_resumes(runs, tmp_path, capsys):
    out = tmp_path / "resume"
    first = export_parquet(out, shard_size=1)
    assert len(first["shards"]) == 4
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}
    # An interrupted run: the last shard's file is gone, another is damaged.
    (out / "shard-00003.parquet").unlink()
    (out / "shard-00001.parquet").write_bytes(b"not parquet")
    call_command("export_trajectories", "--format", "parquet", "--out", str(out), shard_size=1)
    said = capsys.readouterr().out
    assert "kept shard-00000.parquet" in said and "kept shard-00002.parquet" in said
    assert "wrote shard-00001.parquet" in said and "wrote shard-00003.parquet" in said
    second = json.loads((out / "manifest.json").read_text())
    assert (out / "shard-00000.parquet").stat().st_mtime_ns == stamps["shard-00000.parquet"]
    assert [s["sha256"] for s in second["shards"]][::2] == [s["sha256"] for s in first["shards"]][
        ::2
    ]
    assert second["written"] == first["written"] == 4
    assert len(read_rows(out)) == 4
    assert not list(out.glob(".*partial"))


def test_other_settings_into_the_same_directory_are_refused(runs, tmp_path):
    out = tmp_path / "mixed"
    export_parquet(out, shard_size=2)
    before = (out / "manifest.json").read_text()
    with pytest.raises(CommandError, match="other settings"):
        export_parquet(out, shard_size=2, policy="drop")
    with pytest.raises(CommandError, match="directory"):
        call_command("export_trajectories", "--format", "parquet", "--out", "-")
    assert (out / "manifest.json").read_text() == before
