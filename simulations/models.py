"""Simulations and everything a run records: objectives, rubric, deliverables, turns, file
changes, messages, signals. Each turn commits atomically under a unique (simulation, seq), so
none is lost or recorded twice; indices suit tens of thousands of turns per simulation."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db import models

from simulations.config import SimulationConfig, simulations_root


class SimulationBatch(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    label = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.label or f"Batch {self.pk}"


class Simulation(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        PAUSED = "paused"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Phase(models.TextChoices):
        SETUP = "setup"  # workspace not copied yet
        OBJECTIVES = "objectives"  # the objective agent has not written the month yet
        WORK = "work"  # the worker acts; collaborators answer
        JUDGING = "judging"  # the judge scores each objective
        RETROSPECTIVE = "retrospective"
        DONE = "done"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    TERMINAL_STATES = (State.COMPLETED, State.FAILED, State.CANCELLED)

    computer = models.ForeignKey(
        "studio.Computer", on_delete=models.PROTECT, related_name="simulations"
    )
    batch = models.ForeignKey(
        SimulationBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="simulations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.SETUP)
    config = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField(default=0)
    # simulations/learning: the worker's skill document; an experiment's shared plan (null: own)
    skill_version = models.ForeignKey(
        "learning.SkillVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="simulations",
    )
    shared_plan = models.ForeignKey(
        "learning.SharedPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="simulations",
    )

    # the simulated clock
    sim_started_at = models.DateTimeField(null=True, blank=True)
    sim_now = models.DateTimeField(null=True, blank=True)
    workday = models.PositiveIntegerField(default=0)

    # durable execution
    lease_owner = models.CharField(max_length=64, blank=True, db_index=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    model_errors = models.PositiveIntegerField(default=0)  # consecutive failed model calls
    error = models.TextField(blank=True)
    error_detail = models.TextField(blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)

    # counters, updated in each turn's transaction
    turn_count = models.PositiveIntegerField(default=0)
    prompt_tokens = models.BigIntegerField(default=0)
    completion_tokens = models.BigIntegerField(default=0)
    cost_usd = models.FloatField(default=0.0)

    # bounded agent context: the worker's own notes and the condensed history
    memory = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    summary_upto_seq = models.PositiveIntegerField(default=0)
    briefing = models.TextField(blank=True)

    outcome = models.JSONField(default=dict, blank=True)
    retrospective = models.JSONField(default=dict, blank=True)
    llm_backend = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "lease_expires_at"], name="sim_state_lease"),
            models.Index(fields=["computer", "-id"], name="sim_computer"),
            models.Index(fields=["created_by", "-id"], name="sim_creator"),
        ]

    def __str__(self) -> str:
        return f"Simulation {self.pk} on computer {self.computer_id}"

    @cached_property
    def options(self) -> SimulationConfig:
        """The validated config; a run's settings do not change once it is created."""
        return SimulationConfig.model_validate(self.config or {})

    @property
    def workspace_root(self) -> Path:
        return simulations_root() / str(self.pk)

    @property
    def workspace_on_disk(self) -> bool:
        return self.workspace_root.is_dir()

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def is_terminal(self) -> bool:
        return self.state in self.TERMINAL_STATES

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


class Objective(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        SUBMITTED = "submitted"  # every deliverable submitted
        JUDGED = "judged"

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="objectives")
    order = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=8)  # O1, O2, ...
    title = models.CharField(max_length=300)
    description = models.TextField()
    target_date = models.DateField()
    target_workday = models.PositiveSmallIntegerField()
    milestones = models.JSONField(default=list, blank=True)  # [{title, workday, date}]
    inputs = models.JSONField(default=list, blank=True)  # home-relative paths to start from
    reviewer = models.CharField(max_length=200, blank=True)
    references = models.JSONField(default=list, blank=True)  # [{owner, path, description}]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(default=0.0)

    class Meta:
        ordering = ["simulation", "order"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "order"], name="objective_unique_order"),
            models.UniqueConstraint(fields=["simulation", "key"], name="objective_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class Deliverable(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SUBMITTED = "submitted"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="deliverables")
    simulation = models.ForeignKey(
        Simulation, on_delete=models.CASCADE, related_name="deliverables"
    )
    key = models.CharField(max_length=8)  # D1, D2, ...
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=8)
    path = models.CharField(max_length=1024)  # where the objective expects it
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(null=True, blank=True)  # simulated time
    submitted_path = models.CharField(max_length=1024, blank=True)
    submitted_sha256 = models.CharField(max_length=64, blank=True)
    submitted_seq = models.PositiveIntegerField(null=True, blank=True)
    submissions = models.PositiveSmallIntegerField(default=0)
    note = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(default=0.0)
    judge_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["simulation", "key"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "key"], name="deliverable_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.path}"


class RubricItem(models.Model):
    class Tag(models.TextChoices):
        SPEC = "spec"
        INTERACTION = "interaction"
        EXPERTISE = "expertise"
        REFERENCE = "reference"
        QUALITY = "quality"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="rubric")
    deliverable = models.ForeignKey(
        Deliverable, null=True, blank=True, on_delete=models.CASCADE, related_name="rubric"
    )
    order = models.PositiveSmallIntegerField()
    tag = models.CharField(max_length=16, choices=Tag.choices)
    points = models.FloatField()
    text = models.TextField()
    awarded = models.FloatField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["objective", "order"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "order"], name="rubric_unique_order"),
        ]

    def __str__(self) -> str:
        return f"[{self.tag}] {self.text[:60]}"


class Turn(models.Model):
    class Actor(models.TextChoices):
        WORKER = "worker"
        COLLABORATOR = "collaborator"
        SYSTEM = "system"
        OBJECTIVE = "objective"
        JUDGE = "judge"

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="turns")
    seq = models.PositiveIntegerField()
    actor = models.CharField(max_length=16, choices=Actor.choices)
    actor_name = models.CharField(max_length=200, blank=True)  # the collaborator, for instance
    action = models.CharField(max_length=64, blank=True)  # tool name or engine event
    arguments = models.JSONField(null=True, blank=True)
    raw_arguments = models.TextField(blank=True)  # as the model sent them, when not valid JSON
    tool_call_id = models.CharField(max_length=100, blank=True)
    observation = models.TextField(blank=True)
    reasoning = models.TextField(blank=True)
    error = models.TextField(blank=True)
    is_retry = models.BooleanField(default=False)
    sim_time = models.DateTimeField()  # simulated time the action started
    sim_minutes = models.PositiveIntegerField(default=0)  # simulated time it took
    workday = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.FloatField(default=0.0)
    latency_ms = models.PositiveIntegerField(default=0)
    prompt_chars = models.PositiveIntegerField(default=0)
    llm_call_id = models.BigIntegerField(null=True, blank=True)
    signals = models.JSONField(default=list, blank=True)  # per-turn process flags
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["simulation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["simulation", "seq"], name="turn_unique_seq"),
        ]
        indexes = [
            models.Index(fields=["simulation", "actor", "seq"], name="turn_actor"),
            models.Index(fields=["simulation", "action", "seq"], name="turn_action"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor} {self.action}"

    @property
    def ok(self) -> bool:
        return not self.error


class FileChange(models.Model):
    class Op(models.TextChoices):
        CREATE = "create"
        EDIT = "edit"
        MOVE = "move"
        COPY = "copy"
        DELETE = "delete"
        SHARE = "share"  # a collaborator's file arriving in the user's computer

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="file_changes")
    simulation = models.ForeignKey(
        Simulation, on_delete=models.CASCADE, related_name="file_changes"
    )
    seq = models.PositiveIntegerField()
    index = models.PositiveSmallIntegerField(default=0)  # order within the turn
    op = models.CharField(max_length=8, choices=Op.choices)
    path = models.CharField(max_length=1024)
    source_path = models.CharField(max_length=1024, blank=True)  # move/copy from; share: owner's
    kind = models.CharField(max_length=8, blank=True)
    before_sha256 = models.CharField(max_length=64, blank=True)
    after_sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(default=0)
    diff = models.TextField(blank=True)

    class Meta:
        ordering = ["simulation", "seq", "index"]
        indexes = [
            models.Index(fields=["simulation", "path", "seq"], name="filechange_path"),
            models.Index(fields=["simulation", "seq"], name="filechange_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.op} {self.path}"


class Message(models.Model):
    class Direction(models.TextChoices):
        OUTGOING = "outgoing"  # from the user (worker) to collaborators
        INCOMING = "incoming"  # from a collaborator to the user

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="messages")
    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="messages_created")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    sender = models.CharField(max_length=200)
    sender_email = models.CharField(max_length=254, blank=True)
    recipients = models.JSONField(default=list)  # [{name, email}]
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)  # workspace paths
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    deliverable_key = models.CharField(max_length=8, blank=True)
    sent_at = models.DateTimeField()  # simulated
    delivered_at = models.DateTimeField(null=True, blank=True)  # simulated; None = in transit
    delivered_seq = models.PositiveIntegerField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # simulated
    answered = models.BooleanField(default=False)  # the collaborator has written a reply
    meta = models.JSONField(default=dict, blank=True)  # corrections, shares

    class Meta:
        ordering = ["simulation", "sent_at", "id"]
        indexes = [
            models.Index(fields=["simulation", "direction", "delivered_at"], name="message_inbox"),
            models.Index(fields=["simulation", "direction", "answered"], name="message_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class Signal(models.Model):
    """A run-level process or outcome signal, e.g. a loop or a stale workbook."""

    class Severity(models.TextChoices):
        INFO = "info"
        WARNING = "warning"
        FAILURE = "failure"

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="signals")
    turn = models.ForeignKey(
        Turn, null=True, blank=True, on_delete=models.CASCADE, related_name="run_signals"
    )
    kind = models.CharField(max_length=48)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    message = models.TextField()
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["simulation", "id"]
        indexes = [models.Index(fields=["simulation", "kind"], name="signal_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"
