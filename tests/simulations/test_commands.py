"""The CLI: simulate (inline and through Celery with --wait) and sim_control."""

import pytest
from django.core.management import CommandError, call_command

from simulations.models import Simulation


@pytest.mark.django_db(transaction=True)
def test_simulate_inline_to_the_end(computer, fast_engine, capsys):
    call_command(
        "simulate", "--computer", str(computer.pk), "--turns", "40", "--workdays", "2", "--inline"
    )
    out = capsys.readouterr().out
    sim = Simulation.objects.get()
    assert sim.state == "completed" and sim.stop_reason == "turn limit reached (40 turns)"
    assert f"simulation {sim.pk} completed" in out and "score" in out


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_simulate_waits_for_the_celery_workers(celery_worker_process, computer, capsys):
    call_command(
        "simulate",
        "--computer",
        str(computer.pk),
        "--turns",
        "30",
        "--workdays",
        "2",
        "--wait",
        "--timeout",
        "120",
    )
    sim = Simulation.objects.get()
    assert sim.state == "completed" and sim.turn_count >= 30
    assert f"simulation {sim.pk} completed" in capsys.readouterr().out


@pytest.mark.django_db
def test_sim_control(computer, monkeypatch, capsys):
    monkeypatch.setattr("simulations.tasks.advance_simulation.apply_async", lambda *a, **k: None)
    call_command("simulate", "--computer", str(computer.pk))
    sim = Simulation.objects.get()
    call_command("sim_control", "pause", str(sim.pk))
    assert Simulation.objects.get().state == "paused"
    call_command("sim_control", "resume", str(sim.pk))
    assert Simulation.objects.get().state == "queued"
    call_command("sim_control", "cancel", str(sim.pk))
    call_command("sim_control", "status", str(sim.pk))
    assert "cancelled" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already finished"):
        call_command("sim_control", "cancel", str(sim.pk))
    with pytest.raises(CommandError, match="no simulation 999"):
        call_command("sim_control", "pause", "999")
    with pytest.raises(CommandError, match="no computer"):
        call_command("simulate", "--computer", "999")
