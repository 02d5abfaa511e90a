"""The launch form's estimate follows the form as it is filled in, in headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_estimate_follows_the_form(live_studio, page, django_user_model):
    django_user_model.objects.create_user("lin", password="pw-lin-123456")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_studio + "/simulations/new/")
    page.fill("input[name=username]", "lin")
    page.fill("input[name=password]", "pw-lin-123456")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/simulations/new/$"))
    expect(page.locator("#estimate-runs")).to_have_text("1")
    one_run = page.locator("#estimate-tokens").inner_text()

    page.fill("input[name=per_computer]", "3")
    expect(page.locator("#estimate-runs")).to_have_text("3")
    three_runs = page.locator("#estimate-tokens").inner_text()
    assert int(three_runs.replace(",", "")) == 3 * int(one_run.replace(",", ""))
    expect(page.locator("#estimate-cost")).to_contain_text("no price for offline engine")

    page.fill("input[name=workdays]", "1")  # fewer days, fewer turns per run
    expect(page.locator("#estimate")).to_contain_text("3 runs × 100 turns")
    assert errors == []
