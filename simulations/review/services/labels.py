"""Editing the label taxonomy.

Labels are lab-wide: renaming one or marking it bad changes what every export cuts or drops,
so who may change one is a rule (``review.access.label_editable``). Every change is logged
(LabelChange) with who, when and what.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from simulations.review.access import label_editable
from simulations.review.models import Label, LabelChange

_LOGGED = ("name", "description", "colour", "is_bad", "hotkey", "active")


class LabelError(ValueError):
    """A taxonomy change that cannot be made; the message is shown to the researcher."""


class LabelPermissionError(LabelError):
    """The user may not change this label."""


def _free_hotkey(*, hotkey: int | None, label: Label | None, user) -> None:
    """A number key belongs to one label: giving it to this one takes it from another, which
    the user must be allowed to change."""
    if hotkey is None:
        return
    others = Label.objects.select_for_update().filter(hotkey=hotkey)
    if label is not None:
        others = others.exclude(pk=label.pk)
    holders = list(others)
    for holder in holders:
        if not label_editable(label=holder, user=user):
            raise LabelPermissionError(
                f"number key {hotkey} belongs to “{holder.name}”, which only staff may change"
            )
        LabelChange.objects.create(
            label=holder,
            user=user,
            action=LabelChange.Action.UPDATED,
            changes={"hotkey": [hotkey, None]},
        )
    others.update(hotkey=None)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise LabelError("a label needs a name")
    return name


def label_create(
    *,
    user,
    name: str,
    colour: str,
    is_bad: bool,
    hotkey: int | None = None,
    description: str = "",
) -> Label:
    name = _clean_name(name)
    try:
        with transaction.atomic():
            _free_hotkey(hotkey=hotkey, label=None, user=user)
            order = (
                Label.objects.order_by("-order").values_list("order", flat=True).first() or 0
            ) + 1
            label = Label.objects.create(
                name=name,
                colour=colour,
                is_bad=is_bad,
                hotkey=hotkey,
                description=description,
                order=order,
                created_by=user,
            )
            LabelChange.objects.create(
                label=label,
                user=user,
                action=LabelChange.Action.CREATED,
                changes={field: [None, getattr(label, field)] for field in _LOGGED},
            )
            return label
    except IntegrityError:
        raise LabelError(f"a label called {name!r} exists already") from None


def label_update(
    *,
    label: Label,
    user,
    name: str,
    colour: str,
    is_bad: bool,
    hotkey: int | None,
    description: str,
    active: bool,
) -> Label:
    if not label_editable(label=label, user=user):
        raise LabelPermissionError(
            f"“{label.name}” is lab-wide: only staff or the user who made it may change it"
        )
    name = _clean_name(name)
    before = {field: getattr(label, field) for field in _LOGGED}
    try:
        with transaction.atomic():
            _free_hotkey(hotkey=hotkey if active else None, label=label, user=user)
            label.name, label.colour, label.is_bad = name, colour, is_bad
            label.hotkey = hotkey if active else None
            label.description, label.active = description, active
            label.save()
            changes = {
                field: [before[field], getattr(label, field)]
                for field in _LOGGED
                if before[field] != getattr(label, field)
            }
            if changes:
                LabelChange.objects.create(
                    label=label, user=user, action=LabelChange.Action.UPDATED, changes=changes
                )
    except IntegrityError:
        raise LabelError(f"a label called {name!r} exists already") from None
    return label
