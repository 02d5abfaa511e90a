"""Typed shapes of everything the generation pipeline asks a model for.

Each class is a structured-output contract: the gateway sends its JSON schema as the
response format, validates the reply with it, and re-asks with the validation error
when the reply does not fit. The offline engine answers the same contracts.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FileKind = Literal["docx", "xlsx", "pptx", "pdf", "md", "txt", "csv", "eml", "ics"]
FILE_KINDS: tuple[str, ...] = ("docx", "xlsx", "pptx", "pdf", "md", "txt", "csv", "eml", "ics")
Relation = Literal["references", "derived_from", "version_of", "replies_to"]
CellValue = str | int | float | bool | None
ChartType = Literal["column", "bar", "line", "pie"]


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- stage 1: persona -> profile ---------------------------------------------------------


class Collaborator(Contract):
    name: str = Field(min_length=2)
    role: str
    email: str
    communication_style: str
    decision_authority: str
    relationship: str = ""


class Project(Contract):
    name: str
    code: str = Field(description="short code used in file names, e.g. 'Q3-BUDGET'")
    description: str
    status: str = "active"
    key_figures: dict[str, str] = Field(default_factory=dict)


class Profile(Contract):
    full_name: str
    first_name: str
    last_name: str
    email: str
    job_title: str
    department: str
    employer: str
    industry: str
    occupation_family: str = Field(
        description="broad family, e.g. healthcare, finance, engineering"
    )
    location: str
    responsibilities: list[str] = Field(min_length=2)
    projects: list[Project] = Field(min_length=1)
    collaborators: list[Collaborator] = Field(min_length=5, max_length=8)
    tool_habits: list[str] = Field(default_factory=list)
    naming_convention: str = Field(description="how this person names files")
    tidiness: float = Field(ge=0.0, le=1.0, description="1 = meticulous, 0 = chaotic")
    writing_style: str = ""

    @field_validator("collaborators")
    @classmethod
    def _distinct_collaborators(cls, value: list[Collaborator]) -> list[Collaborator]:
        names = [c.name for c in value]
        if len(set(names)) != len(names):
            raise ValueError("collaborator names must be distinct")
        return value


# -- stage 2: filesystem policy -----------------------------------------------------------


class FilesystemPolicy(Contract):
    os_flavour: Literal["windows", "macos"]
    home_display: str = Field(description="how the home folder is shown, e.g. C:\\Users\\jdoe")
    default_locations: dict[str, str] = Field(
        description="role of a folder -> relative path, e.g. documents -> Documents"
    )
    timeline_start: dt.date
    timeline_end: dt.date
    top_folders: list[str] = Field(min_length=2)

    @field_validator("timeline_end")
    @classmethod
    def _end_after_start(cls, value: dt.date, info) -> dt.date:
        start = info.data.get("timeline_start")
        if start and value <= start:
            raise ValueError("timeline_end must be after timeline_start")
        return value


# -- stage 3: file plan --------------------------------------------------------------------


class FolderPlan(Contract):
    path: str
    purpose: str
    file_count: int = Field(ge=1)


class FolderOutline(Contract):
    folders: list[FolderPlan] = Field(min_length=1)


class Dependency(Contract):
    key: str
    relation: Relation


class PlannedFile(Contract):
    key: str = Field(description="unique key of this file within the computer")
    path: str = Field(description="path relative to the home folder, with extension")
    kind: FileKind
    title: str
    date: dt.datetime
    project: str = ""
    purpose: str = Field(description="one line: what this file is for")
    depends_on: list[Dependency] = Field(default_factory=list)
    owner: str = Field(default="user", description="'user' or the name of a collaborator")
    planted_error: str = ""


class FilePlan(Contract):
    files: list[PlannedFile] = Field(min_length=1)


# -- stage 4: artifact content -------------------------------------------------------------


class Table(Contract):
    columns: list[str] = Field(min_length=1)
    rows: list[list[CellValue]] = Field(default_factory=list)


class DocBlock(Contract):
    type: Literal["heading", "paragraph", "bullets", "numbered", "table"]
    text: str = ""
    level: int = Field(default=1, ge=1, le=4)
    items: list[str] = Field(default_factory=list)
    table: Table | None = None


class ArtifactBase(Contract):
    summary: str = Field(description="one line describing the content")
    facts: dict[str, str] = Field(
        default_factory=dict, description="key figures and facts that dependent files must reuse"
    )


class DocumentContent(ArtifactBase):
    """docx and pdf."""

    title: str
    blocks: list[DocBlock] = Field(min_length=1)
    header: str = Field(default="", description="running text at the top of every page")
    footer: str = Field(
        default="", description="running text at the bottom of every page, beside the page number"
    )


class SheetChart(Contract):
    """A chart of a sheet's own columns, placed to the right of its data."""

    type: ChartType = "column"
    title: str = ""
    categories: str = Field(description="header of the column that labels the points")
    values: list[str] = Field(min_length=1, description="headers of the columns plotted")
    rows: int | None = Field(
        default=None, ge=1, description="data rows plotted from the first (default: all)"
    )


class ConditionalFormat(Contract):
    column: str = Field(description="header of the column the format applies to")
    rule: Literal["above", "below", "color_scale", "data_bar"]
    value: float | None = Field(
        default=None, description="threshold for 'above' and 'below' (cells over/under it)"
    )
    color: str = Field(default="FFC7CE", pattern=r"^#?[0-9A-Fa-f]{6}$", description="RGB fill")


class Sheet(Contract):
    name: str = Field(min_length=1, max_length=31)
    columns: list[str] = Field(min_length=1)
    rows: list[list[CellValue]] = Field(
        default_factory=list, description="cells; a string starting with '=' is a formula"
    )
    number_formats: dict[str, str] = Field(
        default_factory=dict, description="column header -> Excel number format"
    )
    charts: list[SheetChart] = Field(
        default_factory=list, description="charts drawn from this sheet's columns"
    )
    conditional_formats: list[ConditionalFormat] = Field(
        default_factory=list, description="highlights applied to a column's data cells"
    )


class WorkbookContent(ArtifactBase):
    sheets: list[Sheet] = Field(min_length=1)


class ChartSeries(Contract):
    name: str
    values: list[float | None] = Field(min_length=1)


class Chart(Contract):
    type: ChartType = "column"
    title: str = ""
    categories: list[str] = Field(min_length=1)
    series: list[ChartSeries] = Field(min_length=1)


class Slide(Contract):
    title: str
    bullets: list[str] = Field(default_factory=list)
    notes: str = ""
    table: Table | None = Field(default=None, description="a table shown on the slide")
    chart: Chart | None = Field(default=None, description="a chart shown on the slide")


class PresentationContent(ArtifactBase):
    title: str
    subtitle: str = ""
    slides: list[Slide] = Field(min_length=1)


class TextContent(ArtifactBase):
    """md and txt."""

    text: str = Field(min_length=1)


class CsvContent(ArtifactBase):
    columns: list[str] = Field(min_length=1)
    rows: list[list[CellValue]] = Field(default_factory=list)


class EmailContent(ArtifactBase):
    subject: str
    body: str = Field(min_length=1)


class CalendarEvent(Contract):
    title: str
    start: dt.datetime
    end: dt.datetime
    location: str = ""
    attendees: list[str] = Field(default_factory=list)
    description: str = ""


class CalendarContent(ArtifactBase):
    events: list[CalendarEvent] = Field(min_length=1)


CONTENT_BY_KIND: dict[str, type[ArtifactBase]] = {
    "docx": DocumentContent,
    "pdf": DocumentContent,
    "xlsx": WorkbookContent,
    "pptx": PresentationContent,
    "md": TextContent,
    "txt": TextContent,
    "csv": CsvContent,
    "eml": EmailContent,
    "ics": CalendarContent,
}


# -- envelope the pipeline adds around content (not asked of the model) --------------------


class Person(Contract):
    name: str
    email: str


class EmailEnvelope(Contract):
    """Headers the pipeline decides from the plan; the model writes subject and body."""

    message_id: str
    sender: Person
    to: list[Person] = Field(min_length=1)
    cc: list[Person] = Field(default_factory=list)
    date: dt.datetime
    in_reply_to: str = ""
    references: list[str] = Field(default_factory=list)
