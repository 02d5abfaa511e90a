"""An experiment from the browser against the studio served by daphne, with the real Celery
worker: create it, watch its results fill in without reloading, download the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from simulations.learning.models import Experiment

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.timeout(600)
def test_create_an_experiment_and_watch_it_fill_in(live_studio, page, user, make_pool):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    train, heldout = make_pool("browser-train", 1), make_pool("browser-heldout", 2)

    # ada: the tests' `user`, who owns the pools
    page.goto(live_studio + "/login/?next=/experiments/new/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "pw-ada-123456")
    page.click("button[type=submit]")
    page.fill("input[name=name]", "skills on the browser pool")
    page.select_option("select[name=heldout_pool]", str(heldout.pk))
    page.select_option("select[name=train_pool]", str(train.pk))
    page.fill("input[name=workdays]", "2")
    page.fill("input[name=max_turns]", "50")
    page.click("#create-experiment")

    experiment = Experiment.objects.get(name="skills on the browser pool")
    expect(page.locator("h1")).to_have_text("skills on the browser pool")
    expect(page.locator(".offline-engine").first).to_contain_text("offline engine")
    expect(page.locator("#results")).to_contain_text("No held-out run has finished yet")
    # the results fill in as the runs finish, with no reload: htmx polls the partial
    expect(page.locator("#experiment-state")).to_have_text("done", timeout=400_000)
    expect(page.locator("#per-computer tbody tr")).to_have_count(2)
    expect(page.locator("svg.chart rect.bar")).to_have_count(2)
    expect(page.locator("#arms tr[data-arm=skills] td").nth(1)).to_have_text("2")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    page.screenshot(path="/tmp/experiment-results.png", full_page=True)

    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename == f"experiment-{experiment.pk}.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("# offline engine")
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    assert sorted((r["computer"], r["arm"]) for r in rows) == sorted(
        (str(c), arm) for c in heldout.computers.values_list("pk", flat=True)
        for arm in ("baseline", "skills")
    )  # fmt: skip
    assert not errors, errors
