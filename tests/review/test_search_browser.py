"""Search in headless Chromium against the studio served by daphne: the nav's search box, a hit
opening its turn, a review queue built from the hits, labelling the item from the queue, and
a bulk label undone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from simulations.models import Turn
from simulations.review.models import TurnAnnotation
from simulations.review.queues.models import QueueResponse, ReviewQueue
from tests.conftest import wait_until
from tests.review.conftest import build_simulation, clone_computer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user("hedy", password="pw-hedy-1234567")


def test_search_open_a_hit_and_label_it_from_a_queue(
    live_studio, page, researcher, computer_template, labels
):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    computer = clone_computer(computer_template, owner=researcher)
    sim = build_simulation(computer, turns=12, user=researcher)
    Turn.objects.filter(simulation=sim, seq=7).update(
        reasoning="The <b>pelican</b> budget is over by 12%: tell Grace before Friday."
    )

    page.goto(live_studio + "/login/?next=/review/")
    page.fill("input[name=username]", "hedy")
    page.fill("input[name=password]", "pw-hedy-1234567")
    page.click("button[type=submit]")
    expect(page).to_have_url(live_studio + "/review/")

    # -- the nav's search box --------------------------------------------------------------------
    page.fill("form.nav-search input[name=q]", "pelican")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/review/search/\?q=pelican$"))
    hits = page.locator("li.search-hit")
    expect(hits).to_have_count(1)
    expect(hits.first.locator("mark")).to_have_text("pelican")
    expect(hits.first.locator(".snippet")).to_contain_text("budget is over")
    expect(page.locator("#search-summary")).to_have_text("1 turn match.")

    # -- a hit opens its turn ----------------------------------------------------------------
    hits.first.locator("a.hit-link").click()
    expect(page).to_have_url(re.compile(rf"/review/simulations/{sim.pk}/turns/7/#turn-7$"))
    expect(page.locator("article.turn.selected")).to_have_attribute("data-seq", "7")
    expect(page.locator("article.turn.selected .reasoning")).to_contain_text("<b>pelican</b>")

    # -- a queue from the hits, labelled item by item -----------------------------------------
    page.go_back()
    page.get_by_text("Make a review queue from these hits").click()
    expect(page.locator("#queue-form input[name=q]")).to_have_value("pelican")
    page.fill("#queue-form input[name=name]", "pelicans")
    page.click("#queue-form button[type=submit]")
    queue = wait_until(lambda: ReviewQueue.objects.filter(name="pelicans").first(), 10)
    expect(page).to_have_url(live_studio + f"/review/queues/{queue.pk}/")
    expect(page.locator("#queue-progress")).to_contain_text("0 of 1 items complete")
    page.click("#queue-next")
    expect(page).to_have_url(live_studio + f"/review/queues/{queue.pk}/items/1/")
    expect(page.locator("#queue-item .reasoning")).to_contain_text("pelican")
    page.locator("#queue-item-form label", has_text="loop or repetition").locator("input").check()
    page.fill("#queue-item-form textarea[name=comment]", "Same budget line as turn 3.")
    page.click("#queue-item-form button[type=submit]")
    expect(page).to_have_url(live_studio + f"/review/queues/{queue.pk}/")
    expect(page.locator("ul.messages")).to_contain_text("Nothing left for you")
    expect(page.locator("#queue-progress")).to_contain_text("1 of 1 items complete")
    annotation = TurnAnnotation.objects.get(turn__simulation=sim, turn__seq=7, user=researcher)
    assert list(annotation.labels.values_list("name", flat=True)) == ["loop or repetition"]
    assert annotation.comment == "Same budget line as turn 3."
    assert QueueResponse.objects.get(item__queue=queue, user=researcher).done_at is not None

    # -- a bulk label on every hit of a search, then undone ---------------------------------------
    page.goto(live_studio + "/review/search/?q=result")
    expect(page.locator("#search-summary")).to_have_text("11 turns match.")
    page.select_option("#bulk-label-form select[name=label]", label="good example")
    page.click("#bulk-label-form button[type=submit]")
    expect(page.locator("ul.messages")).to_contain_text("“good example” added to 11 of 11 turns")
    assert (
        TurnAnnotation.objects.filter(user=researcher, labels=labels["good example"]).count() == 11
    )
    page.goto(live_studio + "/review/queues/")
    page.locator("table.bulk-labels button", has_text="Undo").click()
    expect(page.locator("ul.messages")).to_contain_text("removed from 11 turns")
    assert not TurnAnnotation.objects.filter(
        user=researcher, labels=labels["good example"]
    ).exists()
    assert TurnAnnotation.objects.filter(user=researcher).count() == 1  # the queue's, kept
    assert not errors, errors
