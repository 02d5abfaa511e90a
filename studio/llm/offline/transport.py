"""An HTTP transport that hands requests to the offline engine without a socket.

The openai client still builds and sends a real HTTP request (URL, headers, JSON body)
and parses a real HTTP response (status, headers, JSON), so retries, Retry-After,
timeouts and response validation behave as against a server.
"""

from __future__ import annotations

import time

import httpx2
import orjson

from studio.llm.offline.engine import handle_chat, handle_models, latency_s


def _import_responders() -> None:
    # Responders register themselves on import.
    from studio.llm.offline import responders  # noqa: F401


class OfflineTransport(httpx2.BaseTransport):
    """One per role: the role picks the scripted agent, and stays on this side of the wire."""

    def __init__(self, role: str = "") -> None:
        self.role = role

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        _import_responders()
        path = request.url.path
        if request.method == "GET" and path.endswith("/models"):
            reply = handle_models()
        elif request.method == "POST" and path.endswith("/chat/completions"):
            try:
                body = orjson.loads(request.read() or b"{}")
            except orjson.JSONDecodeError:
                return httpx2.Response(400, json={"error": {"message": "body is not JSON"}})
            if _stalled(latency_s(body), request):
                raise httpx2.ReadTimeout(
                    "offline engine: latency past the timeout", request=request
                )
            headers = {k.lower(): v for k, v in request.headers.items()}
            reply = handle_chat(body, {**headers, "x-studio-role": self.role})
        else:
            return httpx2.Response(404, json={"error": {"message": f"no route {path}"}})
        if reply.hang_s:
            if _stalled(reply.hang_s, request):
                raise httpx2.ReadTimeout("offline engine: injected hang", request=request)
            return httpx2.Response(500, json={"error": {"message": "hang ended"}})
        return httpx2.Response(
            reply.status,
            content=orjson.dumps(reply.body),
            headers={"content-type": "application/json", **reply.headers},
        )


def _stalled(seconds: float, request: httpx2.Request) -> bool:
    """Wait ``seconds``, or only until the request's read timeout, as a socket would: True
    if the timeout ran out first."""
    if not seconds:
        return False
    timeout = (request.extensions.get("timeout") or {}).get("read")
    if timeout is None or seconds < float(timeout):
        time.sleep(seconds)
        return False
    time.sleep(float(timeout))
    return True
