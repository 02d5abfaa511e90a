"""What researchers add to simulations: labels on turns, flags on whole trajectories, and the
skill documents distilled from the runs' retrospectives.

Annotations are attributed and timestamped, one row per (turn, annotator) so several people
can label the same turn independently — which is what agreement (Cohen's kappa) needs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is written #rrggbb.")


class Label(models.Model):
    """One entry of the label taxonomy. Labels are archived (inactive), never deleted, so
    past annotations keep their meaning."""

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    colour = models.CharField(max_length=7, default="#868e96", validators=[colour_validator])
    is_bad = models.BooleanField(
        default=True, help_text="Turns with this label are handled by the export's bad-turn policy."
    )
    hotkey = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text="Number key (1–9) that applies the label on the review page.",
    )
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who may change the label besides staff; empty for the lab-wide defaults.",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class LabelChange(models.Model):
    """One change to the taxonomy: who, when, and each field's value before and after."""

    class Action(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"

    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    changes = models.JSONField(default=dict, help_text="field -> [before, after]")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.label} {self.action} by {self.user} at {self.at:%Y-%m-%d %H:%M}"


class TurnAnnotation(models.Model):
    """One annotator's labels and comment on one turn."""

    turn = models.ForeignKey(
        "simulations.Turn", on_delete=models.CASCADE, related_name="annotations"
    )
    # Denormalised from the turn: lists filter annotations by simulation without a join.
    simulation = models.ForeignKey(
        "simulations.Simulation", on_delete=models.CASCADE, related_name="annotations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="turn_annotations"
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="annotations")
    comment = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["turn_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["turn", "user"], name="annotation_one_per_annotator")
        ]
        indexes = [models.Index(fields=["simulation", "user"], name="annotation_sim_user")]

    def __str__(self) -> str:
        return f"annotation of turn {self.turn_id} by {self.user_id}"


class TrajectoryFlag(models.Model):
    """One researcher's verdict on a whole simulation."""

    class Flag(models.TextChoices):
        BAD = "bad", "bad"
        NEEDS_REVIEW = "needs_review", "needs review"
        GOOD = "good", "good"

    simulation = models.ForeignKey(
        "simulations.Simulation", on_delete=models.CASCADE, related_name="flags"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trajectory_flags"
    )
    flag = models.CharField(max_length=16, choices=Flag.choices)
    reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "user"], name="flag_one_per_researcher")
        ]
        indexes = [models.Index(fields=["flag", "simulation"], name="flag_kind")]

    def __str__(self) -> str:
        return f"{self.flag} on simulation {self.simulation_id}"


class SkillDocument(models.Model):
    """The skill document of one occupation, distilled from the lessons of its runs."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    occupation = models.CharField(max_length=200, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    title = models.CharField(max_length=300, blank=True)
    document = models.JSONField(default=dict, blank=True)  # the SkillDistillation contract
    lessons = models.JSONField(default=list, blank=True)  # [{text, runs, simulations}] ranked
    runs = models.PositiveIntegerField(default=0)
    job_titles = models.JSONField(default=list, blank=True)
    backend = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["occupation"]

    def __str__(self) -> str:
        return self.title or f"Skills of {self.occupation}"


# Review queues and bulk labels live in their own module; imported here so Django registers them.
from simulations.review.queues.models import (  # noqa: E402, F401
    BulkLabelChange,
    BulkLabelOperation,
    QueueItem,
    QueueResponse,
    ReviewQueue,
)
