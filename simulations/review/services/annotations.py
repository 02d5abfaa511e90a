"""Annotating turns and flagging trajectories. Any logged-in user who can see a simulation
may annotate it, running or finished; each annotator has one annotation per turn and one flag
per simulation, which they can change or clear."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from simulations.models import Simulation, Turn
from simulations.review.models import Label, TrajectoryFlag, TurnAnnotation

COMMENT_LIMIT = 4000


class AnnotationError(ValueError):
    """An annotation that cannot be saved; the message is shown to the researcher."""


def _labels(label_ids: Iterable[int]) -> list[Label]:
    ids = {int(i) for i in label_ids}
    labels = list(Label.objects.filter(pk__in=ids))
    if len(labels) != len(ids):
        raise AnnotationError("unknown label")
    return labels


def turn_annotate(
    *, turn: Turn, user, label_ids: Iterable[int], comment: str
) -> TurnAnnotation | None:
    """Set ``user``'s labels and comment on ``turn``. Nothing left means no annotation: the
    row is removed (so "annotated" always means someone said something)."""
    labels = _labels(label_ids)
    comment = comment.strip()
    if len(comment) > COMMENT_LIMIT:
        raise AnnotationError(f"a comment holds at most {COMMENT_LIMIT:,} characters")
    with transaction.atomic():
        if not labels and not comment:
            TurnAnnotation.objects.filter(turn=turn, user=user).delete()
            return None
        annotation, _ = TurnAnnotation.objects.select_for_update().get_or_create(
            turn=turn, user=user, defaults={"simulation_id": turn.simulation_id, "comment": comment}
        )
        annotation.comment = comment
        annotation.save(update_fields=["comment", "updated_at"])
        annotation.labels.set(labels)
    return annotation


@dataclass
class LabelAdded:
    annotation_ids: list[int]  # the user's annotations that gained the label
    created_ids: set[int]  # of those, the ones made for it


def label_add(*, user, label: Label, turn_ids: Sequence[int]) -> LabelAdded:
    """Give ``user``'s annotation on each turn ``label``, creating the annotation where they
    had none: the one way a label is applied, to one turn (the number keys) or to every hit
    of a search (bulk labels)."""
    through = TurnAnnotation.labels.through
    with transaction.atomic():
        existing = dict(
            TurnAnnotation.objects.filter(user=user, turn_id__in=turn_ids).values_list(
                "turn_id", "pk"
            )
        )
        missing = [t for t in turn_ids if t not in existing]
        sims = dict(Turn.objects.filter(pk__in=missing).values_list("pk", "simulation_id"))
        created = TurnAnnotation.objects.bulk_create(
            [TurnAnnotation(turn_id=t, simulation_id=sims[t], user=user) for t in missing]
        )
        created_ids = {a.pk for a in created}
        annotation_ids = [*existing.values(), *created_ids]
        labelled = set(
            through.objects.filter(turnannotation_id__in=annotation_ids, label=label).values_list(
                "turnannotation_id", flat=True
            )
        )
        adding = [a for a in annotation_ids if a not in labelled]
        through.objects.bulk_create(
            [through(turnannotation_id=a, label_id=label.pk) for a in adding]
        )
    return LabelAdded(annotation_ids=adding, created_ids=created_ids)


def turn_label_toggle(*, turn: Turn, user, label: Label) -> None:
    """Apply ``label`` if the user has not, remove it if they have (the number keys)."""
    with transaction.atomic():
        current = TurnAnnotation.objects.select_for_update().filter(turn=turn, user=user).first()
        if current is None or not current.labels.filter(pk=label.pk).exists():
            label_add(user=user, label=label, turn_ids=[turn.pk])
            return
        current.labels.remove(label)
        if not current.comment and not current.labels.exists():
            current.delete()  # nothing left said: no annotation


def trajectory_flag(*, simulation: Simulation, user, flag: str, reason: str = "") -> TrajectoryFlag:
    if flag not in TrajectoryFlag.Flag.values:
        raise AnnotationError(f"a flag is one of {', '.join(TrajectoryFlag.Flag.values)}")
    reason = reason.strip()
    if len(reason) > 2000:
        raise AnnotationError("a reason holds at most 2,000 characters")
    if flag == TrajectoryFlag.Flag.BAD and not reason:
        raise AnnotationError("say why the trajectory is bad: the reason is kept with the flag")
    row, _ = TrajectoryFlag.objects.update_or_create(
        simulation=simulation, user=user, defaults={"flag": flag, "reason": reason}
    )
    return row


def trajectory_unflag(*, simulation: Simulation, user) -> int:
    deleted, _ = TrajectoryFlag.objects.filter(simulation=simulation, user=user).delete()
    return deleted
