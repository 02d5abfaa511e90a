"""The label taxonomy is lab-wide: only staff, or whoever made a label, may change it; every
change is logged with who, when and what, and shown where labels are managed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from simulations.review.models import Label, LabelChange
from simulations.review.services import labels as label_services

pytestmark = pytest.mark.django_db


def edit(label: Label, **values) -> dict:
    fields = {
        "name": label.name,
        "colour": label.colour,
        "is_bad": label.is_bad,
        "hotkey": label.hotkey,
        "description": label.description,
        "active": label.active,
    }
    fields.update(values)
    return fields


def post_fields(label: Label, **values) -> dict:
    form = {}
    for key, value in edit(label, **values).items():
        if value is True:
            form[f"l{label.pk}-{key}"] = "on"
        elif value not in (False, None):
            form[f"l{label.pk}-{key}"] = str(value)
    return form


def snapshot() -> list[tuple]:
    return list(Label.objects.values_list("name", "is_bad", "hotkey", "active").order_by("pk"))


def test_only_staff_change_a_lab_wide_label(labels, user, django_user_model):
    loop = labels["loop or repetition"]
    before = snapshot()
    with pytest.raises(label_services.LabelPermissionError, match="only staff"):
        label_services.label_update(label=loop, user=user, **edit(loop, is_bad=False))
    with pytest.raises(label_services.LabelPermissionError, match="number key"):
        label_services.label_create(
            user=user, name="mine", colour="#123456", is_bad=True, hotkey=loop.hotkey
        )
    assert snapshot() == before and not LabelChange.objects.exists()

    staff = django_user_model.objects.create_user("root", password="pw-root-123456", is_staff=True)
    label_services.label_update(label=loop, user=staff, **edit(loop, name="loop", is_bad=False))
    change = LabelChange.objects.get()
    assert (change.user, change.action, change.label) == (staff, "updated", loop)
    assert change.changes == {"name": ["loop or repetition", "loop"], "is_bad": [True, False]}


def test_the_creator_changes_their_own_label_and_nobody_else_does(labels, user, other_user):
    mine = label_services.label_create(user=user, name="wrong date", colour="#123456", is_bad=True)
    created = LabelChange.objects.get(label=mine)
    assert (created.user, created.action) == (user, "created")
    assert created.changes["name"] == [None, "wrong date"]
    label_services.label_update(label=mine, user=user, **edit(mine, is_bad=False))
    with pytest.raises(label_services.LabelPermissionError):
        label_services.label_update(label=mine, user=other_user, **edit(mine, name="hijacked"))
    mine.refresh_from_db()
    assert (mine.name, mine.is_bad) == ("wrong date", False)
    assert list(LabelChange.objects.filter(label=mine).values_list("user__username", "action")) == [
        ("ada", "updated"),
        ("ada", "created"),
    ]


def test_the_page_offers_only_what_the_user_may_change(auth_client, user, other_user, labels):
    loop = labels["loop or repetition"]
    theirs = label_services.label_create(
        user=other_user, name="theirs", colour="#123456", is_bad=True
    )
    url = reverse("review-label-list")
    created = auth_client.post(url, {"name": "mine", "colour": "#654321", "is_bad": "on"})
    assert created.status_code == 302
    mine = Label.objects.get(name="mine")
    page = auth_client.get(url).content.decode()
    assert f'id="label-{mine.pk}"' in page
    assert f'id="label-{loop.pk}"' not in page and f'id="label-{theirs.pk}"' not in page
    changes = page[page.index('id="label-changes"') :]
    assert "ada" in changes and "bob" in changes and "mine" in changes and "theirs" in changes

    before = snapshot()
    for label in (loop, theirs):
        refused = auth_client.post(
            reverse("review-label-edit", args=[label.pk]), post_fields(label, is_bad=False)
        )
        assert refused.status_code == 403
    assert snapshot() == before
    saved = auth_client.post(
        reverse("review-label-edit", args=[mine.pk]), post_fields(mine, name="my own")
    )
    assert saved.status_code == 302
    assert Label.objects.get(pk=mine.pk).name == "my own"
    assert LabelChange.objects.filter(label=mine, user=user).count() == 2


def test_taking_a_lab_wide_hotkey_is_refused_on_the_page(auth_client, labels):
    loop = labels["loop or repetition"]
    response = auth_client.post(
        reverse("review-label-list"),
        {"name": "mine", "colour": "#654321", "is_bad": "on", "hotkey": loop.hotkey},
    )
    assert response.status_code == 400
    assert f"number key {loop.hotkey} belongs to “loop or repetition”" in response.content.decode()
    assert not Label.objects.filter(name="mine").exists()
