"""Template helpers of the review pages: SVG bar charts (rendered server-side, so they need no
script and pass the CSP), label colour dots, and number formatting."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import template

register = template.Library()

CHART_WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 70
ROW = 24
BAR = 16
DEFAULT_COLOUR = "#4c6ef5"


@dataclass
class ChartRow:
    label: str
    full_label: str
    value: float
    shown: str
    width: float
    y: float
    colour: str
    link: str


@register.inclusion_tag("review/_bars.html")
def bar_chart(bars, title: str, unit: str = ""):
    bars = list(bars)
    top = max((b.value for b in bars), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for n, bar in enumerate(bars):
        label = bar.label if len(bar.label) <= 30 else bar.label[:29] + "…"
        shown = f"{bar.value:,.0f}" if float(bar.value).is_integer() else f"{bar.value:,.1f}"
        rows.append(
            ChartRow(
                label=label,
                full_label=bar.label,
                value=bar.value,
                shown=shown + unit,
                width=round(span * bar.value / top, 1),
                y=n * ROW + 4,
                colour=bar.colour or DEFAULT_COLOUR,
                link=getattr(bar, "link", ""),
            )
        )
    return {
        "rows": rows,
        "title": title,
        "width": CHART_WIDTH,
        "height": len(rows) * ROW + 8,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR,
        "text_dy": BAR - 3,
        "empty": not bars or not any(b.value for b in bars),
    }


@register.inclusion_tag("review/_dot.html")
def label_dot(label):
    return {"colour": getattr(label, "colour", "") or DEFAULT_COLOUR}


@register.filter
def kappa(value) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.filter
def pretty_json(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def percent(part, whole) -> str:
    try:
        return f"{100 * float(part) / float(whole):.0f}%" if whole else "—"
    except (TypeError, ValueError):
        return "—"
