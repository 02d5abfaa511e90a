import datetime as dt

from simulations.engine import clock

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_month_starts_on_the_monday_after_the_files():
    assert clock.first_session_start(dt.date(2026, 2, 25)) == MONDAY  # a Wednesday
    assert clock.first_session_start(dt.date(2026, 3, 1)) == MONDAY  # the Sunday before


def test_workdays_skip_weekends():
    assert clock.nth_workday(MONDAY, 1) == dt.date(2026, 3, 2)
    assert clock.nth_workday(MONDAY, 6) == dt.date(2026, 3, 9)
    assert clock.nth_workday(MONDAY, 20) == dt.date(2026, 3, 27)
    assert clock.workday_index(MONDAY, dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC)) == 6
    assert clock.workday_index(MONDAY, dt.datetime(2026, 3, 7, 10, tzinfo=dt.UTC)) == 5  # Saturday
    assert clock.month_end(MONDAY, 20) == dt.datetime(2026, 3, 27, 17, 30, tzinfo=dt.UTC)


def test_sessions_and_office_hours():
    friday_evening = dt.datetime(2026, 3, 6, 18, 0, tzinfo=dt.UTC)
    assert clock.next_session_start(friday_evening) == dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
    early = dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.UTC)
    assert clock.next_session_start(early) == dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
    assert clock.within_office_hours(dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)).hour == 12
    assert clock.within_office_hours(friday_evening).date() == dt.date(2026, 3, 9)
    assert clock.minutes_left_today(dt.datetime(2026, 3, 3, 17, 0, tzinfo=dt.UTC)) == 30


def test_actions_cost_plausible_time():
    assert clock.action_minutes("list_dir", {}, "") == 1
    short = clock.action_minutes("read_file", {"path": "a"}, "x" * 100)
    long = clock.action_minutes("read_file", {"path": "a"}, "x" * 20_000)
    assert short < long <= 23
    assert clock.action_minutes("write_file", {"content": "x" * 5000}, "") == 30
