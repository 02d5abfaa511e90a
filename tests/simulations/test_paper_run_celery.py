"""A computer imported from the paper's layout, simulated through the real Celery worker (with and
without its own monthly objectives): the workspace keeps its volumes, the second volume's file is
time-travelled, and the computer still exports and re-imports unchanged."""

from __future__ import annotations

import html

import pytest
from django.core.management import call_command
from django.urls import reverse

from simulations.models import Simulation
from simulations.review import timetravel
from simulations.services.simulations import simulation_create
from studio.models import Computer
from tests.conftest import wait_until
from tests.review.paper_fixture import CID, DOCUMENTS, write_paper_computer
from tests.review.test_paper_export import snapshot
from tests.simulations.checks import assert_computer_untouched, assert_contiguous_turns

LANES = "D:\\Archive\\2025\\lanes 2025.xlsx"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("own_objectives", [True, False])
def test_a_paper_computer_runs_through_celery(
    celery_worker_process, user, client, tmp_path, own_objectives
):
    write_paper_computer(tmp_path / "src")
    call_command("import_computer", str(tmp_path / "src"), "--format", "paper", "--pool", "paper")
    computer = Computer.objects.get(documents__computer_id=CID)
    simulation = simulation_create(
        computer=computer,
        created_by=user,
        config={"workdays": 20, "seed": 5, "computer_objectives": own_objectives},
    )
    wait_until(
        lambda: Simulation.objects.get(pk=simulation.pk).is_terminal,
        timeout=300,
        message="the simulation did not finish",
    )
    simulation.refresh_from_db()
    assert simulation.state == "completed", simulation.error or simulation.error_detail
    turns = len(assert_contiguous_turns(simulation))
    assert turns > 100

    titles = [o.title for o in simulation.objectives.order_by("order")]
    if own_objectives:
        paper = sorted(
            DOCUMENTS["monthly_objectives"]["deliverables"], key=lambda d: "due" not in d
        )
        assert titles == [d["title"] for d in paper]
        assert simulation.sim_started_at.date().isoformat() == "2026-03-02"
    else:
        assert 3 <= len(titles) <= 5
    assert all(o.status == "judged" and o.score is not None for o in simulation.objectives.all())

    # the run's workspace keeps the volumes, and the run left the computer as it was
    workspace = simulation.workspace_root
    assert (workspace / "volumes.json").is_file()
    assert (workspace / "volumes" / "d" / "Archive" / "2025" / "lanes 2025.xlsx").is_file()
    assert_computer_untouched(computer)

    # time travel: the second volume's file is in the tree and opens at the last turn
    last = simulation.turns.order_by("-seq").values_list("seq", flat=True).first()
    files = timetravel.files_at(simulation=simulation, seq=last)
    assert LANES in files
    tree = timetravel.tree_of(files)
    assert "D:\\" in [f.name for f in tree.folders]
    client.force_login(user)
    page = client.get(reverse("review-version", args=[simulation.pk, LANES]) + f"?at={last}")
    assert page.status_code == 200
    assert "RTM-BRU" in html.unescape(page.content.decode())

    # the computer exports and re-imports unchanged after the run
    out = tmp_path / "out"
    call_command(
        "export_computer", "--computer", str(computer.pk), "--format", "paper", "--out", str(out)
    )
    call_command("import_computer", str(out), "--format", "paper", "--pool", "back")
    back = Computer.objects.get(pool__name="back")
    assert snapshot(back) == snapshot(computer)
    assert back.volumes == computer.volumes and back.documents == computer.documents
