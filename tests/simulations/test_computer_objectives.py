"""A computer's own monthly_objectives as the run's plan: the mapping, the launch option (form
and CLI) and the clear refusal when the computer has none."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from simulations.engine import clock
from simulations.engine.computer_objectives import (
    ComputerObjectivesError,
    computer_objectives_plan,
    month_start,
)
from simulations.models import Simulation
from simulations.services.simulations import SimulationRequestError, simulation_create
from studio.models import Computer
from tests.review.paper_fixture import CID, write_paper_computer

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper_computer(tmp_path):
    write_paper_computer(tmp_path)
    call_command("import_computer", str(tmp_path), "--format", "paper", "--pool", "paper")
    return Computer.objects.get(documents__computer_id=CID)


def test_the_papers_deliverables_become_objectives_with_rubrics(paper_computer):
    start = month_start(paper_computer)
    assert start == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # the period's first Monday
    plan = computer_objectives_plan(computer=paper_computer, start=start, workdays=20)
    report, dashboard = plan.objectives
    assert report.title == "GDP audit readiness report"
    assert clock.nth_workday(start, report.target_workday) == dt.date(2026, 3, 20)
    assert report.deliverables[0].kind == "docx"
    assert report.deliverables[0].path == "Documents/GDP audit readiness report.docx"
    # rubric items from the description's sentences, topped up with the file's own checks
    texts = [r.text for r in report.rubric]
    assert any("open excursions, corrective actions and owners" in t for t in texts)
    assert {r.tag for r in report.rubric} == {"spec", "quality", "interaction"}
    assert report.reviewer in {"Joost de Vries", "Anouk Bakker"}
    # inputs: the home files of the deliverable's project... none given here, so none invented
    assert all(paper_computer.files.filter(path=p, scope="home").exists() for p in report.inputs)
    assert "Weekly lane review" in report.description
    assert any(m.title.startswith("Week 1: collect data") for m in report.milestones)
    # the undated deliverable is spread to the month's end, after the dated one
    assert dashboard.target_workday == 20 and dashboard.deliverables[0].kind == "xlsx"


def test_missing_keys_and_other_shapes_are_tolerated(paper_computer):
    paper_computer.documents["monthly_objectives"] = {
        "deliverables": [
            "Quarterly lane slide deck",
            {
                "name": "Lane costs",
                "file_type": "Excel",
                "deadline": "2026-03-06",
                "project_ids": ["P-GDP"],
                "owner": "Anouk Bakker (warehouse)",
                "acceptance_criteria": ["Every lane has a cost per pallet", "Totals add up"],
            },
            {"title": "Q", "format": "pdf", "path": "C:\\Users\\mheller\\Desktop\\q.pdf"},
        ],
        "an_unknown_key": 1,
    }
    paper_computer.save(update_fields=["documents"])
    assert month_start(paper_computer) is None
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    plan = computer_objectives_plan(computer=paper_computer, start=start, workdays=10)
    costs = plan.objectives[0]
    assert costs.deliverables[0].kind == "xlsx" and costs.reviewer == "Anouk Bakker"
    assert costs.target_workday == 5
    assert [r.text for r in costs.rubric[:2]] == [
        "Every lane has a cost per pallet",
        "Totals add up",
    ]
    assert set(costs.inputs) == set(
        paper_computer.files.filter(scope="home", project="P-GDP").values_list("path", flat=True)
    )
    kinds = sorted(d.kind for o in plan.objectives for d in o.deliverables)
    assert kinds == ["docx", "pptx", "xlsx"]  # the deck by its title; the pdf as a docx
    assert plan.objectives[2].deliverables[0].path == "Desktop/q.docx"
    assert all(len(o.rubric) >= 3 for o in plan.objectives)


def test_a_computer_without_monthly_objectives_is_refused_at_launch(paper_computer, computer):
    with pytest.raises(SimulationRequestError, match="no monthly objectives"):
        simulation_create(computer=computer, config={"computer_objectives": True}, enqueue=False)
    paper_computer.profile = {**paper_computer.profile, "collaborators": []}
    paper_computer.save(update_fields=["profile"])
    with pytest.raises(ComputerObjectivesError, match="no collaborators"):
        computer_objectives_plan(
            computer=paper_computer, start=month_start(paper_computer), workdays=20
        )
    assert not Simulation.objects.exists()


def test_the_cli_option(paper_computer, computer):
    out = io.StringIO()
    call_command(
        "simulate", "--computer", str(paper_computer.pk), "--computer-objectives", stdout=out
    )
    simulation = Simulation.objects.get()
    assert simulation.options.computer_objectives is True
    with pytest.raises(CommandError, match="no monthly objectives"):
        call_command("simulate", "--computer", str(computer.pk), "--computer-objectives")


def test_the_launch_form_option(paper_computer, computer, client, user):
    client.force_login(user)
    url = reverse("simulations-new")
    page = client.get(url)
    assert b"own monthly objectives" in page.content
    form = {"computers": [computer.pk], "per_computer": 1, "workdays": 20, "max_turns": 100}
    refused = client.post(url, {**form, "computer_objectives": "on"})
    assert refused.status_code == 400 and b"no monthly objectives" in refused.content
    assert not Simulation.objects.exists()
    client.post(url, {**form, "computers": [paper_computer.pk], "computer_objectives": "on"})
    assert Simulation.objects.get().options.computer_objectives is True
