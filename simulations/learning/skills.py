"""Versioned skill documents: each distillation of an occupation's lessons is kept as a new,
immutable version that records the runs it came from.

The worker is given a version's ``text`` verbatim, in the stable prefix of its prompt, after
who-you-are (simulations/engine/worker_prompt.py, ``_skills_section``), under the heading
"Skills from earlier runs". Leakage guard: a version distilled from runs on a computer must
never be evaluated on that computer.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet

from simulations.learning.models import SkillVersion
from simulations.models import Simulation
from simulations.review.skills import (
    OccupationLessons,
    SkillDistillation,
    lessons_by_occupation,
    occupation_of,
    skill_distill,
)
from studio.llm import gateway
from studio.models import Computer


class SkillLeakError(ValueError):
    """A skill version would be evaluated on a computer whose runs taught it."""


def skill_text(*, result: SkillDistillation) -> str:
    """The document as the worker reads it: practices and checklist, no run references."""
    lines = [f"# {result.title}", "", result.summary, ""]
    for section in result.sections:
        lines += [f"## {section.title}", *(f"- {item}" for item in section.guidance), ""]
    lines += ["## Before submitting a deliverable", *(f"- {item}" for item in result.checklist)]
    return "\n".join(lines).strip() + "\n"


def skill_version_create(
    *, group: OccupationLessons, result: SkillDistillation, created_by=None
) -> SkillVersion:
    """A new version of ``group.occupation``: the next number, the runs it came from."""
    for _ in range(5):  # two distillations of one occupation may race for the same number
        try:
            with transaction.atomic():
                latest = SkillVersion.objects.filter(occupation=group.occupation).aggregate(
                    n=Max("version")
                )["n"]
                version = SkillVersion.objects.create(
                    occupation=group.occupation,
                    version=(latest or 0) + 1,
                    title=result.title[:300],
                    text=skill_text(result=result),
                    document=result.model_dump(),
                    lessons=[lesson.as_dict() for lesson in group.lessons],
                    distilled_by=gateway.backend_label("judge"),
                    created_by=created_by,
                )
                version.runs.set(group.simulations)
                return version
        except IntegrityError:
            continue
    raise RuntimeError(f"could not number a new skill version of {group.occupation!r}")


def skill_versions_distill(*, among: QuerySet[Simulation], created_by=None) -> list[SkillVersion]:
    """One new version per occupation found in the contributing runs of ``among``.

    Raises gateway.LLMError when a distillation call fails; versions made before stay."""
    versions = []
    for group in lessons_by_occupation(among=among).values():
        if not group.lessons:
            continue
        result = skill_distill(group=group)
        versions.append(skill_version_create(group=group, result=result, created_by=created_by))
    return versions


def skill_version_for_computer(
    *, versions: list[SkillVersion], computer: Computer
) -> SkillVersion | None:
    """The version of the computer's occupation among ``versions`` (the newest), if any."""
    occupation = occupation_of(computer.profile, computer.job_title)
    mine = [v for v in versions if v.occupation == occupation]
    return max(mine, key=lambda v: v.version) if mine else None


def skill_version_computers(*, version: SkillVersion) -> QuerySet[Computer]:
    return Computer.objects.filter(simulations__skill_sources=version).distinct()


def skill_version_check_heldout(*, version: SkillVersion, computers) -> None:
    """Refuse to evaluate ``version`` on a computer whose runs it was distilled from."""
    ids = [c.pk for c in computers]
    leaked = list(skill_version_computers(version=version).filter(pk__in=ids).order_by("pk"))
    if leaked:
        names = ", ".join(f"#{c.pk} {c.display_name or c.job_title}".strip() for c in leaked)
        raise SkillLeakError(
            f"skill version {version} was distilled from runs on computer(s) {names}; "
            "it cannot be evaluated on them"
        )


def skill_version_list(*, occupation: str | None = None) -> QuerySet[SkillVersion]:
    versions = SkillVersion.objects.all()
    return versions.filter(occupation=occupation) if occupation else versions
