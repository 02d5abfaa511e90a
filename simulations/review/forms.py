"""Forms of the review pages: input checking only; services do the work."""

from __future__ import annotations

from pathlib import Path

from django import forms

from simulations.models import Simulation, Turn
from simulations.review import selectors
from simulations.review.export import BadTurnPolicy
from simulations.review.models import Label, TrajectoryFlag, colour_validator
from studio.models import PersonaPool


def _choices(mapping: dict[str, str], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *mapping.items()]


class SimulationFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    state = forms.ChoiceField(
        required=False, choices=[("", "any state"), *Simulation.State.choices]
    )
    flag = forms.ChoiceField(required=False, choices=_choices(selectors.FLAG_FILTERS, "any flag"))
    label = forms.IntegerField(required=False, min_value=1)
    annotator = forms.IntegerField(required=False, min_value=1)
    signal = forms.ChoiceField(
        required=False, choices=_choices(selectors.SIMULATION_SIGNALS, "any signal")
    )
    computer = forms.IntegerField(required=False, min_value=1)

    def filters(self) -> selectors.SimulationFilters:
        if not self.is_valid():
            return selectors.SimulationFilters()
        d = self.cleaned_data
        return selectors.SimulationFilters(
            q=d["q"].strip(),
            state=d["state"],
            flag=d["flag"],
            label=d["label"],
            annotator=d["annotator"],
            signal=d["signal"],
            computer=d["computer"],
        )


class TurnFilterForm(forms.Form):
    simulation = forms.IntegerField(required=False, min_value=1)
    label = forms.IntegerField(required=False, min_value=1)
    annotator = forms.IntegerField(required=False, min_value=1)
    signal = forms.ChoiceField(
        required=False,
        choices=_choices(
            {**selectors.TURN_SIGNALS, "low_score": selectors.SIMULATION_SIGNALS["low_score"]},
            "any signal",
        ),
    )
    actor = forms.ChoiceField(required=False, choices=[("", "any actor"), *Turn.Actor.choices])
    action = forms.CharField(required=False, max_length=64)
    annotated = forms.ChoiceField(
        required=False,
        choices=[("", "annotated or not"), ("yes", "annotated"), ("no", "not annotated")],
    )

    def filters(self) -> selectors.TurnFilters:
        if not self.is_valid():
            return selectors.TurnFilters()
        d = self.cleaned_data
        return selectors.TurnFilters(
            simulation=d["simulation"],
            label=d["label"],
            annotator=d["annotator"],
            signal=d["signal"],
            actor=d["actor"],
            action=d["action"].strip(),
            annotated=d["annotated"],
        )


class AnnotationForm(forms.Form):
    labels = forms.ModelMultipleChoiceField(queryset=Label.objects.all(), required=False)
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)


class LabelToggleForm(forms.Form):
    label = forms.ModelChoiceField(queryset=Label.objects.filter(active=True), required=False)
    hotkey = forms.IntegerField(required=False, min_value=1, max_value=9)

    def clean(self):
        data = super().clean()
        if data.get("label") is None and data.get("hotkey"):
            data["label"] = Label.objects.filter(active=True, hotkey=data["hotkey"]).first()
        if data.get("label") is None:
            raise forms.ValidationError("no label with that number")
        return data


class FlagForm(forms.Form):
    flag = forms.ChoiceField(choices=[*TrajectoryFlag.Flag.choices, ("clear", "clear my flag")])
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


class LabelForm(forms.Form):
    name = forms.CharField(max_length=60)
    description = forms.CharField(required=False, max_length=300)
    colour = forms.CharField(
        max_length=7,
        initial="#868e96",
        validators=[colour_validator],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    is_bad = forms.BooleanField(
        required=False, initial=True, label="Bad (excluded by the export policy)"
    )
    hotkey = forms.IntegerField(required=False, min_value=1, max_value=9, label="Number key")
    active = forms.BooleanField(required=False, initial=True)


class ExportForm(SimulationFilterForm):
    policy = forms.ChoiceField(
        choices=[(p.value, p.value) for p in BadTurnPolicy], initial="cut", required=False
    )
    simulation = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].initial = Simulation.State.COMPLETED

    @property
    def simulation_ids(self) -> list[int] | None:
        value = self.cleaned_data.get("simulation") if self.is_valid() else None
        return [value] if value else None

    @property
    def bad_turn_policy(self) -> BadTurnPolicy:
        value = self.cleaned_data.get("policy") if self.is_valid() else ""
        return BadTurnPolicy(value or BadTurnPolicy.CUT)


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)


class ImportComputerForm(forms.Form):
    FORMATS = [
        ("ours", "This studio's archive (.zip or .tar.gz from “Export archive”)"),
        ("paper", "The paper's dataset layout (.tar.gz or .tar.zst of computers/)"),
    ]
    format = forms.ChoiceField(choices=FORMATS, initial="ours", required=False, label="Format")
    archive = forms.FileField(label="Archive", required=False)
    server_path = forms.CharField(
        required=False,
        label="Or a folder or tarball on the server (staff only, paper format)",
    )
    pool = forms.ModelChoiceField(queryset=PersonaPool.objects.none(), label="Into pool")

    def __init__(self, *args, pools, limits, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools
        self.limits = limits
        self.staff = bool(user and user.is_staff)
        if not self.staff:
            del self.fields["server_path"]

    def clean_archive(self):
        upload = self.cleaned_data["archive"]
        # Packed data is never much larger than what it unpacks to: refuse early what would
        # surely unpack past the limit, before reading any of it.
        if upload and upload.size > self.limits.max_total_bytes + 1024 * 1024:
            raise forms.ValidationError(
                f"The archive is {upload.size:,} bytes; the limit is "
                f"{self.limits.max_total_bytes:,} bytes unpacked."
            )
        return upload

    def clean(self):
        data = super().clean()
        data["format"] = data.get("format") or "ours"
        path = (data.get("server_path") or "").strip()
        if bool(path) == bool(data.get("archive")):
            raise forms.ValidationError(
                "Give an archive to upload or (staff) a path on the server."
            )
        if path:
            if data.get("format") != "paper":
                raise forms.ValidationError("A path on the server is read in the paper's format.")
            if not Path(path).exists():
                self.add_error("server_path", f"{path} does not exist on the server.")
            data["server_path"] = Path(path)
        return data
