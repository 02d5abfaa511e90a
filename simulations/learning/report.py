"""An experiment's results as a table (one line per arm), CSV (one row per held-out computer
and arm) or JSON. Each format carries the offline-engine warning when that engine ran it."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from simulations.learning.stats import TAGS

CSV_FIELDS = [
    "computer",
    "occupation",
    "arm",
    "score_pct",
    "lift_vs_baseline",
    *(f"{t}_pct" for t in TAGS),
]


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _interval(ci) -> str:
    return "-" if not ci else f"[{ci[0]:.1f}, {ci[1]:.1f}]"


def report_table(results: dict[str, Any]) -> str:
    exp = results["experiment"]
    lines = [f"experiment {exp['id']} {exp['name']!r}: {exp['state']} · engine {exp['engine']}"]
    if exp["warning"]:
        lines.append(f"WARNING {exp['warning']}")
    lines.append(
        f"{'arm':<24} {'n':>3} {'mean':>6} {'ci':>16} {'lift':>6} {'lift ci':>16} "
        f"{'wins':>4} {'ties':>4} {'losses':>6}"
    )
    for arm in results["arms"]:
        lines.append(
            f"{arm['arm']:<24} {arm['computers']:>3} {_num(arm['mean']):>6} "
            f"{_interval(arm['ci']):>16} {_num(arm['lift']):>6} {_interval(arm['lift_ci']):>16} "
            f"{arm['wins']:>4} {arm['ties']:>4} {arm['losses']:>6}"
        )
    lines.append("")
    lines.append(
        f"{'tokens and cost':<24} {'calls':>6} {'prompt':>11} {'cached':>11} "
        f"{'completion':>11} {'cost':>12}"
    )
    for row in results["usage"]:
        lines.append(
            f"{row['arm']:<24} {row['calls']:>6} {row['prompt_tokens']:>11} "
            f"{row['cached_tokens']:>11} {row['completion_tokens']:>11} {row['cost']:>12}"
        )
    return "\n".join(lines) + "\n"


def report_csv(results: dict[str, Any]) -> str:
    """Per held-out computer and arm: score, paired lift, score per rubric tag."""
    out = io.StringIO()
    exp = results["experiment"]
    if exp["warning"]:
        out.write(f"# {exp['warning']}\n")
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    names = [a["arm"] for a in results["arms"]]
    for row in results["per_computer"]:
        base = row["arms"].get(names[0]) if names else None
        for arm in (n for n in names if n in row["arms"]):
            mine = row["arms"][arm]
            lift = mine["score"] - base["score"] if arm != names[0] and base else None
            writer.writerow(
                {
                    "computer": row["computer"],
                    "occupation": row["occupation"],
                    "arm": arm,
                    "score_pct": round(mine["score"], 2),
                    "lift_vs_baseline": "" if lift is None else round(lift, 2),
                    **{f"{t}_pct": _round(mine["tags"].get(t)) for t in TAGS},
                }
            )
    return out.getvalue()


def _round(value: float | None) -> str | float:
    return "" if value is None else round(value, 2)


def report_json(results: dict[str, Any]) -> str:
    return json.dumps(results, indent=2, default=str)
