"""The search box and its filters: input checking only."""

from __future__ import annotations

from django import forms

from simulations.models import Turn
from simulations.review import selectors
from simulations.review.search.selectors import QUERY_LIMIT, SearchFilters


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=QUERY_LIMIT)
    action = forms.CharField(required=False, max_length=64)
    actor = forms.ChoiceField(required=False, choices=[("", "any actor"), *Turn.Actor.choices])
    label = forms.IntegerField(required=False, min_value=1)
    flag = forms.ChoiceField(
        required=False, choices=[("", "any flag"), *selectors.FLAG_FILTERS.items()]
    )
    signal = forms.ChoiceField(
        required=False, choices=[("", "any signal"), *selectors.TURN_SIGNALS.items()]
    )
    computer = forms.IntegerField(required=False, min_value=1)
    occupation = forms.CharField(required=False, max_length=200)
    model = forms.CharField(required=False, max_length=200)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    offset = forms.IntegerField(required=False, min_value=0)

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""

    @property
    def start(self) -> int:
        return (self.cleaned_data.get("offset") or 0) if self.is_valid() else 0

    def filters(self) -> SearchFilters:
        if not self.is_valid():
            return SearchFilters()
        d = self.cleaned_data
        return SearchFilters(
            action=d["action"].strip(),
            actor=d["actor"],
            label=d["label"],
            flag=d["flag"],
            signal=d["signal"],
            computer=d["computer"],
            occupation=d["occupation"].strip(),
            model=d["model"].strip(),
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
