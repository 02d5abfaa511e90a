from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models


class PersonaPool(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Shared pools (the default) are visible to every lab member; private ones to the owner.
    shared = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Persona(models.Model):
    pool = models.ForeignKey(PersonaPool, on_delete=models.CASCADE, related_name="personas")
    text = models.TextField()
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    org = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    digest = models.CharField(max_length=64)
    line_number = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "digest"], name="persona_unique_in_pool")
        ]

    def __str__(self) -> str:
        return self.name or self.text[:60]


class GenerationBatch(models.Model):
    pool = models.ForeignKey(PersonaPool, on_delete=models.CASCADE, related_name="batches")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    count = models.PositiveIntegerField()
    target_files = models.PositiveIntegerField()
    seed = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Batch {self.pk}: {self.count} from {self.pool_id}"


class Computer(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="computers")
    pool = models.ForeignKey(PersonaPool, on_delete=models.CASCADE, related_name="computers")
    batch = models.ForeignKey(
        GenerationBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="computers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    seed = models.BigIntegerField(default=0)
    target_files = models.PositiveIntegerField(default=100)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=64, blank=True)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    files_in_flight = models.PositiveIntegerField(default=0)  # being asked for or written now
    error = models.TextField(blank=True)
    error_detail = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    llm_backend = models.CharField(max_length=200, blank=True)
    # Denormalised from the profile for search and sorting.
    display_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    employer = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    profile = models.JSONField(default=dict, blank=True)
    policy = models.JSONField(default=dict, blank=True)
    # Several volumes (layout in studio/volumes.py); empty: one implicit volume, home/ only.
    volumes = models.JSONField(default=list, blank=True)
    # The paper's documents as imported (user_profile, collaboration_context, project_index,
    # filesystem_policy, monthly_objectives, persona), verbatim, by name without ".json".
    documents = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "-id"])]

    def __str__(self) -> str:
        return f"Computer {self.pk} ({self.display_name or 'pending'})"

    @property
    def root(self) -> Path:
        return settings.COMPUTERS_ROOT / str(self.pk)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def private_root(self) -> Path:
        return self.root / "collaborators"

    @property
    def volumes_root(self) -> Path:
        return self.root / "volumes"

    @property
    def progress(self) -> float:
        if self.state == self.State.READY:
            return 1.0
        return self.files_done / self.files_total if self.files_total else 0.0


class Folder(models.Model):
    computer = models.ForeignKey(Computer, on_delete=models.CASCADE, related_name="folders")
    path = models.CharField(max_length=1024)
    parent = models.CharField(max_length=1024, db_index=True)
    name = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField()
    file_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["computer", "path"], name="folder_unique_path")
        ]
        indexes = [models.Index(fields=["computer", "parent"])]

    def __str__(self) -> str:
        return self.path


class ComputerFile(models.Model):
    class Scope(models.TextChoices):
        HOME = "home"
        COLLABORATOR = "collaborator"
        VOLUME = "volume"  # on another volume, or outside the home: owner is the volume's name

    computer = models.ForeignKey(Computer, on_delete=models.CASCADE, related_name="files")
    key = models.CharField(max_length=64)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.HOME)
    owner = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=1024)
    folder = models.CharField(max_length=1024)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=8)
    title = models.CharField(max_length=500, blank=True)
    project = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    mtime = models.DateTimeField()
    summary = models.TextField(blank=True)
    facts = models.JSONField(default=dict, blank=True)
    planted_error = models.TextField(blank=True)
    text = models.TextField(blank=True)
    depth = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["computer", "scope", "owner", "path"], name="file_unique_path"
            ),
            models.UniqueConstraint(fields=["computer", "key"], name="file_unique_key"),
        ]
        indexes = [
            models.Index(fields=["computer", "scope", "folder"]),
            # The dashboard's count of files by kind, read from the index alone.
            models.Index(fields=["computer", "scope", "kind"], name="file_kind"),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def disk_path(self) -> Path:
        from studio.volumes import stored_at

        return self.computer.root / stored_at(scope=self.scope, owner=self.owner, path=self.path)


class FileEdge(models.Model):
    computer = models.ForeignKey(Computer, on_delete=models.CASCADE, related_name="edges")
    source = models.ForeignKey(ComputerFile, on_delete=models.CASCADE, related_name="depends_on")
    target = models.ForeignKey(ComputerFile, on_delete=models.CASCADE, related_name="dependents")
    relation = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "relation"], name="edge_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relation} {self.target_id}"


class LLMCallQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args: Any, **kwargs: Any) -> list:
        from studio.llm import bodies

        objs = list(objs)
        bodies.write(objs)
        created = super().bulk_create(objs, *args, **kwargs)
        bodies.written(objs)
        return created


class LLMCall(models.Model):
    """One model call. Its bodies go through studio.llm.bodies (``request`` and ``response``
    read and set them); the columns below hold them as that module stores them."""

    class Outcome(models.TextChoices):
        OK = "ok"
        INVALID = "invalid"  # answered, but not what was asked: re-asked
        ERROR = "error"

    role = models.CharField(max_length=32)
    model = models.CharField(max_length=200)
    backend = models.CharField(max_length=300)
    schema = models.CharField(max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)  # of prompt_tokens, from a cache
    completion_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)  # of completion_tokens
    tokens_estimated = models.BooleanField(default=False)  # the reply reported no usage
    cost_usd = models.FloatField(null=True, blank=True)  # null: the model has no price
    latency_ms = models.PositiveIntegerField(default=0)
    # Each HTTP round trip, the client's retries included: {"attempt", "status", "latency_ms"}.
    attempts = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.TextField(blank=True)
    # The request: whole (compressed) or, with request_base, the compressed bytes between the
    # prefix and suffix it shares with that call's request; request_root: the chain's snapshot.
    request_body = models.BinaryField(null=True, blank=True)
    request_base = models.BigIntegerField(null=True, blank=True)
    request_root = models.BigIntegerField(null=True, blank=True, db_index=True)
    request_prefix = models.PositiveIntegerField(default=0)
    request_suffix = models.PositiveIntegerField(default=0)
    response_body = models.BinaryField(null=True, blank=True)
    bodies_removed_at = models.DateTimeField(null=True, blank=True)  # by the retention
    computer = models.ForeignKey(
        Computer, null=True, blank=True, on_delete=models.CASCADE, related_name="llm_calls"
    )
    simulation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LLMCallQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.role} {self.model} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        from studio.llm import bodies

        adding = self._state.adding
        if adding:
            bodies.write([self])
        super().save(*args, **kwargs)
        if adding:
            bodies.written([self])

    @property
    def request(self) -> Any:
        from studio.llm import bodies

        return bodies.value_of(self, "request")

    @request.setter
    def request(self, value: Any) -> None:
        from studio.llm import bodies

        bodies.set_body(self, "request", value)

    @property
    def response(self) -> Any:
        from studio.llm import bodies

        return bodies.value_of(self, "response")

    @response.setter
    def response(self, value: Any) -> None:
        from studio.llm import bodies

        bodies.set_body(self, "response", value)
