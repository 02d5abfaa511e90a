"""One model call: what it cost, its round trips, and its request and response as sent and
received (or why they are not there)."""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from studio.llm import bodies
from studio.models import LLMCall
from studio.views.access import get_computer_for_user


def _pretty(text: bytes | None) -> str:
    return "" if text is None else json.dumps(json.loads(text), indent=2, ensure_ascii=False)


@require_GET
def llm_call_detail(request, pk: int):
    call = get_object_or_404(LLMCall, pk=pk)
    if call.computer_id is not None:
        get_computer_for_user(request, call.computer_id)
    elif not request.user.is_staff:  # a probe of the endpoints (llm_check): staff only
        raise Http404("no such model call")
    bodies.load([call])
    context = {
        "call": call,
        "request_json": _pretty(bodies.text_of(call, "request")),
        "response_json": _pretty(bodies.text_of(call, "response")),
    }
    return render(request, "studio/llm_call.html", context)
