"""The offline engine reports cached prompt tokens as a provider's prefix cache would, seen
through the real openai client."""

import random
import string

import httpx2
import openai
import pytest

from studio.llm.gateway import OFFLINE_BASE_URL
from studio.llm.offline import prefix_cache
from studio.llm.offline.transport import OfflineTransport

BLOCK = prefix_cache.BLOCK_TOKENS


@pytest.fixture
def cache(monkeypatch):
    fresh = prefix_cache.PrefixCache(max_blocks=64)
    monkeypatch.setattr(prefix_cache, "CACHE", fresh)
    return fresh


@pytest.fixture
def client():
    return openai.OpenAI(
        base_url=OFFLINE_BASE_URL,
        api_key="offline",
        max_retries=0,
        http_client=httpx2.Client(transport=OfflineTransport()),
    )


def _conversation(seed: int, turns: int) -> list[dict]:
    rng = random.Random(seed)
    words = ["".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(400)]
    return [
        {"role": "user" if n % 2 == 0 else "assistant", "content": " ".join(rng.sample(words, 80))}
        for n in range(turns)
    ]


def _usage(client, messages, *, seed=0, model="offline"):
    reply = client.chat.completions.create(model=model, messages=messages, seed=seed)
    return reply.usage


def test_a_call_that_extends_the_previous_one_finds_its_prefix_cached(cache, client):
    messages = _conversation(1, 8)
    first = _usage(client, messages)
    assert first.prompt_tokens_details.cached_tokens == 0
    second = _usage(client, [*messages, *_conversation(2, 4)])
    cached = second.prompt_tokens_details.cached_tokens
    assert cached % BLOCK == 0
    # everything the first call sent but its closing bytes and the last partial block
    assert first.prompt_tokens - 2 * BLOCK < cached <= first.prompt_tokens < second.prompt_tokens
    # and a third call extending the second finds more of it
    third = _usage(client, [*messages, *_conversation(2, 4), *_conversation(3, 2)])
    assert third.prompt_tokens_details.cached_tokens > cached


def test_the_cache_is_keyed_by_content_alone(cache, client):
    messages = _conversation(4, 8)
    _usage(client, messages, seed=1)
    again = _usage(client, messages, seed=2, model="offline:latency=0")
    assert again.prompt_tokens_details.cached_tokens > again.prompt_tokens - 2 * BLOCK


def test_an_unrelated_prompt_finds_nothing_cached(cache, client):
    _usage(client, _conversation(5, 8))
    other = _usage(client, _conversation(6, 8))
    assert other.prompt_tokens > 4 * BLOCK
    assert other.prompt_tokens_details.cached_tokens == 0


def test_the_cache_is_bounded_and_forgets_the_least_recent(cache, client):
    old = _conversation(7, 8)
    _usage(client, old)
    assert 0 < len(cache) <= cache.max_blocks
    for seed in range(8, 20):  # enough other prompts to push the first one out
        _usage(client, _conversation(seed, 8))
        assert len(cache) <= cache.max_blocks
    assert _usage(client, old).prompt_tokens_details.cached_tokens == 0


def test_a_cache_holds_at_least_one_block():
    with pytest.raises(ValueError, match="at least one block"):
        prefix_cache.PrefixCache(max_blocks=0)
