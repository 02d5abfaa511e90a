"""Tables: row generation from a family's table schemas, and the Workbook and Csv responders.

Rows are generated as plain Python values first (numbers, dates, labels) with computed
columns evaluated here, so the same table can be shown as formatted text in a document
or written to a workbook with real formulas whose results match those values.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from studio.llm.offline.domains import FIRST_NAMES, LAST_NAMES, ColSpec, Family, TableSpec
from studio.llm.offline.gen_common import cap_first, collaborators, day_label, titlecase
from studio.llm.offline.gen_context import ArtifactCtx, artifact_ctx
from studio.llm.offline.gen_figures import fmt_money, fmt_num, fmt_pct, is_money, parse_amount
from studio.llm.offline.gen_names import category_of
from studio.llm.offline.locales import money_number_format
from studio.llm.offline.registry import OfflineRequest, structured

NUMERIC = frozenset(("int", "money", "pct", "float", "calc"))


@dataclass
class BuiltTable:
    name: str
    cols: tuple[ColSpec, ...]
    rows: list[list[Any]]
    anchored: int | None = None  # index of the column that sums to the anchor figure

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.cols]

    def index(self, header: str) -> int:
        return self.headers.index(header)

    def result_kind(self, i: int) -> str:
        col = self.cols[i]
        return col.fmt if col.kind == "calc" else col.kind


_BUDGET_SPECS: dict[str, TableSpec] = {}


def budget_spec(family: Family) -> TableSpec:
    """Line-item budget every family has: its cost lines with budget, actual and variance."""
    spec = _BUDGET_SPECS.get(family.name)
    if spec is None:
        spec = _BUDGET_SPECS[family.name] = _budget_spec(family)
    return spec


def _budget_spec(family: Family) -> TableSpec:
    return TableSpec(
        "Budget",
        (
            ColSpec("Line item", "item", choices=family.cost_lines),
            ColSpec("Budget", "money", lo=5000, hi=250000),
            ColSpec("Actual", "money", lo=5000, hi=260000),
            ColSpec("Variance", "calc", left="Actual", op="-", right="Budget", fmt="money"),
            ColSpec("Owner", "person"),
        ),
    )


def people_pool(ctx: ArtifactCtx, size: int = 14) -> list[str]:
    rng = ctx.rng
    names = [c["name"] for c in collaborators(ctx.profile)]
    while len(names) < size:
        names.append(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    return names


def build_table(
    ctx: ArtifactCtx, spec: TableSpec, n: int, anchor: float | None = None, days: int = 90
) -> BuiltTable:
    """n rows of ``spec``; dates fall in the ``days`` before the file's date."""
    rng = ctx.rng
    for col in spec.columns:
        if col.kind == "item":
            n = min(n, len(col.choices))
    n = max(n, 1)
    people = people_pool(ctx)
    columns: list[list[Any]] = []
    by_header: dict[str, list[Any]] = {}
    kinds = {c.header: c.kind for c in spec.columns}
    for col in spec.columns:
        if col.kind == "calc":
            values = _calc(col, by_header, kinds)
        else:
            values = _column(col, n, rng, ctx, people, days)
        columns.append(values)
        by_header[col.header] = values
    table = BuiltTable(spec.name, spec.columns, [list(r) for r in zip(*columns, strict=True)])
    if anchor is not None:
        _anchor(table, anchor, rng)
    return table


def _column(
    col: ColSpec, n: int, rng: random.Random, ctx: ArtifactCtx, people: list[str], days: int
) -> list:
    kind = col.kind
    if kind == "item":
        # keep the list's own order (weeks, cost lines) while skipping some entries
        return [col.choices[i] for i in sorted(rng.sample(range(len(col.choices)), k=n))]
    if kind == "choice":
        return [rng.choice(col.choices) for _ in range(n)]
    if kind == "person":
        return [rng.choice(people) for _ in range(n)]
    if kind == "unit":
        # a table about one unit (named in the title) is mostly that unit's rows
        own = next((u for u in ctx.family.units if u.lower() in ctx.title.lower()), None)
        units = ctx.family.units
        return [own if own and rng.random() < 0.7 else rng.choice(units) for _ in range(n)]
    if kind == "topic":
        return [titlecase(rng.choice(ctx.family.topics)) for _ in range(n)]
    if kind == "date":
        end = ctx.date.date()
        return sorted(end - dt.timedelta(days=rng.randint(0, days)) for _ in range(n))
    if kind == "id":
        start = rng.randint(100, 8000)
        return [f"{col.choices[0]}-{start + i:04d}" for i in range(n)]
    if kind == "int":
        return [rng.randint(int(col.lo), int(col.hi)) for _ in range(n)]
    if kind == "money":
        return [_money(rng.uniform(col.lo, col.hi)) for _ in range(n)]
    if kind == "pct":
        return [round(rng.uniform(col.lo, col.hi), 1) for _ in range(n)]
    if kind == "float":
        dp = 2 if col.hi < 5 else 1
        return [round(rng.uniform(col.lo, col.hi), dp) for _ in range(n)]
    return ["" for _ in range(n)]


def _money(x: float) -> float | int:
    if abs(x) >= 10000:
        return int(round(x, -2))
    if abs(x) >= 100:
        return round(x)
    return round(x, 2)


def _calc(col: ColSpec, by_header: dict[str, list[Any]], kinds: dict[str, str]) -> list[Any]:
    left, right = by_header[col.left], by_header[col.right]
    out = []
    for a, b in zip(left, right, strict=True):
        if kinds.get(col.right) == "pct":
            b = b / 100  # percentages live as fractions in the workbook
        out.append(_apply(col.op, a, b))
    return out


def _apply(op: str, a: float, b: float) -> float:
    if op == "-":
        return a - b
    if op == "+":
        return a + b
    if op == "*":
        return a * b
    return a / b if b else 0.0


def _anchor(table: BuiltTable, anchor: float, rng: random.Random) -> None:
    """Rescale the first plain money column so its total is exactly ``anchor``."""
    idx = next((i for i, c in enumerate(table.cols) if c.kind == "money"), None)
    if idx is None or not table.rows:
        return
    step = 100 if anchor >= 100_000 else 1
    weights = [rng.uniform(0.4, 1.6) for _ in table.rows]
    wsum = sum(weights)
    values = [round(anchor * w / wsum / step) * step for w in weights]
    values[-1] = round(anchor - sum(values[:-1]), 2)
    actual_idx = next((i for i, c in enumerate(table.cols) if c.header == "Actual"), None)
    for row, value in zip(table.rows, values, strict=True):
        row[idx] = int(value) if float(value).is_integer() else value
        if actual_idx is not None:
            row[actual_idx] = round(value * rng.uniform(0.86, 1.12) / step) * step
    _recompute(table)
    table.anchored = idx


def _recompute(table: BuiltTable) -> None:
    kinds = {c.header: c.kind for c in table.cols}
    for i, col in enumerate(table.cols):
        if col.kind == "calc":
            li, ri = table.index(col.left), table.index(col.right)
            for row in table.rows:
                b = row[ri] / 100 if kinds[col.right] == "pct" else row[ri]
                row[i] = _apply(col.op, row[li], b)


def format_value(value: Any, kind: str) -> str:
    """How a value reads in a document table."""
    if isinstance(value, dt.date):
        return day_label(value)
    if kind == "money":
        return fmt_money(value) if abs(value) >= 100 else fmt_money(value, 2)
    if kind == "pct":
        return fmt_pct(value * 100 if abs(value) <= 1.5 else value)
    if kind == "int":
        return fmt_num(value)
    if kind == "float":
        return f"{value:,.2f}"
    return str(value)


def formatted_rows(table: BuiltTable) -> list[list[str]]:
    kinds = [table.result_kind(i) for i in range(len(table.cols))]
    out = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row):
            kind = kinds[i]
            if table.cols[i].kind == "pct":
                value = value / 100  # stored as a percent number, shown as a percentage
            cells.append(format_value(value, kind))
        out.append(cells)
    return out


def money_anchor(ctx: ArtifactCtx) -> tuple[str, float] | None:
    """The money fact a table of line items should add up to, if there is a sensible one."""
    for label, value in ctx.facts.items():
        amount = parse_amount(value)
        if is_money(value) and amount is not None and amount >= 1000:
            return label, amount
    return None


def risk_spec(ctx: ArtifactCtx) -> TableSpec:
    risks = tuple(dict.fromkeys(ctx.text.fill(r) for r in ctx.family.risks))
    return TableSpec(
        "Risk Register",
        (
            ColSpec("Risk", "item", choices=risks),
            ColSpec("Likelihood (1-5)", "int", lo=1, hi=5),
            ColSpec("Impact (1-5)", "int", lo=1, hi=5),
            ColSpec(
                "Score", "calc", left="Likelihood (1-5)", op="*", right="Impact (1-5)", fmt="int"
            ),
            ColSpec("Owner", "person"),
            ColSpec("Status", "choice", choices=("Open", "Mitigating", "Watching", "Closed")),
        ),
    )


def action_spec(ctx: ArtifactCtx) -> TableSpec:
    actions = tuple(dict.fromkeys(cap_first(ctx.text.fill(a)) for a in ctx.family.actions))
    return TableSpec(
        "Actions",
        (
            ColSpec("Action", "item", choices=actions),
            ColSpec("Owner", "person"),
            ColSpec("Due", "date"),
            ColSpec("Status", "choice", choices=("Not started", "In progress", "Done", "Blocked")),
            ColSpec("Complete", "pct", lo=0, hi=100),
        ),
    )


def pick_spec(ctx: ArtifactCtx, category: str, pool: tuple[TableSpec, ...]) -> TableSpec:
    """The table a title asks for: a family table it names, a risk or action log, or a budget."""
    title = ctx.title.lower()
    for spec in pool:
        if any(w in title for w in spec.name.lower().split()):
            return spec
    if "risk" in title:
        return risk_spec(ctx)
    if any(w in title for w in ("action", "checklist", "to-do", "tracker")):
        return action_spec(ctx)
    if category == "budget" or not pool:
        return budget_spec(ctx.family)
    return ctx.rng.choice(pool)


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
        return _apply(col.op, left, right)
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
