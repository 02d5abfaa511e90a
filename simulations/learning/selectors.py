"""Reading the learning app's rows: pools by reference, experiments a user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from simulations.learning.models import Experiment
from studio.models import PersonaPool


def pool_by_ref(*, ref: str) -> PersonaPool | None:
    """A pool named by its id or its name (the CLI takes either)."""
    ref = ref.strip()
    if ref.isdigit():
        found = PersonaPool.objects.filter(pk=int(ref)).first()
        if found:
            return found
    return PersonaPool.objects.filter(name=ref).first()


def experiment_list(*, user) -> QuerySet[Experiment]:
    """Experiments are lab-wide like shared pools: a private pool's experiment is its owner's."""
    visible = Q(heldout_pool__shared=True) | Q(heldout_pool__owner=user) | Q(created_by=user)
    return Experiment.objects.filter(visible).select_related("heldout_pool", "train_pool")
