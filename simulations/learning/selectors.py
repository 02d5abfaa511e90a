"""Reading the learning app's rows: pools by reference, experiments a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from simulations.learning.models import Experiment
from studio.models import PersonaPool
from studio.selectors import pool_list


def pool_by_ref(*, ref: str) -> PersonaPool | None:
    """A pool named by its id or its name (the CLI takes either)."""
    ref = ref.strip()
    if ref.isdigit():
        found = PersonaPool.objects.filter(pk=int(ref)).first()
        if found:
            return found
    return PersonaPool.objects.filter(name=ref).first()


def experiment_list(*, user) -> QuerySet[Experiment]:
    """An experiment is visible to whoever sees its held-out pool (the pools' own rule)."""
    return Experiment.objects.filter(heldout_pool__in=pool_list(user=user)).select_related(
        "heldout_pool", "train_pool"
    )


def experiment_get(*, user, pk: int) -> Experiment | None:
    return experiment_list(user=user).filter(pk=pk).first()
