"""Reviewing in headless Chromium against the studio served by daphne: label turns with the
keyboard, flag a trajectory, filter by label, time-travel to a turn, compare two runs, export
and read the downloaded file."""

from __future__ import annotations

import json
import os
import re

import pytest
from openai.types.chat import ChatCompletionMessageParam
from playwright.sync_api import expect
from pydantic import TypeAdapter

from simulations.models import FileChange
from simulations.review.models import TrajectoryFlag, TurnAnnotation
from tests.conftest import wait_until
from tests.review.conftest import clone_computer, run_simulation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = "/tmp/review-screens"


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user("grace", password="pw-grace-123456")


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def shot(page, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_review_in_the_browser(
    live_studio, page, console_errors, researcher, computer_template, labels, fast_engine, tmp_path
):
    computer = clone_computer(computer_template, owner=researcher)
    first = run_simulation(computer, user=researcher, max_turns=40, seed=21)
    second = run_simulation(computer, user=researcher, max_turns=25, seed=22)
    worker_seqs = list(
        first.turns.filter(actor="worker").order_by("seq").values_list("seq", flat=True)
    )
    start = worker_seqs[0]

    page.goto(live_studio + "/login/?next=/review/")
    page.fill("input[name=username]", "grace")
    page.fill("input[name=password]", "pw-grace-123456")
    page.click("button[type=submit]")
    expect(page).to_have_url(live_studio + "/review/")
    expect(page.locator("#charts svg.bars").first).to_be_visible()
    shot(page, "dashboard")

    # -- label turns with the keyboard -------------------------------------------------------
    page.goto(f"{live_studio}/review/simulations/{first.pk}/turns/1/")
    expect(page.locator("article.turn.selected")).to_have_attribute("data-seq", "1")
    for _ in range(start - 1):
        page.keyboard.press("j")
    selected = page.locator("article.turn.selected")
    expect(selected).to_have_attribute("data-seq", str(start))
    expect(page).to_have_url(re.compile(rf"/turns/{start}/#turn-{start}$"))
    page.keyboard.press("3")  # loop or repetition
    expect(page.locator(f"#annotation-{start} label.choice.on")).to_contain_text(
        "loop or repetition"
    )
    expect(page.locator(f"#annotation-{start} .form-status")).to_have_text("saved")
    page.keyboard.press("j")
    page.keyboard.press("8")  # good example
    page.keyboard.press("c")
    page.keyboard.type("Reads the inputs before writing: keep this.")
    page.keyboard.press("Control+Enter")
    second_turn = worker_seqs[1]
    expect(page.locator(f"#annotation-{second_turn} .form-status")).to_have_text("saved")
    page.keyboard.press("Escape")
    page.keyboard.press("k")
    expect(page.locator("article.turn.selected")).to_have_attribute("data-seq", str(start))
    page.keyboard.press("?")
    expect(page.locator("#help-overlay")).to_be_visible()
    shot(page, "help")
    page.keyboard.press("Escape")
    expect(page.locator("#help-overlay")).to_be_hidden()
    wait_until(lambda: TurnAnnotation.objects.filter(user=researcher).count() == 2, 10)
    mine = {
        a.turn.seq: (set(a.labels.values_list("name", flat=True)), a.comment)
        for a in TurnAnnotation.objects.filter(user=researcher)
    }
    assert mine == {
        start: ({"loop or repetition"}, ""),
        second_turn: ({"good example"}, "Reads the inputs before writing: keep this."),
    }
    page.reload()  # the saved state is the page's state
    expect(page.locator(f"#annotation-{start} input[data-hotkey='3']")).to_be_checked()
    shot(page, "review")

    # -- flag the trajectory --------------------------------------------------------------------
    page.keyboard.press("f")
    expect(page.locator("#flag-form input[value=bad]")).to_be_focused()
    page.keyboard.press("Space")
    page.fill("#flag-form textarea[name=reason]", "Loops over the same files instead of writing.")
    page.locator("#flag-form textarea[name=reason]").press("Control+Enter")
    expect(page.locator("#flag-panel ul.flags")).to_contain_text("bad by grace")
    flag = wait_until(lambda: TrajectoryFlag.objects.filter(simulation=first).first(), 10)
    assert (flag.flag, flag.reason) == ("bad", "Loops over the same files instead of writing.")

    # -- filter by label ---------------------------------------------------------------------
    page.goto(live_studio + "/review/simulations/")
    page.select_option("#simulation-filters select[name=label]", label="loop or repetition")
    page.click("#simulation-filters button[type=submit]")
    expect(page.locator("table.simulations tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-simulation='{first.pk}']")).to_be_visible()
    page.select_option("#simulation-filters select[name=label]", label="good example")
    page.select_option("#simulation-filters select[name=flag]", label="flagged bad")
    page.click("#simulation-filters button[type=submit]")
    expect(page.locator(f"tr[data-simulation='{first.pk}']")).to_be_visible()
    page.goto(live_studio + "/review/turns/")
    page.select_option("#turn-filters select[name=label]", label="good example")
    page.click("#turn-filters button[type=submit]")
    expect(page.locator("table.turns tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-turn='{first.pk}-{second_turn}']")).to_be_visible()
    shot(page, "turns-filtered")

    # -- time travel at a turn that wrote a file ------------------------------------------------
    change = (
        FileChange.objects.filter(simulation=first, op__in=["create", "edit"])
        .order_by("seq")
        .first()
    )
    page.goto(f"{live_studio}/review/simulations/{first.pk}/turns/{change.seq}/#turn-{change.seq}")
    expect(page.locator("article.turn.selected")).to_have_attribute("data-seq", str(change.seq))
    page.keyboard.press("t")
    expect(page).to_have_url(re.compile(rf"/files/\?at={change.seq}$"))
    expect(page.locator("h1")).to_contain_text(f"at turn {change.seq}")
    changed = page.locator("#timetravel-tree li.changed-here a").first
    expect(changed).to_have_text(change.path.rpartition("/")[2])
    shot(page, "timetravel")
    changed.click()
    expect(page.locator("h1.mono")).to_have_text(change.path)
    expect(page.locator("#version-preview")).not_to_be_empty()
    expect(page.locator(".preview-error")).to_have_count(0)
    shot(page, "timetravel-file")

    # -- compare the two runs ---------------------------------------------------------------------
    page.goto(f"{live_studio}/review/simulations/{first.pk}/")
    page.select_option("#compare-form select[name=b]", str(second.pk))
    page.click("#compare-form button[type=submit]")
    expect(page.locator("#compare .turns-a")).to_have_text(str(first.turn_count))
    expect(page.locator("#compare .turns-b")).to_have_text(str(second.turn_count))
    expect(page.locator("table.compare-objectives")).to_contain_text("O1")
    shot(page, "compare")

    # -- export: the flagged run is left out ---------------------------------------------------
    page.goto(live_studio + "/review/export/")
    expect(page.locator("#export-counts")).to_contain_text("1 of them flagged bad")
    page.check("#export-form input[name=policy][value=drop]")
    with page.expect_download() as info:
        page.click("#download-export")
    path = tmp_path / "export.jsonl"
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith(".jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["metadata"]["simulation_id"] for r in records] == [second.pk]
    assert records[0]["metadata"]["policy"]["bad_turns"] == "drop"
    TypeAdapter(list[ChatCompletionMessageParam]).validate_python(records[0]["messages"])
    shot(page, "export")

    # -- learn: the Celery worker distills the skill document; the flagged run taught nothing --
    page.goto(live_studio + "/review/learn/")
    page.click("#distill-all")
    badge = page.locator("section.occupation .badge")
    expect(badge).to_have_text("ready", timeout=30_000)  # the page polls while it distills
    page.locator("section.occupation a", has_text="what the runs taught").click()
    expect(page.locator("ol.lessons")).to_contain_text(f"#{second.pk}")
    expect(page.locator(f"ol.lessons a[href='/review/simulations/{first.pk}/']")).to_have_count(0)
    shot(page, "skill")

    assert not console_errors, console_errors
