"""Forms of review queues and bulk labels: input checking only."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict

from simulations.review.models import Label, TrajectoryFlag
from simulations.review.queues.models import ReviewQueue
from simulations.review.search.forms import SearchForm


class QueueForm(SearchForm):
    name = forms.CharField(required=False, max_length=200)
    kind = forms.ChoiceField(choices=ReviewQueue.Kind.choices, initial=ReviewQueue.Kind.TURNS)
    sample_size = forms.IntegerField(
        required=False, min_value=1, help_text="Leave empty to take every match."
    )
    seed = forms.IntegerField(required=False, initial=0)
    overlap = forms.IntegerField(min_value=1, max_value=20, initial=1, label="Annotators per item")
    annotators = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username")
    )


class QueueItemForm(forms.Form):
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.filter(active=True), required=False
    )
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)
    flag = forms.ChoiceField(
        required=False, choices=[("", "no flag"), *TrajectoryFlag.Flag.choices]
    )
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


class BulkLabelForm(forms.Form):
    label = forms.ModelChoiceField(queryset=Label.objects.filter(active=True))
    query_string = forms.CharField(max_length=4000)

    def search_form(self) -> SearchForm:
        return SearchForm(QueryDict(self.cleaned_data["query_string"]))
