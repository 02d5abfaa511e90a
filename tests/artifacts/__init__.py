"""Tests of artifact writers and readers, plus the realistic content they share."""

from __future__ import annotations

import datetime as dt

from studio.generation.schemas import (
    CalendarContent,
    CalendarEvent,
    CsvContent,
    DocBlock,
    DocumentContent,
    EmailContent,
    EmailEnvelope,
    Person,
    PresentationContent,
    Sheet,
    Slide,
    Table,
    TextContent,
    WorkbookContent,
)

UNICODE = "Zoë Ørsted – ≥ 5 %"
CJK = "東京の予算"
MTIME = dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)


def document(title: str = "Q3 Budget Review") -> DocumentContent:
    return DocumentContent(
        summary="Quarterly budget review",
        title=title,
        blocks=[
            DocBlock(type="heading", text="Overview", level=1),
            DocBlock(type="paragraph", text="The **Q3 budget** closed at $1.24M, 3% under plan."),
            DocBlock(type="bullets", items=["Travel down 12%", "Licences flat"]),
            DocBlock(type="numbered", items=["Freeze hiring", "Renegotiate cloud contract"]),
            DocBlock(type="heading", text="Next steps", level=2),
            DocBlock(type="numbered", items=["Draft Q4 plan", "Review with finance"]),
            DocBlock(
                type="table",
                text="Table 1: spend by team",
                table=Table(
                    columns=["Team", "Budget", "Actual"],
                    rows=[["Platform", 420000, 401250.5], ["Data", 310000, None]],
                ),
            ),
        ],
    )


def workbook() -> WorkbookContent:
    return WorkbookContent(
        summary="Q3 spend",
        sheets=[
            Sheet(
                name="Spend",
                columns=["Item", "Units", "Price", "Total"],
                rows=[
                    ["Laptops", 4, 1250.0, "=B2*C2"],
                    ["Monitors", 6, 310.5, "=B3*C3"],
                    ["Docks", 5, 99.99, "=B4*C4"],
                    ["Sum", "=SUM(B2:B4)", "=ROUND(AVERAGE(C2:C4),1)", "=SUM(D2:D4)"],
                ],
                number_formats={"Price": "#,##0.00", "Total": '"$"#,##0.00'},
            ),
            Sheet(
                name="Q3 Summary",
                columns=["Metric", "Value"],
                rows=[["Total spend", "=Spend!D5"], ["Approved", True], ["Owner", UNICODE]],
            ),
            Sheet(
                name="Checks",
                columns=["Check", "Result"],
                rows=[
                    ["From summary", "='Q3 Summary'!B2"],
                    ["Big order", '=IF(Spend!B3>5,"yes","no")'],
                ],
            ),
        ],
    )


def presentation() -> PresentationContent:
    return PresentationContent(
        summary="Kickoff deck",
        title="Project Atlas kickoff",
        subtitle="March 2024",
        slides=[
            Slide(title="Agenda", bullets=["Goals", "Timeline", "Risks"], notes="Keep it short."),
            Slide(title="Budget", bullets=["$1.2M approved", UNICODE], notes=f"Mention {UNICODE}"),
            Slide(title="Questions"),
        ],
    )


def text(body: str = "# Notes\n\n- first point\n- second point\n") -> TextContent:
    return TextContent(summary="notes", text=body)


def csv_content() -> CsvContent:
    return CsvContent(
        summary="vendors",
        columns=["vendor", "amount", "paid"],
        rows=[["Acme, Inc.", 1200.5, True], [UNICODE, None, False], ['Quote "Q"', 7, None]],
    )


def email() -> EmailContent:
    return EmailContent(
        summary="reply",
        subject=f"Re: Budget {UNICODE}",
        body=f"Hi Bob,\n\nThe numbers are attached.\n\n{UNICODE}\n",
    )


def envelope() -> EmailEnvelope:
    return EmailEnvelope(
        message_id="q3-reply-2@corp.example",
        sender=Person(name="Zoë Ørsted", email="zoe@corp.example"),
        to=[Person(name="Bob Stone", email="bob@corp.example")],
        cc=[Person(name="Eve, Finance", email="eve@corp.example")],
        date=dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC),
        in_reply_to="q3-1@corp.example",
        references=["q3-0@corp.example", "q3-1@corp.example"],
    )


def calendar() -> CalendarContent:
    return CalendarContent(
        summary="March meetings",
        events=[
            CalendarEvent(
                title="Budget sync",
                start=dt.datetime(2024, 3, 5, 10, 0),
                end=dt.datetime(2024, 3, 5, 11, 0),
                location="Room 4.12",
                attendees=["bob@corp.example", "Zoë Ørsted"],
                description="Walk through Q3 numbers.",
            ),
            CalendarEvent(
                title="Kickoff",
                start=dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC),
                end=dt.datetime(2024, 3, 4, 10, 0, tzinfo=dt.UTC),
            ),
        ],
    )
