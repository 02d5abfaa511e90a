"""Closing the learning loop: versioned skill documents, objective plans shared by the arms
of an experiment, and experiments with their runs.

A skill version is immutable: re-distilling makes a new version, and a simulation keeps
pointing at the version it ran with (``Simulation.skill_version``). A shared plan is the
month one objective-agent call wrote for a computer; every arm of an experiment starts from
it (``Simulation.shared_plan``) instead of asking the objective agent again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from simulations.learning.arms import Arm


class SkillVersion(models.Model):
    occupation = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField()  # what the worker sees, verbatim
    document = models.JSONField(default=dict, blank=True)  # the SkillDistillation contract
    lessons = models.JSONField(default=list, blank=True)  # [{text, runs, simulations}] ranked
    runs = models.ManyToManyField(
        "simulations.Simulation", related_name="skill_sources", blank=True
    )
    distilled_by = models.CharField(max_length=300, blank=True)  # the judge's backend label
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occupation", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["occupation", "version"], name="skill_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occupation} v{self.version}"

    @property
    def offline(self) -> bool:
        from studio.llm.gateway import OFFLINE_LABEL

        return self.distilled_by == OFFLINE_LABEL


class SharedPlan(models.Model):
    """One computer's month of objectives and rubric, written once and worked by every arm."""

    computer = models.ForeignKey(
        "studio.Computer", on_delete=models.PROTECT, related_name="shared_plans"
    )
    seed = models.BigIntegerField()
    plan = models.JSONField(default=dict, blank=True)  # contracts.ObjectivePlan; {} = not yet
    source = models.ForeignKey(
        "simulations.Simulation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the run whose objective agent wrote the plan",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"plan {self.pk} of computer {self.computer_id}"

    @property
    def ready(self) -> bool:
        return bool(self.plan)


class Experiment(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft"  # created, not started
        TRAINING = "training"  # train runs going
        DISTILLING = "distilling"
        EVALUATING = "evaluating"  # held-out arms going
        DONE = "done"
        FAILED = "failed"

    ACTIVE_STATES = (State.TRAINING, State.DISTILLING, State.EVALUATING)

    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    error = models.TextField(blank=True)
    train_pool = models.ForeignKey(
        "studio.PersonaPool", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    heldout_pool = models.ForeignKey(
        "studio.PersonaPool", on_delete=models.PROTECT, related_name="+"
    )
    split_seed = models.BigIntegerField(null=True, blank=True)  # set: one pool, split at random
    train_computers = models.ManyToManyField("studio.Computer", related_name="+", blank=True)
    heldout_computers = models.ManyToManyField("studio.Computer", related_name="+", blank=True)
    arms = models.JSONField(default=list)  # [{name, setting, value}] (experiments.arms.Arm)
    runs_per_computer = models.PositiveSmallIntegerField(default=1)
    reuse_train_runs = models.BooleanField(default=True)
    config = models.JSONField(default=dict, blank=True)  # SimulationConfig shared by every run
    seed = models.BigIntegerField(default=0)
    engine = models.CharField(max_length=500, blank=True)  # worker and judge backends, per arm
    skill_versions = models.ManyToManyField(SkillVersion, related_name="experiments", blank=True)
    tick = models.PositiveIntegerField(default=0)  # drops all but the latest scheduled check
    checked_at = models.DateTimeField(null=True, blank=True)  # when the latest was scheduled
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def offline(self) -> bool:
        """Any of its runs' workers or its judge is the offline engine: its lift is no finding."""
        from studio.llm.gateway import OFFLINE_LABEL

        return OFFLINE_LABEL in self.engine

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def arm_list(self) -> list[Arm]:
        return [Arm.model_validate(arm) for arm in self.arms]


class ExperimentRun(models.Model):
    """One planned simulation of an experiment: a train run, or one arm's run of a held-out
    computer. Its simulation is created when its turn comes (a follower waits for its plan)."""

    class Phase(models.TextChoices):
        TRAIN = "train"
        HELDOUT = "heldout"

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="runs")
    phase = models.CharField(max_length=8, choices=Phase.choices)
    arm = models.CharField(max_length=60, blank=True)  # blank for train runs
    computer = models.ForeignKey("studio.Computer", on_delete=models.PROTECT, related_name="+")
    index = models.PositiveSmallIntegerField(default=0)  # the run's number on its computer
    seed = models.BigIntegerField()
    shared_plan = models.ForeignKey(
        SharedPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    simulation = models.OneToOneField(
        "simulations.Simulation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experiment_run",
    )

    class Meta:
        ordering = ["experiment", "phase", "computer", "index", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "phase", "arm", "computer", "index"],
                name="experiment_run_unique_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.phase} {self.arm or ''} computer {self.computer_id} #{self.index}".strip()
