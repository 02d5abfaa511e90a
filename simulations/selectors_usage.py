"""Tokens and cost of runs, from their model calls' records (cached and not, and whether
every call had a price), and the estimate shown before a batch is launched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from simulations.models import Simulation
from studio.llm import gateway
from studio.models import LLMCall

# Before any run of a model has completed: a worker prompt of the size a long run settles at,
# most of it a prefix the provider caches, and a short tool call back (bench/simulation.py).
DEFAULT_PROMPT_TOKENS_PER_TURN = 12_000
DEFAULT_CACHED_SHARE = 0.85
DEFAULT_COMPLETION_TOKENS_PER_TURN = 150
DEFAULT_TURNS_PER_WORKDAY = 100
MEASURED_RUNS = 20  # the latest completed runs of a model that the estimate averages


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0  # of the calls that have a price
    calls: int = 0
    unpriced_calls: int = 0  # calls of a model without a price: tokens, no cost
    estimated_calls: int = 0  # replies without usage: tokens counted from characters

    @property
    def uncached_tokens(self) -> int:
        return self.prompt_tokens - self.cached_tokens

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f: getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__})

    @property
    def priced(self) -> bool:
        """Whether the cost covers every call (else the page says "no price")."""
        return self.unpriced_calls == 0


# Prefixed: an annotation may not take the name of a field it sums.
_SUMS = {
    "sum_prompt_tokens": Sum("prompt_tokens"),
    "sum_cached_tokens": Sum("cached_tokens"),
    "sum_completion_tokens": Sum("completion_tokens"),
    "sum_cost_usd": Sum("cost_usd"),
    "sum_calls": Count("id"),
    "sum_unpriced_calls": Count("id", filter=Q(cost_usd__isnull=True)),
    "sum_estimated_calls": Count("id", filter=Q(tokens_estimated=True)),
}


def _usage(row: dict) -> Usage:
    return Usage(**{key.removeprefix("sum_"): row.get(key) or 0 for key in _SUMS})


def usage_of_runs(*, simulations: QuerySet[Simulation] | Iterable[int]) -> Usage:
    """The totals of the runs' model calls (a batch, a filtered list, an experiment)."""
    ids = simulations.values("pk") if isinstance(simulations, QuerySet) else list(simulations)
    return _usage(LLMCall.objects.filter(simulation_id__in=ids).aggregate(**_SUMS))


def usage_by_run(*, simulation_ids: Iterable[int]) -> dict[int, Usage]:
    rows = (
        LLMCall.objects.filter(simulation_id__in=list(simulation_ids))
        .values("simulation_id")
        .annotate(**_SUMS)
    )
    return {row["simulation_id"]: _usage(row) for row in rows}


@dataclass(frozen=True)
class Estimate:
    runs: int
    turns_per_run: int
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int
    cost_usd: float | None  # None: the worker model has no price
    model: str
    measured_runs: int  # 0: the documented defaults

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def batch_estimate(*, runs: int, workdays: int, max_turns: int, worker_model: str = "") -> Estimate:
    """runs × turns × tokens per turn × the worker model's prices. Tokens and turns per
    workday come from the latest completed runs of the same worker model, else defaults."""
    config = gateway.role_config("worker", {"model": worker_model})
    measured = list(
        Simulation.objects.filter(state=Simulation.State.COMPLETED, llm_backend=config.label)
        .exclude(turn_count=0)
        .order_by("-id")
        .values_list("pk", "turn_count", "config")[:MEASURED_RUNS]
    )
    if measured:
        turns = sum(t for _, t, _ in measured)
        days = sum(int((c or {}).get("workdays") or 1) for _, _, c in measured)
        usage = usage_of_runs(simulations=[pk for pk, _, _ in measured])
        per_turn = (usage.prompt_tokens / turns, usage.cached_tokens / turns)
        per_turn += (usage.completion_tokens / turns,)
        turns_per_day = turns / days
    else:
        per_turn = (
            DEFAULT_PROMPT_TOKENS_PER_TURN,
            DEFAULT_PROMPT_TOKENS_PER_TURN * DEFAULT_CACHED_SHARE,
            DEFAULT_COMPLETION_TOKENS_PER_TURN,
        )
        turns_per_day = DEFAULT_TURNS_PER_WORKDAY
    turns_per_run = max(1, min(max_turns, round(turns_per_day * workdays)))
    prompt, cached, completion = (round(runs * turns_per_run * x) for x in per_turn)
    return Estimate(
        runs=runs,
        turns_per_run=turns_per_run,
        prompt_tokens=prompt,
        cached_tokens=cached,
        completion_tokens=completion,
        cost_usd=gateway.cost_of(config.model, prompt, cached, completion),
        model=config.label,
        measured_runs=len(measured),
    )
