"""The Workbook and Csv responders: a family's table written as a workbook with real formulas
(data, summary, facts and monthly sheets) or as a CSV export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from studio.llm.offline.domains import ColSpec
from studio.llm.offline.gen_context import ArtifactCtx, artifact_ctx
from studio.llm.offline.gen_figures import fmt_money, fmt_num
from studio.llm.offline.gen_names import category_of
from studio.llm.offline.gen_tables import (
    NUMERIC,
    BuiltTable,
    apply_op,
    budget_spec,
    build_table,
    money_anchor,
    pick_spec,
)
from studio.llm.offline.locales import money_number_format
from studio.llm.offline.registry import OfflineRequest, structured

# -- WorkbookContent ---------------------------------------------------------------------------

_XLSX_FORMAT = {"pct": "0.0%", "date": "yyyy-mm-dd", "int": "#,##0"}


def _col_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _sheet_ref(sheet: str, cell: str) -> str:
    return f"'{sheet}'!{cell}"


def _data_sheet(table: BuiltTable, sheet: str) -> tuple[dict, int | None]:
    """The table as a sheet with formulas; returns the sheet and its totals row (1-based)."""
    n = len(table.rows)
    first, last = 2, n + 1
    letters = [_col_letter(i) for i in range(len(table.cols))]
    pos = {c.header: letters[i] for i, c in enumerate(table.cols)}
    rows: list[list[Any]] = []
    for r, raw in enumerate(table.rows, start=first):
        row: list[Any] = []
        for col, value in zip(table.cols, raw, strict=True):
            if col.kind == "calc":
                row.append(f"={pos[col.left]}{r}{col.op}{pos[col.right]}{r}")
            elif col.kind == "pct":
                row.append(round(value / 100, 4))
            elif isinstance(value, dt.date):
                row.append(value.isoformat())
            else:
                row.append(value)
        rows.append(row)
    totals_row = None
    if any(summable(c) for c in table.cols) and table.cols[0].kind not in NUMERIC:
        totals_row = last + 1
        total: list[Any] = ["Total"]
        for i, col in enumerate(table.cols[1:], start=1):
            total.append(_total_formula(col, letters[i], pos, first, last, totals_row))
        rows.append(total)
    formats = {}
    for i, col in enumerate(table.cols):
        kind = table.result_kind(i)
        fmt = money_number_format() if kind == "money" else _XLSX_FORMAT.get(kind)
        if col.kind == "float" or (col.kind == "calc" and col.fmt == "float"):
            fmt = "0.00"
        if fmt:
            formats[col.header] = fmt
    data = {"name": sheet, "columns": table.headers, "rows": rows, "number_formats": formats}
    plotted = [c.header for i, c in enumerate(table.cols) if table.result_kind(i) == "money"]
    if plotted and table.cols[0].kind not in NUMERIC:
        data["charts"] = [
            {
                "type": "bar",
                "title": plotted[0],
                "categories": table.headers[0],
                "values": plotted[:1],
                "rows": n,
            }
        ]
        data["conditional_formats"] = [
            {"column": plotted[0], "rule": "data_bar", "color": "5B9BD5"}
        ]
    return data, totals_row


_NOT_ADDITIVE = (
    "ms", "latency", "score", "days", "quiz", "replicate", "rate", "avg", "time", "lab report",
    "terms", "weight", "(min)", "probability", "price", "likelihood", "impact", "(1-5)", "fte",
)  # fmt: skip


def summable(col: ColSpec) -> bool:
    """Counts and money add up; latencies, scores and durations are averaged instead."""
    low = col.header.lower()
    return col.kind in ("int", "money") and not any(w in low for w in _NOT_ADDITIVE)


def _total_formula(
    col: ColSpec, letter: str, pos: dict[str, str], first: int, last: int, row: int
) -> str | None:
    rng_ref = f"{letter}{first}:{letter}{last}"
    if summable(col):
        return f"=SUM({rng_ref})"
    if col.kind in ("int", "money", "pct", "float"):
        return f"=ROUND(AVERAGE({rng_ref}),4)"
    if col.kind == "calc":
        if col.op == "*":
            return f"=SUM({rng_ref})"
        return f"={pos[col.left]}{row}{col.op}{pos[col.right]}{row}"
    return None


def _column_total(table: BuiltTable, i: int) -> float:
    col = table.cols[i]
    values = [row[i] for row in table.rows]
    if col.kind == "calc" and col.op != "*":
        li, ri = table.index(col.left), table.index(col.right)
        left, right = _column_total(table, li), _column_total(table, ri)
        return apply_op(col.op, left, right)
    if col.kind != "calc" and not summable(col):
        return sum(values) / len(values)
    return float(sum(values))


def _summary_sheet(
    ctx: ArtifactCtx, table: BuiltTable, data_name: str, totals_row: int, anchor_label: str | None
) -> tuple[dict, dict[str, str]]:
    rows: list[list[Any]] = []
    facts: dict[str, str] = {}
    money_cols = [
        i
        for i, c in enumerate(table.cols)
        if table.result_kind(i) == "money" and (summable(c) or (c.kind == "calc" and c.op in "*-+"))
    ]
    for i in money_cols:
        header = table.cols[i].header
        label = anchor_label if i == table.anchored and anchor_label else f"Total {header.lower()}"
        rows.append([label, "=" + _sheet_ref(data_name, f"{_col_letter(i)}{totals_row}")])
        if label not in ctx.facts:
            facts[label] = fmt_money(_column_total(table, i))
    if not rows:
        for i, c in enumerate(table.cols):
            if summable(c):
                label = f"Total {c.header.lower()}"
                rows.append([label, "=" + _sheet_ref(data_name, f"{_col_letter(i)}{totals_row}")])
                facts[label] = fmt_num(_column_total(table, i))
    fmt = money_number_format() if money_cols else "#,##0"
    sheet = {
        "name": "Summary",
        "columns": ["Metric", "Value"],
        "rows": rows,
        "number_formats": {"Value": fmt},
    }
    return sheet, facts


def _facts_sheet(ctx: ArtifactCtx, data_name: str, n: int) -> dict:
    rows: list[list[Any]] = [
        [label, value, ctx.source_of(label)] for label, value in ctx.facts.items()
    ]
    rows.append(["Rows counted", f"=COUNTA({_sheet_ref(data_name, f'A2:A{n + 1}')})", data_name])
    return {"name": "Key figures", "columns": ["Figure", "Value", "Source"], "rows": rows}


def _monthly_sheet(ctx: ArtifactCtx, total: float) -> dict:
    rng = ctx.rng
    months = 6
    first = dt.date(ctx.date.year, ctx.date.month, 1)
    labels = []
    for _ in range(months):
        labels.insert(0, first.strftime("%Y-%m"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    per = total / months
    rows: list[list[Any]] = []
    for r, label in enumerate(labels, start=2):
        planned = round(per / 100) * 100 if per >= 1000 else round(per, 2)
        actual = round(planned * rng.uniform(0.82, 1.15) / 100) * 100 if per >= 1000 else planned
        rows.append([label, planned, actual, f"=C{r}-B{r}", f"=ROUND(D{r}/B{r},4)"])
    last = months + 1
    rows.append(
        [
            "Total",
            f"=SUM(B2:B{last})",
            f"=SUM(C2:C{last})",
            f"=C{last + 1}-B{last + 1}",
            f"=ROUND(D{last + 1}/B{last + 1},4)",
        ]
    )
    return {
        "name": "Monthly",
        "columns": ["Month", "Planned", "Actual", "Variance", "Variance %"],
        "rows": rows,
        "charts": [
            {
                "type": "line",
                "title": "Planned and actual by month",
                "categories": "Month",
                "values": ["Planned", "Actual"],
                "rows": months,
            }
        ],
        "conditional_formats": [
            {"column": "Variance", "rule": "above", "value": 0},  # over plan: red
            {"column": "Variance", "rule": "below", "value": 0, "color": "C6EFCE"},
        ],
        "number_formats": {
            "Planned": money_number_format(),
            "Actual": money_number_format(),
            "Variance": money_number_format(),
            "Variance %": "0.0%",
        },
    }


@structured("WorkbookContent")
def workbook_content(req: OfflineRequest) -> dict:
    ctx = artifact_ctx(req)
    category = category_of(ctx.title, "xlsx")
    anchor = money_anchor(ctx) if category in ("budget", "analysis", "tracker") else None
    spec = (
        budget_spec(ctx.family)
        if anchor and category == "budget"
        else pick_spec(ctx, category, ctx.family.tables)
    )
    if anchor and not any(c.kind == "money" for c in spec.columns):
        anchor = None
    table = build_table(ctx, spec, ctx.rng.randint(6, 18), anchor[1] if anchor else None)
    data_name = spec.name[:31]
    data, totals_row = _data_sheet(table, data_name)
    sheets = [data]
    facts = dict(ctx.facts)
    if totals_row:
        summary, own = _summary_sheet(ctx, table, data_name, totals_row, anchor and anchor[0])
        sheets.insert(0, summary)
        facts.update({k: v for k, v in own.items() if k not in facts})
    if category in ("budget", "analysis") and (anchor or totals_row):
        sheets.append(_monthly_sheet(ctx, anchor[1] if anchor else 120000.0))
    sheets.append(_facts_sheet(ctx, data_name, len(table.rows)))
    return {
        "summary": f"{ctx.title}: {len(table.rows)} rows of {spec.name.lower()} with totals "
        f"and key figures.",
        "facts": facts,
        "sheets": sheets,
    }


# -- CsvContent --------------------------------------------------------------------------------


def _csv_value(value: Any, col: ColSpec) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if col.kind == "calc" or isinstance(value, float):
        return round(value, 2)
    return value


@structured("CsvContent")
def csv_content(req: OfflineRequest) -> dict:
    ctx = artifact_ctx(req)
    rng = ctx.rng
    pool = ctx.family.csv_tables + ctx.family.tables
    spec = pick_spec(ctx, "export", ctx.family.csv_tables or pool)
    big = category_of(ctx.title, "csv") in ("export", "log")
    table = build_table(ctx, spec, rng.randint(25, 120) if big else rng.randint(10, 40))
    rows = [[_csv_value(v, c) for v, c in zip(r, table.cols, strict=True)] for r in table.rows]
    facts = {"Rows": str(len(rows))}
    for i, col in enumerate(table.cols):
        if col.kind == "money":
            facts[f"Total {col.header.lower()}"] = fmt_money(_column_total(table, i))
        elif col.kind == "date" and rows:
            facts["Period"] = f"{rows[0][i]} to {rows[-1][i]}"
    if ctx.error:
        label, wrong, _ = ctx.error
        facts[label] = wrong
        rows.append([label, wrong] + [""] * (len(table.cols) - 2))
    return {
        "summary": f"{ctx.title}: {len(rows)} rows exported ({', '.join(table.headers[:3])}, ...).",
        "facts": facts,
        "columns": table.headers,
        "rows": rows,
    }
