"""Reading the learning app's rows: pools by reference (who may see an experiment is
``simulations.learning.access``)."""

from __future__ import annotations

from studio.models import PersonaPool


def pool_by_ref(*, ref: str) -> PersonaPool | None:
    """A pool named by its id or its name (the CLI takes either)."""
    ref = ref.strip()
    if ref.isdigit():
        found = PersonaPool.objects.filter(pk=int(ref)).first()
        if found:
            return found
    return PersonaPool.objects.filter(name=ref).first()
