"""One model call: what it cost, its round trips, and its request and response as sent and
received (or why they are not there)."""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from studio import access
from studio.llm import bodies


def _pretty(text: bytes | None) -> str:
    return "" if text is None else json.dumps(json.loads(text), indent=2, ensure_ascii=False)


@require_GET
def llm_call_detail(request, pk: int):
    call = get_object_or_404(access.visible_llm_calls(request.user), pk=pk)
    bodies.load([call])
    context = {
        "call": call,
        "request_json": _pretty(bodies.text_of(call, "request")),
        "response_json": _pretty(bodies.text_of(call, "response")),
    }
    return render(request, "studio/llm_call.html", context)
