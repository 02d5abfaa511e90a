"""Full-text search across every trajectory the researcher may see."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from simulations.review import selectors
from simulations.review.search.forms import SearchForm
from simulations.review.search.selectors import SearchError, SearchPage, turn_text_search


@require_GET
def search(request):
    form = SearchForm(request.GET)
    page, error = SearchPage(query=form.query), ""
    if request.GET and not form.is_valid():
        error = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    elif form.query:
        try:
            page = turn_text_search(
                user=request.user, query=form.query, filters=form.filters(), offset=form.start
            )
        except SearchError as exc:
            error = str(exc)
    query = request.GET.copy()
    query.pop("offset", None)
    return render(
        request,
        "review/search.html",
        {
            "form": form,
            "filters": form.filters(),
            "page": page,
            "error": error,
            "labels": selectors.labels_active(),
            "query_string": query.urlencode(),
        },
        status=400 if error else 200,
    )
