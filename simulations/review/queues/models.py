"""Review queues and bulk labels.

A queue is a fixed list of items (turns or whole trajectories) drawn from a search or a filter,
all of them or a seeded sample, for a set of annotators. ``overlap`` annotators see each item,
so their labels can be compared (agreement). Serving an item to an annotator records a claim;
a claim that is not completed within ``CLAIM_MINUTES`` frees its place for someone else.

A bulk label is one recorded operation: every (annotation, label) it added is kept, so undoing it
removes exactly those and nothing a person added by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class ReviewQueue(models.Model):
    class Kind(models.TextChoices):
        TURNS = "turns", "turns"
        TRAJECTORIES = "trajectories", "whole trajectories"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TURNS)
    source = models.JSONField(default=dict, blank=True)  # {query, filters} it was built from
    sample_size = models.PositiveIntegerField(null=True, blank=True)  # None: every match
    seed = models.BigIntegerField(default=0)
    overlap = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Annotators per item."
    )
    annotators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="review_queues")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="review_queues_created",
    )
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class QueueItem(models.Model):
    queue = models.ForeignKey(ReviewQueue, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    simulation = models.ForeignKey(
        "simulations.Simulation", on_delete=models.CASCADE, related_name="+"
    )
    turn = models.ForeignKey(
        "simulations.Turn", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["queue", "position"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "position"], name="queue_item_position")
        ]

    def __str__(self) -> str:
        return f"item {self.position} of queue {self.queue_id}"


class QueueResponse(models.Model):
    """One annotator's turn at one item: claimed when served, done when they submit."""

    item = models.ForeignKey(QueueItem, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_responses"
    )
    claimed_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "user"]
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="queue_response_one_per_user")
        ]
        indexes = [models.Index(fields=["user", "done_at"], name="queue_response_open")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.item_id}"


class BulkLabelOperation(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_labels"
    )
    label = models.ForeignKey("review.Label", on_delete=models.PROTECT, related_name="+")
    source = models.JSONField(default=dict, blank=True)  # {query, filters}
    matched = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"bulk label {self.label_id} on {self.matched} turns"


class BulkLabelChange(models.Model):
    """One (annotation, label) pair a bulk operation added."""

    operation = models.ForeignKey(
        BulkLabelOperation, on_delete=models.CASCADE, related_name="changes"
    )
    annotation = models.ForeignKey(
        "review.TurnAnnotation", on_delete=models.CASCADE, related_name="+"
    )
    created_annotation = models.BooleanField(default=False)

    class Meta:
        ordering = ["operation", "id"]

    def __str__(self) -> str:
        return f"change {self.pk} of {self.operation_id}"
