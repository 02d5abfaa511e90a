"""Editing the label taxonomy."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from simulations.review.models import Label


class LabelError(ValueError):
    """A taxonomy change that cannot be made; the message is shown to the researcher."""


def _free_hotkey(*, hotkey: int | None, label: Label | None) -> None:
    """A number key belongs to one label: giving it to this one takes it from another."""
    if hotkey is None:
        return
    others = Label.objects.filter(hotkey=hotkey)
    if label is not None:
        others = others.exclude(pk=label.pk)
    others.update(hotkey=None)


def label_create(
    *, name: str, colour: str, is_bad: bool, hotkey: int | None = None, description: str = ""
) -> Label:
    name = " ".join(name.split())
    if not name:
        raise LabelError("a label needs a name")
    try:
        with transaction.atomic():
            _free_hotkey(hotkey=hotkey, label=None)
            order = (
                Label.objects.order_by("-order").values_list("order", flat=True).first() or 0
            ) + 1
            return Label.objects.create(
                name=name,
                colour=colour,
                is_bad=is_bad,
                hotkey=hotkey,
                description=description,
                order=order,
            )
    except IntegrityError:
        raise LabelError(f"a label called {name!r} exists already") from None


def label_update(
    *,
    label: Label,
    name: str,
    colour: str,
    is_bad: bool,
    hotkey: int | None,
    description: str,
    active: bool,
) -> Label:
    name = " ".join(name.split())
    if not name:
        raise LabelError("a label needs a name")
    try:
        with transaction.atomic():
            _free_hotkey(hotkey=hotkey if active else None, label=label)
            label.name, label.colour, label.is_bad = name, colour, is_bad
            label.hotkey = hotkey if active else None
            label.description, label.active = description, active
            label.save()
    except IntegrityError:
        raise LabelError(f"a label called {name!r} exists already") from None
    return label
