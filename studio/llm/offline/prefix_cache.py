"""The offline engine's prefix cache: how many of a request's prompt tokens a provider would
serve from its cache, so that cached-token accounting is exercised as against a real server.

Like vLLM's automatic prefix caching (and OpenAI's cache, which also works in 128-token
steps), the prompt is cut into blocks of BLOCK_TOKENS tokens and each block is keyed by a
hash of its content and of every block before it: a request's cached tokens are its leading
blocks already in the cache, whoever sent them. The cache holds at most ``max_blocks``
blocks, the least recently used leaving first. Tokens are the engine's estimate (four bytes
of the request's canonical JSON each), so the cached tokens never exceed the prompt tokens.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

BLOCK_TOKENS = 128
BYTES_PER_TOKEN = 4
BLOCK_BYTES = BLOCK_TOKENS * BYTES_PER_TOKEN
DEFAULT_MAX_BLOCKS = 65_536  # a few hundred long prompts; a few MB of keys


class PrefixCache:
    def __init__(self, max_blocks: int = DEFAULT_MAX_BLOCKS) -> None:
        if max_blocks < 1:
            raise ValueError("a prefix cache holds at least one block")
        self.max_blocks = max_blocks
        self._blocks: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()  # the transport may serve several threads at once

    def __len__(self) -> int:
        return len(self._blocks)

    def cached_tokens(self, prompt: bytes) -> int:
        """The tokens of ``prompt``'s longest block-aligned prefix seen in a recent request;
        then ``prompt``'s own blocks join the cache."""
        keys = []
        chained = b""
        for start in range(0, len(prompt) - BLOCK_BYTES + 1, BLOCK_BYTES):
            chained = hashlib.blake2b(
                chained + prompt[start : start + BLOCK_BYTES], digest_size=16
            ).digest()
            keys.append(chained)
        with self._lock:
            hits = 0
            while hits < len(keys) and keys[hits] in self._blocks:
                hits += 1
            for key in keys:
                self._blocks[key] = None
                self._blocks.move_to_end(key)
            while len(self._blocks) > self.max_blocks:
                self._blocks.popitem(last=False)
        return hits * BLOCK_TOKENS


CACHE = PrefixCache()


def cached_tokens(prompt: bytes) -> int:
    return CACHE.cached_tokens(prompt)
