# ruff: noqa: F811 (fixtures imported from other test modules are parameters here)
"""A researcher's first hour, in headless Chromium against daphne and a Celery worker: every
main page fits a 1,024 px window, launching lands on the live page, the run's page keeps up
with the run, Cancel asks first, compare lets you choose any two runs, the review page says
what a bad label does to the export, counts agree, and the Learn pages read well."""

from __future__ import annotations

import json
import os
import re

import pytest
from playwright.sync_api import expect

from simulations.models import Simulation
from simulations.review import export, skills
from studio.models import ComputerFile
from studio.templatetags.studio_files import file_url
from tests.browser.test_browse import console_errors, researcher  # noqa: F401 (fixtures)
from tests.computer_templates import clone_computer, make_template
from tests.conftest import wait_until
from tests.review.conftest import fast_engine, labels, run_simulation  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/first-hour-screens"
PASSWORD = "pw-grace-123456"
PERSONA = (
    b'{"persona": "A logistics coordinator at a regional freight company who schedules '
    b'deliveries, tracks carrier costs and reports on on-time performance."}\n'
)
WIDTHS = (1024,)


@pytest.fixture(scope="module")
def template(django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        return make_template(
            persona=PERSONA, target_files=24, seed=5,
            folder=tmp_path_factory.mktemp("first-hour") / "root",
        )  # fmt: skip


def log_in(page, base: str) -> None:
    page.goto(base + "/login/?next=/")
    page.fill("input[name=username]", "grace")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/")


def fits(page, width: int, name: str) -> None:
    """The page is no wider than the window: nothing to scroll sideways, nothing clipped."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_load_state("networkidle")  # the page as it settles, its partials loaded
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/too-wide-{name}-{width}.png", full_page=True)
    wide = page.evaluate(
        """w => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
        .slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
        inner,
    )
    assert scroll <= inner, f"{name} is {scroll} px wide in a {inner} px window: {wide}"


def text_of(page, selector: str) -> str:
    return " ".join(" ".join(page.locator(selector).all_inner_texts()).split())


def test_every_main_page_fits_a_1024_px_window(
    live_studio, page, console_errors, researcher, template, labels, fast_engine
):
    first_computer = clone_computer(template, owner=researcher)
    other_computer = clone_computer(template, owner=researcher)
    first = run_simulation(first_computer, user=researcher, max_turns=60, seed=1)
    second = run_simulation(first_computer, user=researcher, max_turns=40, seed=2)
    elsewhere = run_simulation(other_computer, user=researcher, max_turns=30, seed=3)
    occupation = skills.occupation_of(first_computer.profile, first_computer.job_title)
    document = skills.skill_document_build(occupation=occupation, requested_by=researcher)
    assert document.state == "ready", document.error
    files = {
        f.kind: f
        for f in ComputerFile.objects.filter(computer=first_computer, scope="home").order_by(
            "-size"
        )
    }
    assert {"docx", "xlsx", "pptx", "pdf"} <= set(files), sorted(files)
    pages = {
        "home": "/",
        "pools": "/pools/",
        "pool": f"/pools/{first_computer.pool_id}/",
        "computers": "/computers/",
        "computer": f"/computers/{first_computer.pk}/",
        **{f"file-{kind}": file_url(files[kind]) for kind in ("docx", "xlsx", "pptx", "pdf")},
        "simulations": "/simulations/",
        "launch": f"/simulations/new/?computer={first_computer.pk}",
        "simulation": f"/simulations/{first.pk}/",
        "live": f"/simulations/{first.pk}/live/",
        "review-dashboard": "/review/",
        "review-list": "/review/simulations/",
        "review-turns": "/review/turns/",
        "review-run": f"/review/simulations/{first.pk}/",
        "review-turn": f"/review/simulations/{first.pk}/turns/5/",
        "timetravel": f"/review/simulations/{first.pk}/files/",
        "compare-picker": "/review/compare/",
        "compare": f"/review/compare/?a={first.pk}&b={second.pk}",
        "compare-computers": f"/review/compare/?a={first.pk}&b={elsewhere.pk}",
        "labels": "/review/labels/",
        "export": "/review/export/",
        "learn": "/review/learn/",
        "skill": f"/review/learn/{document.pk}/",
        "search": "/review/search/?q=report",
        "queues": "/review/queues/",
        "experiments": "/experiments/",
        "experiment-new": "/experiments/new/",
        "skill-versions": "/experiments/skills/",
    }
    log_in(page, live_studio)
    os.makedirs(SCREENSHOTS, exist_ok=True)
    for name, url in pages.items():
        page.set_viewport_size({"width": 1024, "height": 900})
        response = page.goto(live_studio + url)
        assert response.status == 200, (name, response.status)
        if name == "live":
            expect(page.locator("#timeline > li.turn").first).to_be_visible()
        fits(page, 1024, name)
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)
    # The run's page was the widest: it fits at the common laptop and desktop widths too.
    page.goto(f"{live_studio}/simulations/{first.pk}/")
    for width in (1400, 1280, 1024):
        fits(page, width, "simulation")
        score = page.locator("table.deliverables th", has_text="Score").first
        box = score.bounding_box()
        assert box["x"] + box["width"] <= width, f"the Score column is clipped at {width} px"

    # Tool arguments read as JSON, not as Python.
    arguments = text_of(page, "table.turns td.mono")
    assert '"path":' in arguments and "{'" not in arguments

    # Counts agree: the computers list and the jobs panel count files alike.
    page.goto(live_studio + "/computers/")
    home_files = ComputerFile.objects.filter(computer=first_computer, scope="home").count()
    row = page.locator(
        "table.computers tr", has=page.locator(f"a[href='/computers/{first_computer.pk}/']")
    )
    expect(row.locator(".file-count")).to_contain_text(f"{home_files} files")

    # The simulations list names runs as runs and computers by their person.
    page.goto(live_studio + "/simulations/")
    listed = page.locator("table.simulations tbody tr").filter(has_text=f"Run #{first.pk}")
    expect(listed).to_contain_text(first_computer.display_name)
    assert f"#{first_computer.pk} " not in listed.inner_text()

    # Learn: the group has a proper name, the span is real, the checklist reads well.
    page.goto(f"{live_studio}/review/learn/")
    section = page.locator(f"section.occupation[data-occupation='{occupation}']")
    expect(section.locator("h2")).to_contain_text(occupation)
    expect(section.locator("h2")).to_contain_text("simulated workday")
    assert occupation == "Logistics and supply chain"
    page.goto(f"{live_studio}/review/learn/{document.pk}/")
    expect(page.locator("h1")).to_contain_text(occupation)
    for item in page.locator("ul.checklist li").all_inner_texts():
        assert not item.startswith("Did I") and item.endswith("."), item
    assert "month(s)" not in page.content()
    assert console_errors == []


def test_review_says_what_bad_labels_do_and_compare_lets_you_choose(
    live_studio, page, console_errors, researcher, template, labels, fast_engine
):
    computer = clone_computer(template, owner=researcher)
    other = clone_computer(template, owner=researcher)
    first = run_simulation(computer, user=researcher, max_turns=40, seed=4)
    elsewhere = run_simulation(other, user=researcher, max_turns=30, seed=5)
    log_in(page, live_studio)

    # The review page names the bad labels and the export's rule, from the export's own text.
    page.goto(f"{live_studio}/review/simulations/{first.pk}/")
    rule = page.locator("#bad-rule")
    for name in export.bad_label_names():
        expect(rule).to_contain_text(name)
    for text in export.POLICY_TEXT.values():
        expect(rule).to_contain_text(text)

    # Label a turn bad with the keyboard; the page then says where the export would cut.
    seq = first.turns.filter(actor="worker").order_by("seq").values_list("seq", flat=True)[3]
    page.goto(f"{live_studio}/review/simulations/{first.pk}/turns/{seq}/")
    expect(page.locator("article.turn.selected")).to_have_attribute("data-seq", str(seq))
    page.keyboard.press("3")  # loop or repetition: a bad label
    expect(page.locator(f"#annotation-{seq} .form-status")).to_have_text("saved")
    page.goto(f"{live_studio}/review/simulations/{first.pk}/")
    expect(page.locator("#bad-rule")).to_contain_text(f"keeps turns 1–{seq - 1}")
    manifest = page.request.get(
        f"{live_studio}/review/export/manifest.json?state=completed&policy=cut"
    ).json()
    assert (manifest["written"], manifest["cut"], manifest["dropped_bad_label"]) == (2, 1, 0)
    dropped = page.request.get(
        f"{live_studio}/review/export/manifest.json?state=completed&policy=drop"
    ).json()
    assert (dropped["written"], dropped["dropped_bad_label"]) == (1, 1)

    # "f" brings the flag choices into view below the sticky top bar.
    page.set_viewport_size({"width": 1024, "height": 700})
    page.goto(f"{live_studio}/review/simulations/{first.pk}/turns/{seq + 20}/")
    page.keyboard.press("f")
    focused = page.locator("#flag-form input[name=flag]:focus")
    expect(focused).to_have_count(1)
    bar = page.locator(".topbar").bounding_box()
    legend = page.locator("#flag-form legend").bounding_box()
    assert legend["y"] >= bar["y"] + bar["height"], (legend, bar)

    # Compare: from the navigation, choose any two runs, of different computers too.
    page.goto(f"{live_studio}/review/")
    page.click("nav.subnav a:text-is('Compare')")
    expect(page).to_have_url(f"{live_studio}/review/compare/")
    page.select_option("#compare-picker select[name=a]", str(first.pk))
    page.select_option("#compare-picker select[name=b]", str(elsewhere.pk))
    page.click("#compare-picker button[type=submit]")
    expect(page.locator("h1")).to_have_text("Two runs of different computers")
    expect(page.locator("#compare .turns-a")).to_have_text(str(first.turn_count))
    expect(page.locator("#compare .turns-b")).to_have_text(str(elsewhere.turn_count))
    # and from a run's page
    page.goto(f"{live_studio}/simulations/{first.pk}/")
    page.click("a:text-is('Compare with another run')")
    expect(page.locator("#compare-picker select[name=a]")).to_have_value(str(first.pk))
    assert console_errors == []


def test_launch_lands_on_live_and_the_run_page_keeps_up(
    live_studio, page, console_errors, researcher, template
):
    computer = clone_computer(template, owner=researcher)
    log_in(page, live_studio)
    page.goto(f"{live_studio}/simulations/new/?computer={computer.pk}")
    page.fill("input[name=workdays]", "5")
    page.fill("input[name=max_turns]", "400")
    page.fill("input[name=seed]", "9")
    for role in ("worker", "collaborator", "objectives", "judge"):
        page.fill(f"input[name=model_{role}]", "offline:latency=150")
    page.click("form.launch button[type=submit]")
    simulation = wait_until(lambda: Simulation.objects.filter(computer=computer).first(), 10)
    # Launching one run lands on its live page.
    expect(page).to_have_url(f"{live_studio}/simulations/{simulation.pk}/live/")
    expect(page.locator("#connection")).to_have_text(re.compile("live"))

    # The run's own page keeps up without a reload; live watching is its first button.
    page.goto(f"{live_studio}/simulations/{simulation.pk}/")
    expect(page.locator("#watch-live")).to_have_text("Watch live")
    expect(page.locator("#progress")).to_have_attribute("data-refreshing", "on")
    shown = int(page.locator("#turn-count").inner_text().replace(",", ""))
    expect(page.locator("#turn-count")).not_to_have_text(str(shown), timeout=30_000)
    wait_until(lambda: int(page.locator("#turn-count").inner_text()) > shown + 2, 30)

    # Cancel asks first: dismissed, the run goes on; accepted, it stops.
    questions: list[str] = []

    def answer(dialog, accept: bool):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click(".controls button:text-is('Cancel')")
    assert questions and "Cancel run" in questions[0]
    simulation.refresh_from_db()
    assert simulation.state in ("queued", "running")
    page.once("dialog", lambda d: answer(d, True))
    page.click(".controls button:text-is('Cancel')")
    expect(page.locator(".messages")).to_contain_text("cancelled")
    wait_until(lambda: Simulation.objects.get(pk=simulation.pk).state == "cancelled", 30)
    page.goto(f"{live_studio}/simulations/{simulation.pk}/")
    expect(page.locator("#progress")).to_have_attribute("data-refreshing", "off")
    assert console_errors == [], json.dumps(console_errors)
