"""The arms of an experiment: each differs from the others in one declared setting.

Written on the CLI as a comma-separated list: ``baseline`` (the shared settings as they
are), ``skills`` (the skill version of the computer's occupation that the experiment
distilled or was given), ``worker-model=NAME`` (another model for the worker role),
``worker-prompt=VARIANT`` (the worker's prompt from studio/prompts/worker.VARIANT.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from simulations.config import SimulationConfig
from studio.llm.prompts import worker_prompt_check

Setting = Literal["", "skills", "worker_model", "worker_prompt_variant"]


class ArmError(ValueError):
    pass


class Arm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=60)
    setting: Setting = ""
    value: str = Field(default="", max_length=300)

    def config(self, base: SimulationConfig) -> SimulationConfig:
        """The simulation settings of this arm (skills go on the run, not in the config)."""
        if self.setting == "worker_prompt_variant":
            return base.model_copy(update={"worker_prompt_variant": self.value})
        if self.setting != "worker_model":
            return base
        models = dict(base.models) | {"worker": {"model": self.value}}
        return SimulationConfig.model_validate(base.model_dump() | {"models": models})


def arm_parse(text: str) -> Arm:
    text = text.strip()
    if text == "baseline":
        return Arm(name="baseline")
    if text == "skills":
        return Arm(name="skills", setting="skills")
    if text.startswith("worker-model="):
        model = text.split("=", 1)[1].strip()
        if not model:
            raise ArmError("worker-model= needs a model name")
        return Arm(name=text[:60], setting="worker_model", value=model)
    if text.startswith("worker-prompt="):
        variant = text.split("=", 1)[1].strip()
        if not variant:
            raise ArmError("worker-prompt= needs a variant name (studio/prompts/worker.NAME.md)")
        try:
            SimulationConfig(worker_prompt_variant=variant)
            worker_prompt_check(variant)
        except ValueError as exc:
            raise ArmError(f"{text}: {exc}") from None
        return Arm(name=text[:60], setting="worker_prompt_variant", value=variant)
    raise ArmError(
        f"unknown arm {text!r}: use baseline, skills, worker-model=NAME or worker-prompt=VARIANT"
    )


def arms_parse(text: str) -> list[Arm]:
    """``baseline,skills`` -> arms; refuses duplicates and arms differing in two settings."""
    arms = [arm_parse(part) for part in text.split(",") if part.strip()]
    if len(arms) < 2:
        raise ArmError("an experiment compares at least two arms, e.g. baseline,skills")
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise ArmError(f"arms must differ: {', '.join(names)}")
    settings = {a.setting for a in arms if a.setting}
    if len(settings) > 1:
        raise ArmError(
            f"arms must differ in one declared setting, these differ in {sorted(settings)}"
        )
    return arms
