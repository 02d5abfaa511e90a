"""The live page and its JSON endpoints: happy path, wrong method, someone else's simulation."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from simulations.models import FileChange
from tests.live.conftest import bulk_turns, commit_turn, mail, make_simulation, workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulation(user):
    return make_simulation(owner=user)


def live_data(response) -> dict:
    match = re.search(
        r'<script id="live-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page embeds its first render as JSON"
    return json.loads(match.group(1))


def test_the_live_page_embeds_the_newest_window(auth_client, simulation):
    bulk_turns(simulation, 250)
    response = auth_client.get(reverse("simulations-live", args=[simulation.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "simulations/live.js" in body and 'id="turn-template"' in body
    assert "<script>" not in body  # CSP: no inline script, data only
    data = live_data(response)
    assert [t["seq"] for t in data["turns"]] == list(range(51, 251))
    assert data["status"]["turn_count"] == 250
    assert data["ws_path"] == f"/ws/simulations/{simulation.pk}/"
    assert data["urls"]["turn"] == f"/simulations/{simulation.pk}/live/turns/"
    assert data["urls"]["change"] == f"/simulations/{simulation.pk}/live/changes/"


def test_generated_text_is_never_markup(auth_client, simulation):
    commit_turn(
        simulation,
        observation="</script><script>alert(1)</script>",
        reasoning="<img src=x onerror=alert(2)>",
    )
    response = auth_client.get(reverse("simulations-live", args=[simulation.pk]))
    body = response.content.decode()
    assert "</script><script>alert(1)" not in body and "<img src=x" not in body
    [turn] = live_data(response)["turns"]
    assert turn["observation"] == "</script><script>alert(1)</script>"


def test_someone_elses_private_simulation_is_404(client, other_user, simulation):
    commit_turn(simulation)
    client.force_login(other_user)
    for name, args in (
        ("simulations-live", []),
        ("simulations-live-turns", []),
        ("simulations-live-turn", [1]),
        ("simulations-live-files", []),
        ("simulations-live-messages", []),
    ):
        response = client.get(reverse(name, args=[simulation.pk, *args]))
        assert response.status_code == 404, name


def test_anonymous_is_sent_to_log_in(client, simulation):
    response = client.get(reverse("simulations-live", args=[simulation.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_wrong_method(auth_client, simulation):
    assert auth_client.post(reverse("simulations-live", args=[simulation.pk])).status_code == 405
    assert (
        auth_client.post(reverse("simulations-live-turns", args=[simulation.pk])).status_code == 405
    )


def test_older_turns_in_pages(auth_client, simulation):
    bulk_turns(simulation, 450)
    url = reverse("simulations-live-turns", args=[simulation.pk])
    page = auth_client.get(url, {"before": 251, "limit": 100}).json()
    assert [t["seq"] for t in page["turns"]] == list(range(151, 251))
    assert len(auth_client.get(url, {"before": 451, "limit": 10_000}).json()["turns"]) == 200
    assert [t["seq"] for t in auth_client.get(url, {"after": 445}).json()["turns"]] == [
        446,
        447,
        448,
        449,
        450,
    ]
    assert auth_client.get(url, {"before": "x"}).status_code == 404


def test_a_whole_turn(auth_client, simulation):
    commit_turn(simulation, observation="y" * 10_000)
    url = reverse("simulations-live-turn", args=[simulation.pk, 1])
    assert auth_client.get(url).json()["observation"] == "y" * 10_000
    assert (
        auth_client.get(reverse("simulations-live-turn", args=[simulation.pk, 2])).status_code
        == 404
    )


def test_files_changes_and_mail(auth_client, simulation, tmp_path):
    space = workspace(simulation, tmp_path)
    commit_turn(
        simulation,
        action="write_file",
        file_ops=[space.stage_write("Plans/new-plan.md", b"# New\n\nDepot B first\n")],
        messages=[mail()],
    )
    commit_turn(
        simulation,
        action="edit_file",
        file_ops=[space.stage_write("Plans/new-plan.md", b"# New\n\nDepot C first\n")],
    )
    commit_turn(
        simulation,
        action="move",
        file_ops=space.stage_copy("Plans/new-plan.md", "Final/plan.md", move=True),
    )
    commit_turn(simulation, action="delete", file_ops=[space.stage_delete("Final/plan.md")])
    files = auth_client.get(reverse("simulations-live-files", args=[simulation.pk])).json()["files"]
    by_path = {f["path"]: f for f in files}
    assert set(by_path) == {
        "Plans/route-plan.md",
        "notes.txt",
        "Plans/new-plan.md",
        "Final/plan.md",
    }
    assert by_path["notes.txt"]["changes"] == [] and not by_path["notes.txt"]["deleted"]
    assert [c["op"] for c in by_path["Plans/new-plan.md"]["changes"]] == ["create", "edit", "move"]
    assert by_path["Plans/new-plan.md"]["deleted"]  # moved away
    assert [c["op"] for c in by_path["Final/plan.md"]["changes"]] == ["move", "delete"]
    assert by_path["Final/plan.md"]["deleted"]
    edit = FileChange.objects.get(simulation=simulation, op="edit")
    change = auth_client.get(
        reverse("simulations-live-change", args=[simulation.pk, edit.pk])
    ).json()
    assert "-Depot B first" in change["diff"] and "+Depot C first" in change["diff"]
    other = make_simulation(owner=simulation.created_by)
    url = reverse("simulations-live-change", args=[other.pk, edit.pk])
    assert auth_client.get(url).status_code == 404  # a change belongs to its own simulation
    messages = auth_client.get(reverse("simulations-live-messages", args=[simulation.pk])).json()
    assert [m["subject"] for m in messages["sent"]] == ["Route plan"] and messages["inbox"] == []


def test_controls_only_for_those_allowed(client, user, other_user):
    shared = make_simulation(owner=user, shared=True)
    url = reverse("simulations-live", args=[shared.pk])
    client.force_login(user)
    body = client.get(url).content.decode()
    assert f'action="{reverse("simulations-pause", args=[shared.pk])}"' in body
    assert 'name="next" value="' + url + '"' in body
    client.force_login(other_user)  # may watch a shared pool's run, not steer it
    body = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and "data-control" not in body
