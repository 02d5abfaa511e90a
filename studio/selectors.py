"""Reads: what a user may see, and the figures pages show."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from studio.models import Computer, Persona, PersonaPool


def _visible_pool_q(user, prefix: str = "") -> Q:
    if user.is_superuser:
        return Q()
    return Q(**{f"{prefix}shared": True}) | Q(**{f"{prefix}owner": user})


def pool_list(*, user) -> QuerySet[PersonaPool]:
    return PersonaPool.objects.filter(_visible_pool_q(user)).annotate(
        persona_count=Count("personas", distinct=True)
    )


def computer_list(*, user) -> QuerySet[Computer]:
    return Computer.objects.filter(_visible_pool_q(user, "pool__")).select_related("pool", "persona")


def persona_list(*, user) -> QuerySet[Persona]:
    return Persona.objects.filter(_visible_pool_q(user, "pool__"))


def home_counts(*, user) -> dict:
    computers = computer_list(user=user)
    by_state = dict(computers.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "pools": pool_list(user=user).count(),
        "personas": persona_list(user=user).count(),
        "computers": sum(by_state.values()),
        "computers_by_state": {s: by_state.get(s, 0) for s in Computer.State.values},
    }
