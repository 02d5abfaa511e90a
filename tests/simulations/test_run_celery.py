"""A whole simulation through the real Celery worker and Redis, with the offline engine."""

import hashlib

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from pptx import Presentation

from simulations.models import FileChange, Message, Simulation, Turn
from simulations.services.simulations import simulation_create
from studio.models import ComputerFile, LLMCall
from tests.conftest import wait_until
from tests.simulations.checks import (
    assert_computer_untouched,
    assert_contiguous_turns,
    assert_workspace_is_the_replayed_log,
)

OPENERS = {
    "docx": lambda p: Document(p).paragraphs,
    "xlsx": lambda p: load_workbook(p).worksheets,
    "pptx": lambda p: Presentation(p).slides,
    "md": lambda p: p.read_text("utf-8").strip(),
    "csv": lambda p: p.read_text("utf-8").strip(),
    "txt": lambda p: p.read_text("utf-8").strip(),
}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_simulation_runs_end_to_end_through_celery(
    celery_worker_process, computer, user, tmp_path, client
):
    simulation = simulation_create(
        computer=computer, created_by=user, config={"workdays": 3, "seed": 11}
    )
    wait_until(
        lambda: Simulation.objects.get(pk=simulation.pk).is_terminal,
        timeout=240,
        message="the simulation did not finish",
    )
    simulation.refresh_from_db()
    assert simulation.state == "completed", simulation.error or simulation.error_detail
    assert simulation.phase == "done" and simulation.lease_owner == "" and simulation.attempts == 0
    seqs = assert_contiguous_turns(simulation)
    assert len(seqs) > 100

    # the objective agent's month: 3-5 objectives, rubric, deliverables, dates inside the month
    objectives = list(simulation.objectives.order_by("order"))
    assert 3 <= len(objectives) <= 5
    for objective in objectives:
        assert objective.reviewer in {c["name"] for c in computer.profile["collaborators"]}
        assert objective.inputs and all(
            computer.files.filter(path=p, scope="home").exists() for p in objective.inputs
        )
        assert 3 <= objective.rubric.count() <= 12
        assert objective.status == "judged" and objective.score is not None
        assert all(item.awarded is not None and item.reason for item in objective.rubric.all())
        assert {item.tag for item in objective.rubric.all()} >= {"spec", "interaction", "quality"}
    deliverables = list(simulation.deliverables.all())
    assert deliverables and all(d.status == "submitted" for d in deliverables)
    workspace_blobs = simulation.workspace_root / "blobs"
    for d in deliverables:
        blob = workspace_blobs / d.submitted_sha256[:2] / d.submitted_sha256
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == d.submitted_sha256
        assert OPENERS[d.kind](simulation.workspace_root / "home" / d.submitted_path)

    # every actor took part; the worker used the tools the month needs
    actors = set(simulation.turns.values_list("actor", flat=True))
    assert actors == {"objective", "system", "worker", "collaborator", "judge"}
    actions = set(simulation.turns.filter(actor="worker").values_list("action", flat=True))
    assert actions >= {
        "list_dir",
        "read_file",
        "write_file",
        "edit_file",
        "send_message",
        "read_inbox",
        "update_memory",
        "submit_deliverable",
        "advance_clock",
    }
    assert simulation.turns.filter(action="day_start").count() >= 2
    assert simulation.turns.filter(action="condense").exists() and simulation.summary

    # collaborators: replies arrive later in simulated time, shared files appear in the computer
    replies = Message.objects.filter(simulation=simulation, direction="incoming")
    assert replies.exists() and all(
        m.delivered_at and m.delivered_at >= m.in_reply_to.sent_at for m in replies
    )
    shares = FileChange.objects.filter(simulation=simulation, op="share")
    assert shares.exists()
    for share in shares:
        owner, private_path = share.source_path.split(":", 1)
        original = ComputerFile.objects.get(
            computer=computer, scope="collaborator", owner=owner, path=private_path
        )
        assert share.after_sha256 == original.sha256
    # every delivered message, received or sent, is saved as an .eml
    assert (
        FileChange.objects.filter(simulation=simulation, path__endswith=".eml", op="create").count()
        == Message.objects.filter(simulation=simulation, delivered_at__isnull=False).count()
    )

    # the judge and the outcome
    assert simulation.retrospective["strengths"] and simulation.retrospective["lessons"]
    outcome = simulation.outcome
    assert outcome["deliverables_submitted"] == outcome["deliverables_total"] == len(deliverables)
    assert 0 < outcome["score"] <= outcome["max_score"]
    assert (
        outcome["process"]["turns"] == simulation.turn_count - 1
    )  # all but the retrospective itself

    # model calls are recorded and tied to the run; tokens add up
    roles = set(LLMCall.objects.filter(simulation_id=simulation.pk).values_list("role", flat=True))
    assert roles == {"objectives", "worker", "collaborator", "judge"}
    assert simulation.tokens == sum(
        t.prompt_tokens + t.completion_tokens for t in simulation.turns.all()
    )
    assert all(
        t.prompt_chars > 0
        for t in simulation.turns.filter(actor="worker").exclude(action="model_error")
    )

    # the computer stayed pristine; the workspace is exactly the replayed log of file changes
    assert_computer_untouched(computer)
    assert_workspace_is_the_replayed_log(simulation, tmp_path)
    failed = Turn.objects.filter(simulation=simulation).exclude(error="")
    assert not failed.exists(), list(failed.values_list("seq", "action", "error", "arguments"))

    # and its page shows the month: objectives, scores, signals, the retrospective, turns
    client.force_login(user)
    page = client.get(reverse("simulations-detail", args=[simulation.pk])).content.decode()
    assert all(o.key in page for o in objectives) and "Retrospective" in page
    assert f"{outcome['score_pct']} %" in page and "score_objective" in page
    older = client.get(reverse("simulations-detail", args=[simulation.pk]) + "?before=60")
    assert older.status_code == 200 and ">59<" in older.content.decode()
