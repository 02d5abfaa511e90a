"""Tables: row generation from a family's table schemas (the Workbook and Csv responders that
write them are in ``gen_workbooks``).

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
from studio.llm.offline.gen_context import ArtifactCtx
from studio.llm.offline.gen_figures import fmt_money, fmt_num, fmt_pct, is_money, parse_amount

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
        out.append(apply_op(col.op, a, b))
    return out


def apply_op(op: str, a: float, b: float) -> float:
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
                row[i] = apply_op(col.op, row[li], b)


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
