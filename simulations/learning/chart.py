"""The geometry of the results chart: one bar per arm (its mean score), a whisker for its
95 % interval, a dot per held-out computer. Drawn as inline SVG by the template (no CDN)."""

from __future__ import annotations

from typing import Any

WIDTH, ROW, LEFT, RIGHT = 640, 34, 150, 20


def _x(percent: float) -> float:
    return round(LEFT + (WIDTH - LEFT - RIGHT) * max(0.0, min(100.0, percent)) / 100, 1)


def results_chart(results: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for n, arm in enumerate(results["arms"]):
        y = 10 + n * ROW
        dots = [
            {"x": _x(row["arms"][arm["arm"]]["score"]), "computer": row["computer"]}
            for row in results["per_computer"]
            if arm["arm"] in row["arms"]
        ]
        rows.append(
            {
                "arm": arm["arm"],
                "y": y,
                "label_y": y + 15,
                "mid": y + 11,
                "bar": _x(arm["mean"]) - LEFT if arm["mean"] is not None else 0,
                "ci": [_x(v) for v in arm["ci"]] if arm["ci"] else None,
                "dots": dots,
                "mean": arm["mean"],
            }
        )
    ticks = [{"x": _x(p), "label": p} for p in (0, 25, 50, 75, 100)]
    height = 30 + ROW * len(rows)
    return {
        "width": WIDTH, "height": height, "left": LEFT, "label_x": LEFT - 8, "rows": rows,
        "ticks": ticks,
        "axis_y": height - 18, "tick_y": height - 4,
    }  # fmt: skip
