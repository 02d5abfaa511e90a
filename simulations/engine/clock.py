"""The simulated clock: a month of working days, one work session per day.

Times are timezone-aware UTC datetimes standing for the user's local office hours. Every
action costs plausible minutes; when a session passes the end of the working day the
engine closes it and the next session starts the following working morning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

DAY_START = dt.time(9, 0)
DAY_END = dt.time(17, 30)
WORKDAY_MINUTES = 510


def _at(day: dt.date, when: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, when, tzinfo=dt.UTC)


def is_workday(day: dt.date) -> bool:
    return day.weekday() < 5


def next_workday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def first_session_start(after: dt.date) -> dt.datetime:
    """The Monday 09:00 after ``after``: the simulated month starts on a fresh week."""
    day = after + dt.timedelta(days=1)
    while day.weekday() != 0:
        day += dt.timedelta(days=1)
    return _at(day, DAY_START)


def nth_workday(start: dt.datetime, n: int) -> dt.date:
    """The date of working day ``n`` (1-based) of a month starting at ``start``."""
    day = start.date()
    while not is_workday(day):
        day += dt.timedelta(days=1)
    for _ in range(max(0, n - 1)):
        day = next_workday(day)
    return day


def workday_index(start: dt.datetime, now: dt.datetime) -> int:
    """Which working day ``now`` falls in (1-based; a weekend counts as the day before)."""
    day, target, n = start.date(), now.date(), 1
    while not is_workday(day):
        day += dt.timedelta(days=1)
    while day < target:
        day = next_workday(day)
        if day <= target:
            n += 1
    return n


def month_end(start: dt.datetime, workdays: int) -> dt.datetime:
    return _at(nth_workday(start, workdays), DAY_END)


def day_end(now: dt.datetime) -> dt.datetime:
    return _at(now.date(), DAY_END)


def next_session_start(now: dt.datetime) -> dt.datetime:
    """The next working morning (today's if it is before the day starts)."""
    if is_workday(now.date()) and now.timetz().replace(tzinfo=None) < DAY_START:
        return _at(now.date(), DAY_START)
    return _at(next_workday(now.date()), DAY_START)


def minutes_left_today(now: dt.datetime) -> int:
    return max(0, int((day_end(now) - now).total_seconds() // 60))


def within_office_hours(when: dt.datetime) -> dt.datetime:
    """Move a time that falls outside office hours to the next working morning."""
    if is_workday(when.date()) and DAY_START <= when.timetz().replace(tzinfo=None) < DAY_END:
        return when
    if is_workday(when.date()) and when.timetz().replace(tzinfo=None) < DAY_START:
        return _at(when.date(), DAY_START)
    return next_session_start(when)


# -- what actions cost ------------------------------------------------------------------------

_BASE_MINUTES = {
    "list_dir": 1,
    "read_file": 3,
    "search_files": 2,
    "write_file": 10,
    "edit_file": 5,
    "move_file": 1,
    "copy_file": 1,
    "delete_file": 1,
    "send_message": 4,
    "read_inbox": 2,
    "add_calendar_event": 2,
    "update_memory": 2,
    "submit_deliverable": 3,
    "finish": 1,
    "advance_clock": 0,
}


def action_minutes(tool: str, arguments: dict[str, Any] | None, observation: str) -> int:
    """Plausible minutes a person spends on an action: reading and writing scale with length."""
    base = _BASE_MINUTES.get(tool, 1)
    args = arguments or {}
    if tool == "read_file":
        return base + min(20, len(observation) // 1500)
    if tool == "write_file":
        size = len(str(args.get("content", "")))
        return base + min(80, size // 250)
    if tool == "edit_file":
        size = len(str(args.get("replace", ""))) + len(str(args.get("append", "")))
        return base + min(30, size // 250)
    if tool == "send_message":
        return base + min(20, len(str(args.get("body", ""))) // 300)
    if tool == "read_inbox":
        return base + min(15, observation.count("\nFrom: ") * 2)
    return base
