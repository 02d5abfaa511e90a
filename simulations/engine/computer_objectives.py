"""A computer's own month (the paper's ``monthly_objectives.json``) as the objective agent's plan.

With ``SimulationConfig.computer_objectives`` a run starts from the objectives the computer came
with instead of asking the objective agent. The paper's document is read tolerantly (keys vary
between computers; a missing key takes the default named here):

``simulation_period`` {start, end}
    ``start`` (or ``start_date``) is the first working day of the run (``month_start``); without
    it the run starts as any other does.
``deliverables`` [ {title, description, format, due, acceptance_criteria, ...} ]
    Sorted by due date, the deliverables are dealt into at most five objectives of at most three
    deliverables each (one objective per deliverable while there are five or fewer); more than
    fifteen is refused at launch. Per deliverable:

    - title: ``title`` | ``name`` | ``deliverable``;
    - kind: ``format`` | ``file_type`` | ``type`` | ``kind``, the extension of ``path`` or a
      word of the title ("deck", "spreadsheet"), as one of the kinds the worker can write (a
      pdf or an unknown format is written as docx);
    - path: ``path`` | ``output_path`` | ``target_path`` when it lies in the user's home (its
      extension made the kind's), else ``Documents/<title>.<kind>``;
    - due: ``due`` | ``due_date`` | ``deadline`` as a working day of the run (clamped to the
      run's length); without one, the objectives are spread evenly over the month;
    - reviewer: ``reviewer`` | ``stakeholder`` | ``owner`` | ``audience`` when it names a
      collaborator, else the computer's first collaborator;
    - inputs: ``inputs`` | ``source_files`` | ``related_files`` found in the home, else the
      newest home files of the deliverable's ``project_ids``.

    An objective's title and description come from its deliverables' titles and descriptions.
``rubric`` (of a deliverable: ``rubric`` | ``rubric_items`` | ``evaluation_criteria``)
    Items as given (strings or {text, points, tag}); without any, one "spec" item per
    acceptance criterion (``acceptance_criteria`` | ``success_criteria`` | ``requirements``),
    else per sentence of the description, else one that it covers what its title promises;
    then two checks of every deliverable's own (saved where asked as a finished file, reviewed
    and corrected before submission). At most twelve per objective.
``recurring_activities`` and ``weekly_focus``
    Told in every objective's description; a ``weekly_focus`` week that ends before an
    objective's due day is one of its milestones (week n ends on working day 5n).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ValidationError

from simulations.engine import clock, contracts
from studio.paths import PathEscapeError, sanitize_relative
from studio.volumes import is_logical, locate, volumes_of

MAX_OBJECTIVES, PER_OBJECTIVE, MAX_RUBRIC = 5, 3, 12
_KINDS = {
    "docx": "docx", "doc": "docx", "word": "docx", "document": "docx", "report": "docx",
    "pdf": "docx", "memo": "docx", "xlsx": "xlsx", "xls": "xlsx", "excel": "xlsx",
    "spreadsheet": "xlsx", "workbook": "xlsx", "pptx": "pptx", "ppt": "pptx",
    "powerpoint": "pptx", "slides": "pptx", "deck": "pptx", "presentation": "pptx",
    "md": "md", "markdown": "md", "txt": "txt", "text": "txt", "csv": "csv",
}  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.;!?])\s+|\n+")


class ComputerObjectivesError(ValueError):
    """The computer's own objectives cannot be used; the message says why."""


def _first(mapping: Any, *keys: str, default: Any = None) -> Any:
    if not isinstance(mapping, dict):
        return default
    for key in keys:
        if mapping.get(key) not in (None, "", [], {}):
            return mapping[key]
    return default


def _list(value: Any) -> list:
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = _first(value, "text", "description", "title", "name", "activity", default="")
    return " ".join(str(value or "").split())


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def monthly_objectives_of(computer) -> dict[str, Any]:
    document = (computer.documents or {}).get("monthly_objectives")
    if not isinstance(document, dict) or not _list(document.get("deliverables")):
        raise ComputerObjectivesError(
            f"computer {computer.pk} has no monthly objectives with deliverables "
            "(only computers imported from the paper's dataset carry them)"
        )
    return document


def month_start(computer) -> dt.datetime | None:
    """09:00 on the first working day of the computer's own simulation period, if it has one."""
    document = (computer.documents or {}).get("monthly_objectives")
    period = document.get("simulation_period") if isinstance(document, dict) else None
    start = _date(_first(period, "start", "start_date", "from"))
    if start is None:
        return None
    first_day = clock.nth_workday(dt.datetime.combine(start, clock.DAY_START, tzinfo=dt.UTC), 1)
    return dt.datetime.combine(first_day, clock.DAY_START, tzinfo=dt.UTC)


def computer_objectives_plan(
    *, computer, start: dt.datetime, workdays: int
) -> contracts.ComputerObjectivePlan:
    document = monthly_objectives_of(computer)
    people = [
        c["name"] for c in (computer.profile or {}).get("collaborators") or [] if c.get("name")
    ]
    if not people:
        raise ComputerObjectivesError(
            f"computer {computer.pk} has no collaborators to review its own objectives"
        )
    items = [d if isinstance(d, dict) else {"title": _text(d)} for d in document["deliverables"]]
    if len(items) > MAX_OBJECTIVES * PER_OBJECTIVE:
        raise ComputerObjectivesError(
            f"computer {computer.pk} lists {len(items)} deliverables; a month's plan holds at "
            f"most {MAX_OBJECTIVES * PER_OBJECTIVE}"
        )
    items.sort(key=lambda d: _date(_first(d, "due", "due_date", "deadline")) or dt.date.max)
    size = max(1, -(-len(items) // MAX_OBJECTIVES))
    groups = [items[i : i + size] for i in range(0, len(items), size)]
    context = _Context(computer, document, start, workdays, people)
    objectives = [context.objective(n, group, len(groups)) for n, group in enumerate(groups)]
    try:
        return contracts.ComputerObjectivePlan.model_validate({"objectives": objectives})
    except ValidationError as exc:
        bad = exc.errors()[0]
        raise ComputerObjectivesError(
            f"computer {computer.pk}'s monthly objectives: "
            f"{'.'.join(map(str, bad['loc']))}: {bad['msg']}"
        ) from None


class _Context:
    def __init__(self, computer, document, start, workdays, people):
        from studio.models import ComputerFile

        self.computer, self.start, self.workdays, self.people = computer, start, workdays, people
        self.volumes = volumes_of(computer)
        self.recurring = [_text(a) for a in _list(document.get("recurring_activities"))]
        focus = document.get("weekly_focus")
        self.weeks = list(focus.values()) if isinstance(focus, dict) else _list(focus)
        self.home = list(
            ComputerFile.objects.filter(computer=computer, scope=ComputerFile.Scope.HOME)
            .order_by("-mtime")
            .values_list("path", "project")
        )
        self.home_paths = {p for p, _ in self.home}
        self.taken: set[str] = set()

    def objective(self, n: int, group: list[dict], count: int) -> dict[str, Any]:
        dues = [self._workday(_first(d, "due", "due_date", "deadline")) for d in group]
        spread = max(1, round(self.workdays * (n + 1) / count))
        target = max([w for w in dues if w] or [spread])
        deliverables = [self._deliverable(d) for d in group]
        reviewer = next(
            (r for d in group if (r := self._person(d)) is not None),
            self.people[n % len(self.people)],
        )
        rubric = [item for i, d in enumerate(group) for item in self._rubric(d, i)]
        for i, d in enumerate(deliverables):
            rubric.append(_item("quality", f"{d['title']} is saved as {d['path']} and reads as "
                                f"a finished {d['kind']}, not a draft", i))  # fmt: skip
            rubric.append(_item("interaction", f"{reviewer} reviewed {d['title']} and their "
                                "comments were addressed before it was submitted", i))  # fmt: skip
        described = " ".join(_text(_first(d, "description", "summary", "details")) for d in group)
        titles = " and ".join(d["title"] for d in deliverables)
        description = f"Deliver {titles}. {described}".strip()
        if self.recurring:
            description += " Alongside, as every month: " + "; ".join(self.recurring) + "."
        milestones = [
            {"title": f"Week {w}: {_text(f)}"[:200], "workday": 5 * w}
            for w, f in enumerate(self.weeks, start=1)
            if 5 * w < target and len(_text(f)) >= 1
        ][:7] + [{"title": f"Submit {titles}"[:200], "workday": target}]
        return {
            "title": (titles if len(titles) >= 5 else f"Deliver {titles}")[:300],
            "description": description.ljust(40, "."),
            "target_workday": target,
            "milestones": milestones,
            "inputs": sorted({p for d in group for p in self._inputs(d)})[:8],
            "reviewer": reviewer,
            "references": [],
            "deliverables": deliverables,
            "rubric": rubric[:MAX_RUBRIC],
        }

    def _workday(self, value: Any) -> int | None:
        due = _date(value)
        if due is None:
            return None
        moment = dt.datetime.combine(due, clock.DAY_START, tzinfo=dt.UTC)
        if due < self.start.date():  # a date before the run: spread like an undated one
            return None
        return min(self.workdays, clock.workday_index(self.start, moment))

    def _person(self, d: dict) -> str | None:
        for value in _list(
            _first(d, "reviewer", "stakeholder", "stakeholders", "owner", "audience")
        ):
            name = _text(value).lower()
            found = next((p for p in self.people if p.lower() in name or name == p.lower()), None)
            if found:
                return found
        return None

    def _home_relative(self, value: Any) -> str | None:
        raw = _text(value)
        if not raw:
            return None
        try:
            volume, rel = locate(self.volumes, raw) if is_logical(raw) else (None, raw)
            return sanitize_relative(rel) if volume is None else None
        except PathEscapeError:
            return None

    def _deliverable(self, d: dict) -> dict[str, str]:
        title = _text(_first(d, "title", "name", "deliverable", default="Deliverable"))[:300]
        given = _first(d, "path", "output_path", "target_path", "file")
        suffix = _text(given).rpartition(".")[2].lower() if "." in _text(given) else ""
        fmt = _text(_first(d, "format", "file_type", "type", "kind", default=suffix)).lower()
        named = (_KINDS.get(w) for w in re.findall(r"[a-z]+", title.lower()))
        kind = (
            _KINDS.get(fmt.lstrip("."))
            or _KINDS.get(suffix)
            or next((k for k in named if k), "docx")
        )
        path = self._home_relative(given)
        if path:  # a pdf asked for in the home is written beside it as a docx
            path = f"{path.rpartition('.')[0] or path}.{kind}"
        if not path or path.lower() in self.taken:
            stem = sanitize_relative(re.sub(r"[\\/:]+", " ", title).strip() or "Deliverable")
            path, n = f"Documents/{stem}.{kind}", 1
            while path.lower() in self.taken:
                n += 1
                path = f"Documents/{stem} ({n}).{kind}"
        self.taken.add(path.lower())
        return {"title": title if len(title) >= 3 else f"{title} file", "kind": kind, "path": path}

    def _inputs(self, d: dict) -> list[str]:
        named = [
            self._home_relative(v)
            for v in _list(_first(d, "inputs", "source_files", "related_files"))
        ]
        found = [p for p in named if p in self.home_paths]
        if found:
            return found
        projects = {_text(p) for p in _list(_first(d, "project_ids", "project_id", "projects"))}
        return [p for p, project in self.home if project and project in projects][:4]

    def _rubric(self, d: dict, index: int) -> list[dict[str, Any]]:
        given = _list(_first(d, "rubric", "rubric_items", "evaluation_criteria"))
        if given:
            out = []
            for item in given:
                points = (
                    _first(item, "points", "weight", default=2) if isinstance(item, dict) else 2
                )
                tag = _first(item, "tag", default="spec") if isinstance(item, dict) else "spec"
                out.append(_item(tag if tag in _TAGS else "spec", _text(item), index, points))
            return [i for i in out if len(i["text"]) >= 10]
        criteria = _list(_first(d, "acceptance_criteria", "success_criteria", "requirements"))
        if not criteria:
            criteria = _SENTENCE.split(
                _text(_first(d, "description", "summary", "details", default=""))
            )
        items = [_item("spec", _text(c), index) for c in criteria if len(_text(c)) >= 10]
        title = _text(_first(d, "title", "name", "deliverable", default="The deliverable"))
        return items or [_item("spec", f"{title} covers everything its title promises", index)]


_TAGS = {"spec", "interaction", "expertise", "reference", "quality"}


def _item(tag: str, text: str, deliverable: int, points: Any = 2) -> dict[str, Any]:
    try:
        value = min(10.0, max(0.5, float(points)))
    except (TypeError, ValueError):
        value = 2.0
    return {"tag": tag, "points": value, "text": text[:1000], "deliverable": deliverable}
