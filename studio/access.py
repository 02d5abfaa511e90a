"""Who may see what in the computers domain, each rule written once.

A pool is visible to everyone when shared, else to its owner; superusers see every pool.
Personas, computers and generation batches are visible exactly when their pool is; a model
call when its computer is, and a call of no computer (a probe of the endpoints) to staff. Each
object has one queryset of what a user may see; the per-object reads filter that queryset,
so a list and a lookup cannot disagree. Anonymous and inactive users see nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from studio.models import Computer, GenerationBatch, LLMCall, Persona, PersonaPool


def _sees_anything(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _pool_rule(user, prefix: str = "") -> Q | None:
    """The pool rule as a filter on ``prefix``; None when the user sees nothing."""
    if not _sees_anything(user):
        return None
    if user.is_superuser:
        return Q()
    return Q(**{f"{prefix}shared": True}) | Q(**{f"{prefix}owner": user})


def _visible(queryset: QuerySet, user, prefix: str) -> QuerySet:
    rule = _pool_rule(user, prefix)
    return queryset.none() if rule is None else queryset.filter(rule)


def visible_pools(user) -> QuerySet[PersonaPool]:
    return _visible(PersonaPool.objects.all(), user, "")


def visible_personas(user) -> QuerySet[Persona]:
    return _visible(Persona.objects.all(), user, "pool__")


def visible_computers(user) -> QuerySet[Computer]:
    return _visible(Computer.objects.all(), user, "pool__")


def visible_batches(user) -> QuerySet[GenerationBatch]:
    return _visible(GenerationBatch.objects.all(), user, "pool__")


def visible_llm_calls(user) -> QuerySet[LLMCall]:
    if not _sees_anything(user):
        return LLMCall.objects.none()
    rule = Q(computer__in=visible_computers(user).values("pk"))
    if user.is_staff:
        rule |= Q(computer__isnull=True)
    return LLMCall.objects.filter(rule)


def pool_get(*, user, pk: int) -> PersonaPool | None:
    return visible_pools(user).select_related("owner").filter(pk=pk).first()


def persona_get(*, user, pk: int) -> Persona | None:
    return visible_personas(user).select_related("pool").filter(pk=pk).first()


def computer_get(*, user, pk: int) -> Computer | None:
    return visible_computers(user).select_related("pool", "persona").filter(pk=pk).first()


def pool_name_taken_by_other(*, user, name: str) -> bool:
    """A pool of that name exists and this user may not add to it (someone's private pool)."""
    pool = PersonaPool.objects.filter(name=name.strip()).first()
    return pool is not None and not visible_pools(user).filter(pk=pool.pk).exists()
