"""What a simulation may be configured with, and the process-wide knobs of the engine.

``SimulationConfig`` is the typed accessor for ``Simulation.config``: views, the CLI and
the engine read settings through it, never through the raw dict. The knobs below (lease,
slice size, sweeper) are per process: settings.py reads them from the environment with the
studio's typed helpers, so a bad value fails at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

AgentRole = Literal["objectives", "worker", "collaborator", "judge"]
AGENT_ROLES: tuple[str, ...] = ("objectives", "worker", "collaborator", "judge")


class RoleModel(BaseModel):
    """A per-simulation override of the studio's model for one role ('' = studio default).

    API keys are never stored on a simulation: they come from the environment."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="", max_length=300)
    base_url: str = Field(default="", max_length=500)

    @field_validator("model")
    @classmethod
    def _offline_options_in_range(cls, value: str) -> str:
        """The offline engine's options (latency, hangs, faults) are checked at launch, not
        found wrong, or absurd, turns into a run."""
        from studio.llm.offline.engine import EngineSpec, EngineSpecError

        try:
            EngineSpec.parse(value)
        except EngineSpecError as exc:
            raise ValueError(str(exc)) from None
        return value

    def overrides(self) -> dict[str, str]:
        return {k: v for k, v in (("model", self.model), ("base_url", self.base_url)) if v}


class SimulationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: dict[AgentRole, RoleModel] = Field(default_factory=dict)
    max_turns: int = Field(default=3000, ge=1, le=200_000)
    max_tokens: int | None = Field(default=None, ge=1)
    max_cost_usd: float | None = Field(default=None, gt=0)
    seed: int = Field(default=0, ge=0, le=2**62)
    workdays: int = Field(default=20, ge=1, le=60)
    # Start from the computer's own monthly_objectives (engine/computer_objectives.py) instead
    # of asking the objective agent.
    computer_objectives: bool = False
    # The worker's verbatim history (JSON characters of its messages): once it passes
    # history_max_chars, one condensation folds its oldest turns until history_keep_chars are
    # left. Rare, large steps keep the prompt's prefix (and providers' caches) intact between.
    history_max_chars: int = Field(default=70_000, ge=10_000, le=2_000_000)
    history_keep_chars: int = Field(default=30_000, ge=5_000, le=1_000_000)
    queue: str = Field(default="simulations", min_length=1, max_length=100)
    # '' = studio/prompts/worker.md; NAME = studio/prompts/worker.NAME.md (an experiment's
    # prompt-variant arm). The file's existence is checked at launch (prompts.worker_prompt_check).
    worker_prompt_variant: str = Field(default="", max_length=60, pattern=r"^[A-Za-z0-9_-]*$")

    @field_validator("queue")
    @classmethod
    def _plain_queue_name(cls, value: str) -> str:
        if not all(c.isalnum() or c in "-_." for c in value):
            raise ValueError("queue names use letters, digits, '-', '_' and '.' only")
        return value

    @model_validator(mode="after")
    def _keep_less_than_max(self) -> SimulationConfig:
        if self.history_keep_chars >= self.history_max_chars:
            raise ValueError("history_keep_chars must be less than history_max_chars")
        return self

    def overrides(self, role: str) -> dict[str, str]:
        entry = self.models.get(role)  # type: ignore[call-overload]
        return entry.overrides() if entry else {}


def simulations_root() -> Path:
    """Where simulation workspaces live: beside the computers unless SIMULATIONS_ROOT says."""
    return Path(settings.SIMULATIONS_ROOT)


# Process-wide engine knobs, read once by settings.py (see README: Configuration).
def lease_seconds() -> float:
    return settings.SIM_LEASE_SECONDS


def slice_turns() -> int:
    return settings.SIM_SLICE_TURNS


def slice_seconds() -> float:
    return settings.SIM_SLICE_SECONDS


def max_attempts() -> int:
    """Slices in a row that may crash (or die) on the same turn before the run fails."""
    return settings.SIM_MAX_ATTEMPTS


def max_model_errors() -> int:
    """Model calls in a row that may fail (after the client's retries) before the run fails."""
    return settings.SIM_MAX_MODEL_ERRORS


def error_backoff_seconds() -> float:
    return settings.SIM_ERROR_BACKOFF_SECONDS


def drain_grace_seconds() -> float:
    """How long a worker shutting down waits for a turn's model call before dropping it."""
    return settings.SIM_DRAIN_GRACE_SECONDS


def sweep_seconds() -> float:
    """How often a worker looks for stalled simulations to re-enqueue (0 = never)."""
    return settings.SIM_SWEEP_SECONDS


def requeue_after_seconds() -> float:
    """A queued simulation nobody picked up for this long gets a fresh task message."""
    return settings.SIM_REQUEUE_AFTER_SECONDS
