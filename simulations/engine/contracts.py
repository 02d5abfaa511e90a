"""Structured-output contracts of the simulation agents (objective agent, collaborators,
judge, retrospective, condensation). The gateway sends each as the response format and
re-asks with the validation errors; the offline engine answers the same contracts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

WRITABLE_KINDS: tuple[str, ...] = ("docx", "xlsx", "pptx", "md", "txt", "csv")
RubricTag = Literal["spec", "interaction", "expertise", "reference", "quality"]


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- the objective agent ---------------------------------------------------------------------


class PlannedMilestone(Contract):
    title: str = Field(min_length=3)
    workday: int = Field(ge=1, description="working day of the simulated month, 1-based")


class PlannedDeliverable(Contract):
    title: str = Field(min_length=3)
    kind: Literal["docx", "xlsx", "pptx", "md", "txt", "csv"]
    path: str = Field(description="home-relative path where the finished file must be saved")


class PlannedReference(Contract):
    owner: str = Field(description="the collaborator who holds the file")
    path: str = Field(description="path of the file among that collaborator's private files")
    description: str = Field(description="how the user would ask for it, without the file name")


class PlannedRubricItem(Contract):
    tag: RubricTag
    points: float = Field(gt=0, le=10)
    text: str = Field(min_length=10)
    deliverable: int | None = Field(
        default=None, description="index into this objective's deliverables, or null for all"
    )


class PlannedObjective(Contract):
    title: str = Field(min_length=5)
    description: str = Field(min_length=40)
    target_workday: int = Field(ge=1)
    milestones: list[PlannedMilestone] = Field(min_length=1, max_length=8)
    inputs: list[str] = Field(
        default_factory=list, max_length=8, description="existing home files the work starts from"
    )
    reviewer: str = Field(description="the collaborator who reviews the deliverables")
    references: list[PlannedReference] = Field(default_factory=list, max_length=4)
    deliverables: list[PlannedDeliverable] = Field(min_length=1, max_length=3)
    rubric: list[PlannedRubricItem] = Field(min_length=3, max_length=12)


class ObjectivePlan(Contract):
    objectives: list[PlannedObjective] = Field(min_length=3, max_length=5)


class ComputerObjectivePlan(ObjectivePlan):
    """A computer's own month (engine/computer_objectives.py): as many objectives as it lists."""

    objectives: list[PlannedObjective] = Field(min_length=1, max_length=5)


# -- collaborators ---------------------------------------------------------------------------


class Correction(Contract):
    instruction: str = Field(min_length=5)
    find: str = ""
    replace: str = ""
    must_include: str = ""


class CollaboratorReply(Contract):
    body: str = Field(min_length=1)
    reply_after_minutes: int = Field(ge=5, le=4320)
    share_files: list[str] = Field(default_factory=list, max_length=4)
    corrections: list[Correction] = Field(default_factory=list, max_length=5)


# -- judge and retrospective -----------------------------------------------------------------


class ItemScore(Contract):
    item: int = Field(ge=1, description="the rubric item's number")
    awarded: float = Field(ge=0)
    reason: str = Field(min_length=3)


class RubricScores(Contract):
    scores: list[ItemScore] = Field(min_length=1)
    summary: str = ""


class Retrospective(Contract):
    summary: str = Field(min_length=10)
    strengths: list[str] = Field(min_length=1, max_length=10)
    failures: list[str] = Field(default_factory=list, max_length=10)
    root_causes: list[str] = Field(default_factory=list, max_length=10)
    lessons: list[str] = Field(min_length=1, max_length=10)


# -- condensation ----------------------------------------------------------------------------


class Condensation(Contract):
    summary: str = Field(min_length=1, max_length=4000)
