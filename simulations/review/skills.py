"""Learn from the runs: lessons of the retrospectives, grouped by occupation, ranked by how
often they recur, distilled into one skill document per occupation.

As in the paper, each finished run's retrospective ends with lessons for the next run. Runs
are grouped by the occupation of their computer's user: the job title's keywords decide the
group, by the table in occupations.json (data, editable), then the profile's occupation
family, then the job title itself; a lesson's weight is the number of distinct runs it came
from. The
distillation is one structured call through the LLM gateway (role "judge", prompt
studio/prompts/skills.md); the offline engine answers it deterministically from the lessons.
Each distillation is also kept as a new, immutable skill version that runs can be given
(simulations/learning/skills.py); the document here is the occupation's latest state.

Which runs count: completed runs on computers of shared pools (a skill document is lab-wide,
so private pools' runs stay out of it), with a retrospective, that nobody flagged bad.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from pydantic import BaseModel, ConfigDict, Field

from simulations.models import Simulation
from simulations.review.models import SkillDocument, TrajectoryFlag
from studio.llm import gateway
from studio.llm.prompts import load_prompt

UNSPECIFIED = "Unspecified occupation"
OCCUPATIONS_FILE = Path(__file__).with_name("occupations.json")
MAX_LESSONS_IN_PROMPT = 60


# -- the contract --------------------------------------------------------------------------------


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SkillSection(Contract):
    title: str = Field(min_length=3, max_length=120)
    guidance: list[str] = Field(
        min_length=1, max_length=8, description="imperative, concrete practices for this occupation"
    )
    lessons: list[int] = Field(
        default_factory=list, description="numbers of the lessons this section draws on"
    )


class SkillDistillation(Contract):
    title: str = Field(min_length=5, max_length=200)
    summary: str = Field(min_length=20, max_length=1500)
    sections: list[SkillSection] = Field(min_length=1, max_length=10)
    checklist: list[str] = Field(
        min_length=1, max_length=12, description="what to check before submitting a deliverable"
    )


# -- gathering lessons -------------------------------------------------------------------------


@dataclass
class Lesson:
    text: str
    simulations: list[int] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.simulations)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "runs": self.runs, "simulations": self.simulations}


@dataclass
class OccupationLessons:
    occupation: str
    lessons: list[Lesson]
    simulations: list[int]
    job_titles: list[str]
    workdays: int = 0  # simulated workdays, summed over the runs
    days: int = 0  # simulated calendar days, summed over the runs

    @property
    def runs(self) -> int:
        return len(self.simulations)

    @property
    def span(self) -> str:
        """The simulated time the lessons come from, in plain words."""
        workdays = f"{self.workdays} simulated workday{'s' if self.workdays != 1 else ''}"
        days = f"{self.days} calendar day{'s' if self.days != 1 else ''}"
        return f"{workdays} ({days})" if self.days != self.workdays else workdays


def lesson_key(text: str) -> str:
    """Two lessons are the same lesson when they differ only in case, spacing or punctuation."""
    return " ".join(re.sub(r"[^\w%$€£]+", " ", text.lower()).split())


@cache
def _occupation_table() -> list[tuple[str, list[re.Pattern], set[str]]]:
    groups = json.loads(OCCUPATIONS_FILE.read_text(encoding="utf-8"))["groups"]
    return [
        (
            group["name"],
            [re.compile(rf"\b{re.escape(k.lower())}\b") for k in group["keywords"]],
            {f.lower() for f in group.get("families", [])},
        )
        for group in groups
    ]


def occupation_of(profile: dict[str, Any], job_title: str) -> str:
    """The occupation group of a run's user: by the job title's keywords, else by the profile's
    occupation family, else the job title itself (see occupations.json)."""
    title = " ".join(job_title.lower().split())
    table = _occupation_table()
    for name, keywords, _ in table:
        if title and any(k.search(title) for k in keywords):
            return name
    family = str((profile or {}).get("occupation_family") or "").strip().lower()
    for name, _, families in table:
        if family in families:
            return name
    return " ".join(job_title.split()) or UNSPECIFIED


def contributing_runs(*, among: QuerySet[Simulation] | None = None) -> QuerySet[Simulation]:
    """The runs whose lessons count; ``among`` narrows them (a pool, an experiment's train
    runs), else every run on a shared pool."""
    bad = TrajectoryFlag.objects.filter(simulation=OuterRef("pk"), flag=TrajectoryFlag.Flag.BAD)
    base = among if among is not None else Simulation.objects.filter(computer__pool__shared=True)
    return (
        base.filter(state=Simulation.State.COMPLETED).exclude(retrospective={}).filter(~Exists(bad))
    )


def _retrospective_lessons(retrospective: dict[str, Any]) -> Iterator[str]:
    for lesson in (retrospective or {}).get("lessons") or []:
        if isinstance(lesson, str) and lesson.strip():
            yield " ".join(lesson.split())


def lessons_by_occupation(
    *, among: QuerySet[Simulation] | None = None
) -> dict[str, OccupationLessons]:
    """Every contributing run's lessons, grouped by occupation, most recurrent first."""
    groups: dict[str, dict[str, Lesson]] = defaultdict(dict)
    runs: dict[str, list[int]] = defaultdict(list)
    titles: dict[str, set[str]] = defaultdict(set)
    workdays: dict[str, int] = defaultdict(int)
    days: dict[str, int] = defaultdict(int)
    rows = (
        contributing_runs(among=among)
        .values_list(
            "pk",
            "retrospective",
            "computer__profile",
            "computer__job_title",
            "workday",
            "sim_started_at",
            "sim_now",
        )
        .order_by("pk")
    )
    for pk, retrospective, profile, job_title, workday, started, now in rows.iterator(
        chunk_size=500
    ):
        occupation = occupation_of(profile, job_title)
        runs[occupation].append(pk)
        workdays[occupation] += workday or 0
        if started and now:
            days[occupation] += (now.date() - started.date()).days + 1
        if job_title:
            titles[occupation].add(job_title)
        for text in _retrospective_lessons(retrospective):
            lesson = groups[occupation].setdefault(lesson_key(text), Lesson(text=text))
            if pk not in lesson.simulations:
                lesson.simulations.append(pk)
    out = {}
    for occupation in sorted(runs):
        ranked = sorted(
            groups[occupation].values(), key=lambda lesson: (-lesson.runs, lesson.text.lower())
        )
        out[occupation] = OccupationLessons(
            occupation=occupation,
            lessons=ranked,
            simulations=runs[occupation],
            job_titles=sorted(titles[occupation]),
            workdays=workdays[occupation],
            days=days[occupation],
        )
    return out


# -- distilling ----------------------------------------------------------------------------------


def _check(lesson_count: int):
    def check(result: SkillDistillation) -> None:
        for section in result.sections:
            wrong = [n for n in section.lessons if not 1 <= n <= lesson_count]
            if wrong:
                raise ValueError(
                    f"section {section.title!r} cites lessons {wrong}; lessons are "
                    f"numbered 1..{lesson_count}"
                )

    return check


def skill_distill(*, group: OccupationLessons) -> SkillDistillation:
    """One gateway call: the ranked lessons of one occupation -> its skill document."""
    lessons = group.lessons[:MAX_LESSONS_IN_PROMPT]
    prompt = load_prompt("skills")
    context = {
        "occupation": group.occupation,
        "job_titles": group.job_titles[:20],
        "runs": group.runs,
        "workdays": group.workdays,
        "days": group.days,
        "lessons": [
            {"number": n, "lesson": lesson.text, "runs": lesson.runs}
            for n, lesson in enumerate(lessons, start=1)
        ],
    }
    return gateway.structured(
        role="judge",
        schema=SkillDistillation,
        system=prompt.system,
        prompt=prompt.instruction,
        context=context,
        seed=sum(map(ord, group.occupation)) % 100_000,
        check=_check(len(lessons)),
    )


def skill_document_build(*, occupation: str, requested_by=None) -> SkillDocument:
    """(Re)build the skill document of ``occupation`` from the current lessons."""
    groups = lessons_by_occupation()
    document, _ = SkillDocument.objects.get_or_create(occupation=occupation)
    group = groups.get(occupation)
    if group is None or not group.lessons:
        SkillDocument.objects.filter(pk=document.pk).update(
            state=SkillDocument.State.FAILED,
            error="no contributing run of this occupation has lessons",
        )
        document.refresh_from_db()
        return document
    SkillDocument.objects.filter(pk=document.pk).update(state=SkillDocument.State.RUNNING, error="")
    try:
        result = skill_distill(group=group)
    except gateway.LLMError as exc:
        SkillDocument.objects.filter(pk=document.pk).update(
            state=SkillDocument.State.FAILED, error=str(exc)[:4000]
        )
        document.refresh_from_db()
        return document
    # Imported here: the learning app builds its versions on this module's distillation.
    from simulations.learning.skills import skill_version_create

    with transaction.atomic():
        skill_version_create(group=group, result=result, created_by=requested_by)
        document.state = SkillDocument.State.READY
        document.title = result.title[:300]
        document.document = result.model_dump()
        document.lessons = [lesson.as_dict() for lesson in group.lessons]
        document.runs = group.runs
        document.job_titles = group.job_titles
        document.backend = gateway.backend_label("judge")
        document.error = ""
        document.requested_by = requested_by
        document.save()
    return document


def skill_documents_request(
    *, requested_by=None, occupation: str | None = None
) -> list[SkillDocument]:
    """Mark the documents to (re)build as queued and enqueue their builds after commit."""
    from simulations.review.tasks import build_skill_document

    occupations = [occupation] if occupation else list(lessons_by_occupation())
    documents = []
    with transaction.atomic():
        for name in occupations:
            document, _ = SkillDocument.objects.update_or_create(
                occupation=name,
                defaults={
                    "state": SkillDocument.State.QUEUED,
                    "error": "",
                    "requested_by": requested_by,
                },
            )
            documents.append(document)
        user_id = requested_by.pk if requested_by else None
        for name in occupations:
            transaction.on_commit(lambda name=name: build_skill_document.delay(name, user_id))
    return documents


# -- export -------------------------------------------------------------------------------------


def skill_document_json(document: SkillDocument) -> dict[str, Any]:
    return {
        "occupation": document.occupation,
        "title": document.title,
        "job_titles": document.job_titles,
        "runs": document.runs,
        "backend": document.backend,
        "updated_at": document.updated_at.isoformat() if document.updated_at else None,
        "document": document.document,
        "lessons": document.lessons,
    }


def skill_document_markdown(document: SkillDocument, *, run_url=None) -> str:
    """The document as Markdown; ``run_url(simulation_id)`` links lessons to their runs."""
    body = SkillDistillation.model_validate(document.document)
    lines = [
        f"# {body.title}",
        "",
        f"*Occupation:* {document.occupation} · *runs:* {document.runs} · "
        f"*distilled by:* {document.backend}",
        "",
        body.summary,
        "",
    ]
    for section in body.sections:
        lines += [f"## {section.title}", ""]
        lines += [f"- {item}" for item in section.guidance]
        if section.lessons:
            lines.append(f"\n  Draws on lessons {', '.join(str(n) for n in section.lessons)}.")
        lines.append("")
    lines += ["## Before submitting", ""] + [f"- [ ] {item}" for item in body.checklist] + [""]
    lines += ["## Lessons, by how often they recur", ""]
    for n, lesson in enumerate(document.lessons, start=1):
        runs = lesson["simulations"]
        refs = ", ".join(f"[#{pk}]({run_url(pk)})" if run_url else f"#{pk}" for pk in runs[:20])
        more = f" and {len(runs) - 20} more" if len(runs) > 20 else ""
        lines.append(f"{n}. {lesson['text']} — {lesson['runs']} run(s): {refs}{more}")
    return "\n".join(lines) + "\n"


def skill_documents_json(documents) -> str:
    return json.dumps([skill_document_json(d) for d in documents], ensure_ascii=False, indent=2)
