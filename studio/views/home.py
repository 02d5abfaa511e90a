from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from studio import selectors
from studio.llm.check import llm_check


def _render_home(request, **extra):
    return render(
        request,
        "studio/home.html",
        {
            "counts": selectors.home_counts(user=request.user),
            "activity": selectors.recent_activity(user=request.user),
            "board": selectors.job_board(user=request.user),
            **extra,
        },
    )


@require_GET
def home(request):
    return _render_home(request)


@require_POST
def home_llm_check(request):
    """Staff only: probes the configured endpoints (real calls, possibly paid) inline; an
    unreachable endpoint answers within the check's short reach timeout."""
    if not request.user.is_staff:
        raise PermissionDenied
    return _render_home(request, llm_verdicts=llm_check())
