"""Export: the JSONL replays as valid OpenAI chat messages, is what the worker saw and did,
excludes what the policy excludes, and streams one trajectory at a time."""

from __future__ import annotations

import json
import types

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openai.types.chat import (
    ChatCompletionMessage,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)
from pydantic import TypeAdapter

from simulations.models import Deliverable, Objective, Simulation, Turn
from simulations.review import export
from simulations.review.selectors import SimulationFilters
from simulations.review.services.annotations import trajectory_flag, turn_annotate
from studio.models import LLMCall
from tests.review.conftest import build_simulation, run_simulation

MESSAGES = TypeAdapter(list[ChatCompletionMessageParam])
TOOLS = TypeAdapter(list[ChatCompletionToolParam])


def export_all(policy="cut", **filters) -> tuple[list[dict], export.ExportStats]:
    stats = export.ExportStats()
    candidates = export.export_candidates(filters=SimulationFilters(**filters))
    lines = list(
        export.export_lines(
            export.export_queryset(candidates), policy=export.BadTurnPolicy(policy), stats=stats
        )
    )
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    return [json.loads(line) for line in lines], stats


def check_chat(record: dict) -> None:
    """Valid OpenAI messages and tools, and every tool call answered by its tool message."""
    messages = record["messages"]
    MESSAGES.validate_python(messages)
    TOOLS.validate_python(record["tools"])
    assert messages[0]["role"] == "system" and messages[1]["role"] == "user"
    pending: list[str] = []
    for message in messages:
        if message["role"] == "assistant":
            assert not pending, "a tool call was left without its result"
            ChatCompletionMessage.model_validate(message)
            pending = [call["id"] for call in message.get("tool_calls") or []]
            for call in message.get("tool_calls") or []:
                assert call["function"]["name"] in {t["function"]["name"] for t in record["tools"]}
        elif message["role"] == "tool":
            assert pending and message["tool_call_id"] == pending.pop(0)
    assert not pending


@pytest.mark.django_db
def test_export_of_a_real_run_is_what_the_worker_saw(computer, user, fast_engine, labels):
    # a history window wider than the run: no condensation, so each call's history is the
    # whole run so far and the export can be compared to the last logged call
    sim = run_simulation(computer, user=user, max_turns=30, history_max_chars=1_000_000)
    assert sim.summary_upto_seq == 0  # no condensation: each call's history is all turns so far
    [record], stats = export_all()
    assert stats.written == 1 and stats.simulation_ids == [sim.pk]
    check_chat(record)
    messages = record["messages"]

    # The worker's last model call, as the gateway logged it: its system and situation
    # messages open the trajectory... (the situation message is the first call's)
    worker_turns = list(
        Turn.objects.filter(simulation=sim, actor="worker")
        .exclude(llm_call_id=None)
        .order_by("seq")
    )
    first = LLMCall.objects.get(pk=worker_turns[0].llm_call_id).request["messages"]
    assert messages[:2] == first[:2]
    # ...and its history is exactly the exported messages before that turn's own message, except
    # that the export's assistant messages carry the full reasoning and arguments produced.
    last_turn = worker_turns[-1]
    request = LLMCall.objects.get(pk=last_turn.llm_call_id).request["messages"]
    index = next(
        t["message_index"]
        for t in record["signals"]["process"]["turns"]
        if t["seq"] == last_turn.seq
    )
    # (the request's last message is its situation now, rebuilt for each call)
    seen, exported = request[2:-1], messages[2:index]
    assert len(seen) == len(exported) > 10
    for was, now in zip(seen, exported, strict=True):
        if was["role"] != "assistant":
            assert was == now
            continue
        assert [c["id"] for c in was.get("tool_calls") or []] == [
            c["id"] for c in now.get("tool_calls") or []
        ]
        assert [c["function"]["name"] for c in was.get("tool_calls") or []] == [
            c["function"]["name"] for c in now.get("tool_calls") or []
        ]
        for w, n in zip(was.get("tool_calls") or [], now.get("tool_calls") or [], strict=True):
            produced = json.loads(n["function"]["arguments"])
            assert produced == Turn.objects.get(simulation=sim, tool_call_id=n["id"]).arguments
            assert len(w["function"]["arguments"]) <= len(n["function"]["arguments"])
    # The last assistant message of the run is the worker's final action, in full.
    last_assistant = messages[index]
    assert last_assistant["tool_calls"][0]["id"] == last_turn.tool_call_id
    assert last_assistant["content"] == (last_turn.reasoning or None)

    # Nothing the worker never saw: no objective agent, judge, condensation or stop turns.
    hidden = set(
        Turn.objects.filter(simulation=sim, actor__in=["objective", "judge"]).values_list(
            "observation", flat=True
        )
    )
    assert not any(m.get("content") in hidden for m in messages if m.get("content"))

    meta = record["metadata"]
    assert meta["simulation_id"] == sim.pk and meta["format"] == export.FORMAT
    assert meta["persona"]["text"] == computer.persona.text
    assert meta["computer"]["id"] == computer.pk and meta["computer"]["occupation_family"]
    assert len(meta["objectives"]) == Objective.objects.filter(simulation=sim).count() >= 3
    assert all(o["rubric"] for o in meta["objectives"])
    assert set(meta["models"]) >= {"objectives", "worker", "judge"}
    assert meta["models"]["worker"][0]["backend"] == "offline engine"
    assert meta["context_source"] == "llm_call_log"
    assert meta["policy"] == {
        "flagged_bad_trajectories": "excluded",
        "bad_turns": "cut",
        "bad_turns_rule": export.POLICY_TEXT[export.BadTurnPolicy.CUT],
        "bad_labels": [n for n, lb in labels.items() if lb.is_bad],
        "cut_before_seq": None,
        "truncated": False,
    }

    per_turn = {t["seq"]: t for t in record["signals"]["process"]["turns"]}
    for turn in Turn.objects.filter(simulation=sim, actor="worker"):
        entry = per_turn[turn.seq]
        assert entry["flags"] == turn.signals and entry["error"] == bool(turn.error)
        if turn.action:
            assert (
                messages[entry["message_index"]]["tool_calls"][0]["function"]["name"] == turn.action
            )
    outcome = record["signals"]["outcome"]
    assert {d["key"]: d["score"] for d in outcome["deliverables"]} == dict(
        Deliverable.objects.filter(simulation=sim).values_list("key", "score")
    )
    assert outcome["score_pct"] == sim.outcome["score_pct"]
    assert outcome["lessons"] == sim.retrospective["lessons"]
    assert record["signals"]["process"]["totals"]["turns"] == sim.outcome["process"]["turns"]


@pytest.fixture
def four_runs(computer, user, other_user, labels):
    clean = build_simulation(computer, turns=6)
    flagged = build_simulation(computer, turns=6)
    labelled = build_simulation(computer, turns=6)
    good = build_simulation(computer, turns=6)
    trajectory_flag(simulation=flagged, user=other_user, flag="bad", reason="made-up figures")
    trajectory_flag(simulation=flagged, user=user, flag="good")  # one bad flag is enough
    turn_annotate(
        turn=labelled.turns.get(seq=4),
        user=user,
        comment="invents a file",
        label_ids=[labels["hallucinated file or fact"].pk],
    )
    turn_annotate(
        turn=good.turns.get(seq=3), user=user, label_ids=[labels["good example"].pk], comment=""
    )
    return clean, flagged, labelled, good


@pytest.mark.django_db
def test_policy_drop(four_runs):
    clean, flagged, labelled, good = four_runs
    records, stats = export_all(policy="drop")
    assert [r["metadata"]["simulation_id"] for r in records] == [clean.pk, good.pk]
    assert stats.dropped_bad_label == 1
    assert export.flagged_bad_count(export.export_candidates(filters=SimulationFilters())) == 1
    for record in records:
        check_chat(record)
        assert record["metadata"]["policy"]["bad_turns"] == "drop"
        assert record["metadata"]["context_source"] == "reconstructed"  # no logged model call
    good_turn = next(t for t in records[1]["signals"]["process"]["turns"] if t["seq"] == 3)
    assert good_turn["labels"] == ["good example"]


@pytest.mark.django_db
def test_policy_cut(four_runs):
    clean, flagged, labelled, good = four_runs
    records, stats = export_all(policy="cut")
    by_id = {r["metadata"]["simulation_id"]: r for r in records}
    assert set(by_id) == {clean.pk, labelled.pk, good.pk}  # flagged bad: never exported
    assert stats.cut == 1
    cut = by_id[labelled.pk]
    check_chat(cut)
    assert cut["metadata"]["policy"]["cut_before_seq"] == 4
    assert cut["metadata"]["policy"]["truncated"] is True
    ids = [c["id"] for m in cut["messages"] for c in m.get("tool_calls") or []]
    assert ids == [f"call_{labelled.pk}_2", f"call_{labelled.pk}_3"]  # turns 2 and 3, not 4 on
    assert [t["seq"] for t in cut["signals"]["process"]["turns"]] == [1, 2, 3]
    assert cut["signals"]["outcome"]["applies_to"] == "the full run"
    full = by_id[clean.pk]
    assert [c["id"] for m in full["messages"] for c in m.get("tool_calls") or []] == [
        f"call_{clean.pk}_{n}" for n in range(2, 7)
    ]
    # Event notes the worker saw (the morning briefing) are user messages in its history.
    assert full["messages"][2]["role"] == "user" and "day_start" in full["messages"][2]["content"]


@pytest.mark.django_db
def test_cut_at_the_first_action_leaves_nothing(computer, user, labels):
    sim = build_simulation(computer, turns=4)
    turn_annotate(turn=sim.turns.get(seq=2), user=user, label_ids=[labels["unsafe"].pk], comment="")
    records, stats = export_all(policy="cut")
    assert records == [] and stats.empty == 1


@pytest.mark.django_db
def test_invalid_arguments_are_exported_as_sent(computer):
    sim = build_simulation(computer, turns=3)
    Turn.objects.filter(simulation=sim, seq=3).update(
        arguments=None,
        raw_arguments='{"path": "Docu',
        error="bad arguments",
        signals=["tool_error"],
    )
    [record], _ = export_all()
    check_chat(record)
    call = record["messages"][-2]["tool_calls"][0]
    assert call["function"]["arguments"] == '{"path": "Docu'
    assert record["signals"]["process"]["turns"][-1]["flags"] == ["tool_error"]


@pytest.mark.django_db
def test_export_streams_one_trajectory_at_a_time(computer, monkeypatch):
    sims = [build_simulation(computer, turns=6) for _ in range(3)]
    built = []
    original = export.trajectory_record
    monkeypatch.setattr(
        export, "trajectory_record", lambda sim, **kw: built.append(sim.pk) or original(sim, **kw)
    )
    lines = export.export_lines(
        export.export_queryset(export.export_candidates(filters=SimulationFilters())),
        policy=export.BadTurnPolicy.CUT,
    )
    assert isinstance(lines, types.GeneratorType)
    assert built == []  # nothing read before the first line is asked for
    first = next(lines)
    assert built == [sims[0].pk] and json.loads(first)["metadata"]["simulation_id"] == sims[0].pk
    assert len(list(lines)) == 2 and built == [s.pk for s in sims]


@pytest.mark.django_db
def test_queries_per_trajectory_do_not_grow_with_turns(computer):
    def queries_for(sim: Simulation) -> int:
        qs = export.export_queryset(
            export.export_candidates(filters=SimulationFilters(), simulation_ids=[sim.pk])
        )
        with CaptureQueriesContext(connection) as captured:
            assert len(list(export.export_lines(qs, policy=export.BadTurnPolicy.CUT))) == 1
        return len(captured)

    assert queries_for(build_simulation(computer, turns=5)) == queries_for(
        build_simulation(computer, turns=80)
    )


@pytest.mark.django_db
def test_export_command_writes_file_and_manifest(tmp_path, four_runs, labels):
    clean, flagged, labelled, good = four_runs
    out = tmp_path / "out" / "trajectories.jsonl"
    call_command("export_trajectories", "--out", str(out), "--policy", "drop")
    ids = [json.loads(line)["metadata"]["simulation_id"] for line in out.read_text().splitlines()]
    assert ids == [clean.pk, good.pk]
    manifest = json.loads((tmp_path / "out" / "trajectories.jsonl.manifest.json").read_text())
    assert manifest["policy"]["bad_turns"] == "drop"
    assert manifest["policy"]["flagged_bad_trajectories"] == "excluded"
    assert manifest["candidates"] == 4 and manifest["excluded_flagged_bad"] == 1
    assert manifest["written"] == 2 and manifest["dropped_bad_label"] == 1
    assert manifest["simulation_ids"] == ids
    assert not list((tmp_path / "out").glob(".*partial"))

    call_command("export_trajectories", "--out", str(out), "--label", "good example")
    assert [json.loads(x)["metadata"]["simulation_id"] for x in out.read_text().splitlines()] == [
        good.pk
    ]


@pytest.mark.django_db
def test_studio_download_streams_with_filters(auth_client, four_runs, labels):
    clean, flagged, labelled, good = four_runs
    url = reverse("review-export-download")
    response = auth_client.get(url, {"state": "completed", "policy": "drop"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert response["Content-Disposition"].startswith('attachment; filename="trajectories-')
    assert response["X-Export-Policy"] == "flagged-bad=excluded; bad-turns=drop"
    body = b"".join(response.streaming_content).decode()
    assert [json.loads(x)["metadata"]["simulation_id"] for x in body.splitlines()] == [
        clean.pk,
        good.pk,
    ]

    filtered = auth_client.get(
        url,
        {"state": "completed", "policy": "cut", "label": labels["hallucinated file or fact"].pk},
    )
    lines = b"".join(filtered.streaming_content).decode().splitlines()
    assert [json.loads(x)["metadata"]["policy"]["cut_before_seq"] for x in lines] == [4]

    manifest = auth_client.get(
        reverse("review-export-manifest"), {"state": "completed", "policy": "cut"}
    )
    assert manifest.json()["candidates"] == 4 and manifest.json()["excluded_flagged_bad"] == 1
    # The web manifest counts what the same download writes, cuts and drops.
    assert (manifest.json()["written"], manifest.json()["cut"]) == (3, 1)
    assert manifest.json()["dropped_bad_label"] == 0
    assert manifest.json()["simulation_ids"] == [clean.pk, labelled.pk, good.pk]
    dropped = auth_client.get(
        reverse("review-export-manifest"), {"state": "completed", "policy": "drop"}
    ).json()
    assert (dropped["written"], dropped["cut"], dropped["dropped_bad_label"]) == (2, 0, 1)
    page = auth_client.get(reverse("review-export"))
    assert page.status_code == 200 and b"flagged bad (left out)" in page.content
