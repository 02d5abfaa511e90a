"""The experiment form: input checking only; services do the work."""

from __future__ import annotations

from django import forms

from simulations.learning.arms import ArmError, arms_parse


class ExperimentForm(forms.Form):
    name = forms.CharField(max_length=200)
    heldout_pool = forms.ModelChoiceField(queryset=None, label="Held-out pool")
    train_pool = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Train pool",
        empty_label="none (or split the held-out pool)",
    )
    split_seed = forms.IntegerField(
        required=False,
        min_value=0,
        label="Split seed",
        help_text="set: split the held-out pool at random into train and held-out computers",
    )
    heldout_fraction = forms.FloatField(
        initial=0.5, min_value=0.01, max_value=0.99, label="Held-out fraction of the split"
    )
    arms = forms.CharField(
        initial="baseline,skills",
        max_length=500,
        help_text="baseline, skills, worker-model=NAME, worker-prompt=VARIANT; comma-separated",
    )
    runs_per_computer = forms.IntegerField(initial=1, min_value=1, max_value=20)
    workdays = forms.IntegerField(initial=20, min_value=1, max_value=60, label="Working days")
    max_turns = forms.IntegerField(initial=3000, min_value=1, max_value=200_000, label="Turn limit")

    def __init__(self, *args, pools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heldout_pool"].queryset = pools
        self.fields["train_pool"].queryset = pools

    def clean_arms(self):
        try:
            return arms_parse(self.cleaned_data["arms"])
        except ArmError as exc:
            raise forms.ValidationError(str(exc)) from None

    def config(self) -> dict:
        return {
            "workdays": self.cleaned_data["workdays"],
            "max_turns": self.cleaned_data["max_turns"],
        }
