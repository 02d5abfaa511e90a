"""Every review page: the happy path, anonymous visitors sent to log in, the wrong method
refused, and someone else's private simulation or computer a 404."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from simulations.review.models import Label, TrajectoryFlag, TurnAnnotation
from tests.review.conftest import build_simulation, clone_computer

pytestmark = pytest.mark.django_db


@pytest.fixture
def sims(computer, computer_template, other_user, labels):
    mine = build_simulation(computer, turns=6)
    sibling = build_simulation(computer, turns=4)
    private_computer = clone_computer(computer_template, owner=other_user, shared=False)
    private = build_simulation(private_computer, turns=3)
    return mine, sibling, private


def urls(sim, sibling, label):
    """(name, url, allowed method, expected status) for every page of a visible simulation."""
    return [
        ("dashboard", reverse("review-dashboard"), "get"),
        ("simulations", reverse("review-simulation-list"), "get"),
        ("turns", reverse("review-turn-list"), "get"),
        ("simulation", reverse("review-simulation", args=[sim.pk]), "get"),
        ("turn", reverse("review-turn", args=[sim.pk, 3]), "get"),
        ("changes", reverse("review-turn-changes", args=[sim.pk, 3]), "get"),
        ("timetravel", reverse("review-timetravel", args=[sim.pk]), "get"),
        ("compare", reverse("review-compare") + f"?a={sim.pk}&b={sibling.pk}", "get"),
        ("labels", reverse("review-label-list"), "get"),
        ("export", reverse("review-export"), "get"),
        ("manifest", reverse("review-export-manifest"), "get"),
        ("learn", reverse("review-skill-list"), "get"),
        ("import", reverse("review-archive-import"), "get"),
        ("annotate", reverse("review-turn-annotate", args=[sim.pk, 3]), "post"),
        ("label", reverse("review-turn-label", args=[sim.pk, 3]), "post"),
        ("flag", reverse("review-flag", args=[sim.pk]), "post"),
        ("label-edit", reverse("review-label-edit", args=[label.pk]), "post"),
        ("distill", reverse("review-skill-distill"), "post"),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, sims, labels):
    mine, sibling, _ = sims
    for name, url, method in urls(mine, sibling, labels["unsafe"]):
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login") + "?next="), name
    assert TurnAnnotation.objects.count() == 0 and TrajectoryFlag.objects.count() == 0


def test_wrong_methods_are_refused(auth_client, sims, labels):
    mine, sibling, _ = sims
    for name, url, method in urls(mine, sibling, labels["unsafe"]):
        wrong = auth_client.delete(url) if method == "get" else auth_client.get(url)
        assert wrong.status_code == 405, name
    assert auth_client.post(reverse("review-dashboard")).status_code == 405
    assert auth_client.put(reverse("review-label-list")).status_code == 405


def test_pages_render(auth_client, sims, labels):
    mine, sibling, _ = sims
    for name, url, method in urls(mine, sibling, labels["unsafe"]):
        if method == "get":
            response = auth_client.get(url)
            assert response.status_code == 200, name
    body = auth_client.get(reverse("review-turn", args=[mine.pk, 3])).content.decode()
    assert (
        'id="turn-3"' in body
        and 'class="turn actor-worker selected' in body.split('id="turn-3"')[0][-200:]
    )
    assert "result of turn 3" in body and "review/review.js" in body
    assert 'data-hotkey="3"' in body  # number keys are wired to labels
    dashboard = auth_client.get(reverse("review-dashboard")).content.decode()
    assert dashboard.count("<svg") >= 10 and "Annotator agreement" in dashboard


def test_someone_elses_private_simulation_is_404(auth_client, sims, labels, other_user):
    mine, sibling, private = sims
    for name, url, method in urls(private, mine, labels["unsafe"]):
        if str(private.pk) not in url or name in ("dashboard", "label-edit"):
            continue
        data = {"labels": [labels["unsafe"].pk], "flag": "good", "label": labels["unsafe"].pk}
        response = auth_client.get(url) if method == "get" else auth_client.post(url, data)
        assert response.status_code == 404, name
    computer = private.computer
    assert auth_client.get(reverse("review-version", args=[private.pk, "x.md"])).status_code == 404
    assert auth_client.get(reverse("review-archive", args=[computer.pk])).status_code == 404
    assert TurnAnnotation.objects.count() == 0 and TrajectoryFlag.objects.count() == 0
    # and it never shows in a list or an export
    listing = auth_client.get(reverse("review-simulation-list")).content.decode()
    assert (
        f'data-simulation="{private.pk}"' not in listing
        and f'data-simulation="{mine.pk}"' in listing
    )
    body = b"".join(
        auth_client.get(reverse("review-export-download"), {"state": ""}).streaming_content
    )
    ids = {json.loads(line)["metadata"]["simulation_id"] for line in body.decode().splitlines()}
    assert ids == {mine.pk, sibling.pk}
    # its owner sees it
    auth_client.force_login(other_user)
    assert auth_client.get(reverse("review-simulation", args=[private.pk])).status_code == 200


def test_annotate_without_and_with_javascript(auth_client, sims, labels, user):
    mine, *_ = sims
    url = reverse("review-turn-annotate", args=[mine.pk, 4])
    plain = auth_client.post(
        url, {"labels": [labels["tool misuse"].pk], "comment": "reads the wrong file"}
    )
    assert (
        plain.status_code == 302
        and plain.url == reverse("review-turn", args=[mine.pk, 4]) + "#turn-4"
    )
    annotation = TurnAnnotation.objects.get(turn__seq=4, user=user)
    assert annotation.comment == "reads the wrong file"

    toggled = auth_client.post(
        reverse("review-turn-label", args=[mine.pk, 4]),
        {"hotkey": 8},
        HTTP_ACCEPT="application/json",
    )
    data = toggled.json()
    assert toggled.status_code == 200 and data["seq"] == 4 and data["bad"] is True
    assert 'id="annotation-4"' in data["html"] and "good example" in data["html"]
    assert set(annotation.labels.values_list("name", flat=True)) == {"tool misuse", "good example"}

    unknown = auth_client.post(
        reverse("review-turn-label", args=[mine.pk, 4]),
        {"hotkey": 9},
        HTTP_ACCEPT="application/json",
    )
    assert unknown.status_code == 400 and "no label with that number" in unknown.json()["error"]
    missing = auth_client.post(
        reverse("review-turn-annotate", args=[mine.pk, 99]), {"comment": "x"}
    )
    assert missing.status_code == 404


def test_flag_from_the_page(auth_client, sims, user):
    mine, *_ = sims
    url = reverse("review-flag", args=[mine.pk])
    refused = auth_client.post(url, {"flag": "bad", "reason": ""}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and "say why" in refused.json()["error"]
    saved = auth_client.post(
        url,
        {
            "flag": "bad",
            "reason": "copies last month's figures",
            "next": reverse("review-turn", args=[mine.pk, 2]),
        },
    )
    assert saved.status_code == 302 and saved.url == reverse("review-turn", args=[mine.pk, 2])
    assert (
        TrajectoryFlag.objects.get(simulation=mine, user=user).reason
        == "copies last month's figures"
    )
    assert auth_client.post(url, {"flag": "clear"}).status_code == 302
    assert not TrajectoryFlag.objects.exists()
    assert (
        auth_client.post(url, {"flag": "next"}, HTTP_ACCEPT="application/json").status_code == 400
    )
    evil = auth_client.post(url, {"flag": "good", "next": "//evil.example/"})
    assert evil.url == reverse("review-simulation", args=[mine.pk])


def test_label_taxonomy_is_editable(auth_client, user, labels):
    user.is_staff = True
    user.save()
    created = auth_client.post(
        reverse("review-label-list"),
        {
            "name": "wrong recipient",
            "colour": "#112233",
            "is_bad": "on",
            "hotkey": 9,
            "active": "on",
        },
    )
    assert created.status_code == 302
    label = Label.objects.get(name="wrong recipient")
    assert label.is_bad and label.hotkey == 9
    duplicate = auth_client.post(
        reverse("review-label-list"), {"name": "unsafe", "colour": "#112233"}
    )
    assert duplicate.status_code == 400 and "exists already" in duplicate.content.decode()
    bad_colour = auth_client.post(reverse("review-label-list"), {"name": "x", "colour": "red"})
    assert bad_colour.status_code == 400
    prefix = f"l{label.pk}"
    auth_client.post(
        reverse("review-label-edit", args=[label.pk]),
        {
            f"{prefix}-name": "wrong addressee",
            f"{prefix}-colour": "#445566",
            f"{prefix}-hotkey": "1",
            f"{prefix}-active": "on",
        },
    )
    label.refresh_from_db()
    assert (label.name, label.is_bad, label.hotkey) == ("wrong addressee", False, 1)
    assert Label.objects.get(name="hallucinated file or fact").hotkey is None
    assert auth_client.post(reverse("review-label-edit", args=[99999]), {}).status_code == 404


def test_compare_any_two_runs(auth_client, sims, computer_template, user):
    mine, sibling, private = sims
    page = auth_client.get(reverse("review-compare"), {"a": mine.pk, "b": sibling.pk})
    body = page.content.decode()
    assert page.status_code == 200 and f"#{mine.pk}" in body and f"#{sibling.pk}" in body
    assert '<td class="num turns-a">6</td>' in body and '<td class="num turns-b">4</td>' in body
    assert "Two runs of" in body and "different computers" not in body
    elsewhere = build_simulation(clone_computer(computer_template, owner=user), turns=2)
    other = auth_client.get(reverse("review-compare"), {"a": mine.pk, "b": elsewhere.pk})
    assert other.status_code == 200 and "Two runs of different computers" in other.content.decode()
    # Someone else's private run is no more comparable than a missing one.
    assert (
        auth_client.get(reverse("review-compare"), {"a": mine.pk, "b": private.pk}).status_code
        == 404
    )


def test_compare_alone_is_a_page_to_choose_two_runs(auth_client, sims):
    mine, sibling, private = sims
    page = auth_client.get(reverse("review-compare"))
    body = page.content.decode()
    assert page.status_code == 200 and 'id="compare-picker"' in body
    assert f'value="{mine.pk}"' in body and f'value="{sibling.pk}"' in body
    assert f'value="{private.pk}"' not in body  # only runs the user can see
    half = auth_client.get(reverse("review-compare"), {"a": mine.pk}).content.decode()
    assert f'<option value="{mine.pk}" selected>' in half
    for bad in ({"a": "x", "b": "y"}, {"a": mine.pk, "b": mine.pk}):
        response = auth_client.get(reverse("review-compare"), bad)
        assert response.status_code == 400 and 'id="compare-picker"' in response.content.decode()


def test_the_dashboard_counts_each_signal_and_error_once(computer, user):
    from simulations.models import Turn
    from simulations.review.dashboard import dashboard
    from simulations.review.selectors import TURN_SIGNALS

    sim = build_simulation(computer, turns=8, user=user)
    marks = {
        2: (["loop"], ""),
        3: (["loop", "retry"], "boom"),
        4: ([], "bad path"),
        5: (["reask"], ""),
    }
    for seq, (signals, error) in marks.items():
        Turn.objects.filter(simulation=sim, seq=seq).update(signals=signals, error=error)
    bars = {bar.label: bar.value for bar in dashboard(user=user).process}
    expected = {"error": 2, "loop": 2, "retry": 1, "reask": 1}
    assert bars == {label: expected.get(name, 0) for name, label in TURN_SIGNALS.items()}
