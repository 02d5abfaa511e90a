"""Annotating turns and flagging trajectories. Any logged-in user who can see a simulation
may annotate it, running or finished; each annotator has one annotation per turn and one flag
per simulation, which they can change or clear."""

from __future__ import annotations

from collections.abc import Iterable

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


def turn_label_toggle(*, turn: Turn, user, label: Label) -> TurnAnnotation | None:
    """Apply ``label`` if the user has not, remove it if they have (the number keys)."""
    with transaction.atomic():
        current = TurnAnnotation.objects.select_for_update().filter(turn=turn, user=user).first()
        ids = set(current.labels.values_list("pk", flat=True)) if current else set()
        ids ^= {label.pk}
        return turn_annotate(
            turn=turn, user=user, label_ids=ids, comment=current.comment if current else ""
        )


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
