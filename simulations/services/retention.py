"""The retention of model call bodies: those of runs finished longer ago than
``LLM_BODY_RETENTION_DAYS`` are dropped (``manage.py prune_llm_bodies``); the call rows, with
their tokens and cost, stay, marked with when. It reads runs and computers both, so it lives
on the simulations side (simulations depends on studio, not the other way)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from simulations.models import Simulation
from studio.llm import bodies
from studio.models import Computer, LLMCall


def prune(*, days: int | None = None, now: dt.datetime | None = None) -> int:
    """Drop the bodies of runs (and of computers' generation) finished more than ``days`` ago
    (default: LLM_BODY_RETENTION_DAYS; 0 keeps them). Returns the number of calls pruned."""
    days = settings.LLM_BODY_RETENTION_DAYS if days is None else days
    if not days:
        return 0
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    finished = Simulation.objects.filter(finished_at__lt=cutoff)
    generated = Computer.objects.filter(finished_at__lt=cutoff)
    kept = LLMCall.objects.filter(bodies_removed_at__isnull=True)
    runs = list(finished.values_list("pk", flat=True))
    scopes = [Q(simulation_id__in=runs[i : i + 500]) for i in range(0, len(runs), 500)]
    scopes.append(Q(simulation_id__isnull=True, computer__in=generated))
    pruned = 0
    for scope in scopes:
        pruned += kept.filter(scope).update(
            request_body=None,
            response_body=None,
            request_base=None,
            request_root=None,
            request_prefix=0,
            request_suffix=0,
            bodies_removed_at=now,
        )
    if pruned:
        bodies.recheck()  # this process's cached requests may be among them
    return pruned
