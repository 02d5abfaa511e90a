"""The launch form: input checking only; services do the work."""

from __future__ import annotations

from django import forms
from django.db.models import Count
from pydantic import ValidationError

from simulations.config import AGENT_ROLES, RoleModel, SimulationConfig
from simulations.learning.models import SkillVersion


class LaunchForm(forms.Form):
    computers = forms.ModelMultipleChoiceField(
        queryset=None, label="Computers", widget=forms.SelectMultiple(attrs={"size": 8})
    )
    per_computer = forms.IntegerField(
        label="Simulations per computer", min_value=1, max_value=100, initial=1
    )
    workdays = forms.IntegerField(label="Working days", min_value=1, max_value=60, initial=20)
    max_turns = forms.IntegerField(label="Turn limit", min_value=1, max_value=200_000, initial=3000)
    max_tokens = forms.IntegerField(label="Token budget", min_value=1, required=False)
    max_cost_usd = forms.FloatField(label="Cost budget (USD)", min_value=0.01, required=False)
    seed = forms.IntegerField(label="Seed (blank: random)", min_value=1, required=False)
    label = forms.CharField(label="Batch label", max_length=200, required=False)
    skill_version = forms.ModelChoiceField(
        queryset=SkillVersion.objects.annotate(run_count=Count("runs")),
        required=False,
        label="Skill document",
        empty_label="none",
        help_text="the worker reads this skill version in its system prompt",
    )

    computer_objectives = forms.BooleanField(
        label="Use the computer's own monthly objectives",
        required=False,
        help_text="computers imported from the paper's dataset carry their month's deliverables; "
        "the objective agent is not asked",
    )

    def __init__(self, *args, computers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill_version"].label_from_instance = lambda v: (
            f"{v.occupation} v{v.version} — {v.run_count} run(s), distilled by {v.distilled_by}"
        )
        self.fields["computers"].queryset = computers
        self.fields["computers"].label_from_instance = lambda c: (
            f"#{c.pk} {c.display_name or '(no name)'} — {c.job_title}".strip(" —")
        )
        for role in AGENT_ROLES:
            self.fields[f"model_{role}"] = forms.CharField(
                label=f"{role.capitalize()} model",
                max_length=300,
                required=False,
                help_text="blank: the studio's model for this role",
            )

    def clean(self):
        data = super().clean()
        for role in AGENT_ROLES:
            name = f"model_{role}"
            try:
                RoleModel(model=(data.get(name) or "").strip())
            except ValidationError as exc:
                self.add_error(name, exc.errors()[0]["msg"].removeprefix("Value error, "))
        return data

    def config(self) -> SimulationConfig:
        data = self.cleaned_data
        models = {
            role: {"model": data[f"model_{role}"].strip()}
            for role in AGENT_ROLES
            if data.get(f"model_{role}", "").strip()
        }
        return SimulationConfig(
            models=models,
            workdays=data["workdays"],
            computer_objectives=data.get("computer_objectives", False),
            max_turns=data["max_turns"],
            max_tokens=data.get("max_tokens"),
            max_cost_usd=data.get("max_cost_usd"),
            seed=data.get("seed") or 0,
        )


def _whole(data, name: str, default: int, low: int, high: int) -> int:
    raw = str(data.get(name) or "").strip()
    return min(high, max(low, int(raw))) if raw.isdigit() else default


def estimate_inputs(data) -> dict:
    """What the launch form's estimate needs, read leniently from a form being filled in (a
    blank or half-typed field counts as its initial value)."""
    computers = [c for c in data.getlist("computers") if str(c).isdigit()]
    per_computer = _whole(data, "per_computer", 1, 1, 100)
    return {
        "runs": max(1, len(computers)) * per_computer,
        "workdays": _whole(data, "workdays", 20, 1, 60),
        "max_turns": _whole(data, "max_turns", 3000, 1, 200_000),
        "worker_model": str(data.get("model_worker") or "").strip()[:300],
    }
