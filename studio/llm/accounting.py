"""What a model call cost: its tokens as the reply reported them (or estimated when it did not)
and their price from the per-model table (``LLM_PRICES``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from openai.types.chat import ChatCompletion

from studio.llm import server_quirks


def _price(model: str) -> tuple[float, float, float] | None:
    """The model's prices; a dated snapshot (gpt-4o-2024-08-06) takes its family's."""
    prices = settings.LLM_PRICES
    if model in prices:
        return prices[model]
    family = max((m for m in prices if model.startswith(f"{m}-")), key=len, default=None)
    return prices[family] if family else None


def cost_of(model: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int):
    price = _price(model)
    if price is None:
        return None
    uncached = max(0, prompt_tokens - cached_tokens)
    spent = uncached * price[0] + cached_tokens * price[1] + completion_tokens * price[2]
    return spent / 1_000_000


@dataclass
class Tokens:
    prompt: int = 0
    cached: int = 0
    completion: int = 0
    reasoning: int = 0
    estimated: bool = False  # the reply reported no usage: counted from characters

    @classmethod
    def of(cls, completion: ChatCompletion | None, request: dict[str, Any]) -> Tokens:
        if completion is None:
            return cls()
        usage = completion.usage
        if usage is None:
            prompt, completion_tokens = server_quirks.estimated_tokens(request, completion)
            return cls(prompt=prompt, completion=completion_tokens, estimated=True)
        prompt_details = usage.prompt_tokens_details
        completion_details = usage.completion_tokens_details
        return cls(
            prompt=usage.prompt_tokens or 0,
            cached=(prompt_details.cached_tokens or 0) if prompt_details else 0,
            completion=usage.completion_tokens or 0,
            reasoning=(completion_details.reasoning_tokens or 0) if completion_details else 0,
        )
