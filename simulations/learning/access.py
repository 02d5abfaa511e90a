"""Who may see an experiment: whoever sees its held-out pool (the studio's pool rule)."""

from __future__ import annotations

from django.db.models import QuerySet

from simulations.learning.models import Experiment
from studio import access as studio_access


def visible_experiments(user) -> QuerySet[Experiment]:
    return Experiment.objects.filter(
        heldout_pool__in=studio_access.visible_pools(user)
    ).select_related("heldout_pool", "train_pool")


def experiment_get(*, user, pk: int) -> Experiment | None:
    return visible_experiments(user).filter(pk=pk).first()
