"""Time limits in working days, with China's public holidays and adjusted working days."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from models.catalog import Duration

# Fixed-date statutory holidays, used only for years the holiday data does not cover yet.
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    # True when a year beyond the published holiday schedule was involved: weekends and
    # fixed-date holidays were used, so the date may move when the schedule is published.
    estimated: bool = False


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, was that an estimate)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS, True


def add_working_days(start: dt.date, days: int) -> Deadline:
    """The `days`-th working day after `start` (the day of receipt does not count)."""
    day, counted, estimated = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        workday, guess = is_workday(day)
        estimated |= guess
        counted += workday
    return Deadline(day, estimated)


def due_date(received: dt.date, limit: Duration) -> Deadline:
    if limit.unit in ("immediate", "same_day"):
        return Deadline(received)
    assert limit.value is not None
    if limit.unit == "working_days":
        return add_working_days(received, limit.value)
    if limit.unit == "natural_days":
        return Deadline(received + dt.timedelta(days=limit.value))
    month = received.month - 1 + limit.value
    year, month = received.year + month // 12, month % 12 + 1
    day = min(received.day, calendar.monthrange(year, month)[1])
    return Deadline(dt.date(year, month, day))
