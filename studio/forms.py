"""Forms: input checking only; the work is done by services."""

from __future__ import annotations

from django import forms
from django.conf import settings

from studio.access import pool_name_taken_by_other
from studio.models import Computer
from studio.selectors import COMPUTER_SORTS


class PoolImportForm(forms.Form):
    name = forms.CharField(label="Pool name", max_length=120)
    file = forms.FileField(label="Personas (JSONL or CSV)")
    shared = forms.BooleanField(label="Shared with the lab", required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if pool_name_taken_by_other(user=self.user, name=name):
            raise forms.ValidationError("Another user has a private pool with this name.")
        return name

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PERSONA_UPLOAD_MAX_BYTES:
            limit = settings.PERSONA_UPLOAD_MAX_BYTES / 1024 / 1024
            raise forms.ValidationError(f"The file is larger than the limit of {limit:.0f} MB.")
        return upload


def _files_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Files per computer", min_value=5, max_value=settings.COMPUTER_MAX_FILES, initial=100
    )


class GenerateOneForm(forms.Form):
    persona = forms.IntegerField(label="Persona #", min_value=1)
    target_files = _files_field()


class GenerateBatchForm(forms.Form):
    pool = forms.IntegerField(label="Pool", min_value=1)
    count = forms.IntegerField(label="Computers", min_value=1, max_value=1000, initial=10)
    target_files = _files_field()


class ComputerFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    state = forms.ChoiceField(required=False, choices=[("", "any state"), *Computer.State.choices])
    pool = forms.IntegerField(required=False, min_value=1)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in COMPUTER_SORTS])
