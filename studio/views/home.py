from django.shortcuts import render
from django.views.decorators.http import require_GET

from studio import selectors


@require_GET
def home(request):
    return render(
        request,
        "studio/home.html",
        {
            "counts": selectors.home_counts(user=request.user),
            "activity": selectors.recent_activity(user=request.user),
            "board": selectors.job_board(user=request.user),
        },
    )
