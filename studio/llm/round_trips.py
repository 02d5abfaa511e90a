"""Every HTTP round trip of a model call, the client's own retries included.

The openai client retries 429s, 5xx and timeouts inside ``create()``; the transport under
its http_client sees each attempt, so it notes the attempt's number, HTTP status (or
"timeout" / the connection error) and latency into the call being made (a context variable:
per thread, and per greenlet under gevent).

A caller that may have to stop waiting (a simulation slice whose run was cancelled, paused or
whose worker is shutting down) wraps its calls in :func:`abandon_when`: each attempt is then
sent from a helper thread (a greenlet under gevent) while the caller checks every
``POLL_SECONDS`` whether to give up; giving up raises :class:`CallAbandoned` through the client
(it is not an ``Exception``, so no retry catches it) and the attempt's result is dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx2

_attempts: ContextVar[list[dict[str, Any]] | None] = ContextVar("llm_attempts", default=None)
_give_up: ContextVar[Callable[[], bool] | None] = ContextVar("llm_give_up", default=None)
POLL_SECONDS = 0.5


class CallAbandoned(BaseException):
    """The caller stopped waiting for a model call (see :func:`abandon_when`)."""


@contextmanager
def abandon_when(give_up: Callable[[], bool]) -> Iterator[None]:
    """Model calls made inside the block end with CallAbandoned once ``give_up()`` is true."""
    token = _give_up.set(give_up)
    try:
        yield
    finally:
        _give_up.reset(token)


def _send_abandonable(
    inner: httpx2.BaseTransport, request: httpx2.Request, give_up: Callable[[], bool]
) -> httpx2.Response:
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = inner.handle_request(request)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as it is
            outcome["error"] = exc

    sender = threading.Thread(target=send, daemon=True, name="llm-call")
    sender.start()
    while sender.is_alive():
        if give_up():
            raise CallAbandoned("the caller stopped waiting for the model")
        sender.join(POLL_SECONDS)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


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
            give_up = _give_up.get()
            if give_up is None:
                response = self.inner.handle_request(request)
            else:
                response = _send_abandonable(self.inner, request, give_up)
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
