"""Every HTTP round trip of a model call, the client's own retries included.

The openai client retries 429s, 5xx and timeouts inside ``create()``; the transport under
its http_client sees each attempt, so it notes the attempt's number, HTTP status (or
"timeout" / the connection error) and latency into the call being made (a context variable:
per thread, and per greenlet under gevent).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx2

_attempts: ContextVar[list[dict[str, Any]] | None] = ContextVar("llm_attempts", default=None)


@contextmanager
def recording() -> Iterator[list[dict[str, Any]]]:
    """The round trips made inside the block, in order."""
    attempts: list[dict[str, Any]] = []
    token = _attempts.set(attempts)
    try:
        yield attempts
    finally:
        _attempts.reset(token)


class RecordingTransport(httpx2.BaseTransport):
    """Wraps the transport that really sends (a socket's, or the offline engine's)."""

    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        attempts = _attempts.get()
        number = int(request.headers.get("x-stainless-retry-count") or 0) + 1
        started = time.perf_counter()
        status: int | str = "error"
        try:
            response = self.inner.handle_request(request)
            status = response.status_code
            return response
        except httpx2.TimeoutException:
            status = "timeout"
            raise
        except httpx2.TransportError as exc:
            status = type(exc).__name__
            raise
        finally:
            if attempts is not None:
                latency = int((time.perf_counter() - started) * 1000)
                attempts.append({"attempt": number, "status": status, "latency_ms": latency})

    def close(self) -> None:
        self.inner.close()
