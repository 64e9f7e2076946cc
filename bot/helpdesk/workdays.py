"""Working days as a Chinese county office counts them: weekends off, official holidays off, and
the 调休 make-up weekend days worked.

Why: 12345 practice sets help-request deadlines in working days (3–5), so a request filed on
Friday evening with "3 days" is due on Wednesday, and one filed before 国庆 skips the holiday
week. Calendar hours would make a cadre overdue after one working day.

Counting follows the Civil Code (民法典 art. 201, 203): the day something happens is not counted,
counting starts the next day, and a period ends at 24:00 of its last day. So
`deadline(t, n)` is 24:00 (local) of the n-th working day after the local day of `t` — stored as
00:00 of the following day, the same "end of the day" an urgent request's same-day deadline
uses. An instant at exactly local midnight belongs to the day it ends, so a deadline fed back in
(督办 escalation "N working days after the due time") counts from the due day itself.

Holidays and 调休 come from `chinesecalendar` (module `chinese_calendar`), which is updated each
year once the State Council publishes the next year's schedule (usually November). For a year it
does not know yet, days fall back to Monday–Friday and a WARNING is logged once per year and
calendar: upgrade the package (`pip install -U chinesecalendar`) to get that year's holidays.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

# A deadline is never searched further than this many calendar days ahead (a guard against a
# calendar that would make no day a working day; 30 working days fit in well under a year).
_MAX_SPAN_DAYS = 366 * 2


class WorkCalendar:
    """China's official working days (with 调休) in one timezone; weekends-only beyond the data."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    def is_workday(self, day: date) -> bool:
        """Whether offices work on `day`: holidays off, 调休 weekend days on (weekdays without data)."""
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # the package has no schedule for that year
            self._warn_once(day.year)
            return day.weekday() < 5

    def deadline(self, start: datetime, days: int) -> datetime:
        """End (24:00 local, i.e. next 00:00) of the `days`-th working day after `start`'s day."""
        if days < 1:
            raise ValueError(f"a working-day deadline needs at least 1 day, got {days}")
        day = self.local_day(start)
        counted = 0
        for _ in range(_MAX_SPAN_DAYS):
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
                if counted == days:
                    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=self.tz)
        raise ValueError(f"no {days} working days within {_MAX_SPAN_DAYS} days of {start.isoformat()}")

    def local_day(self, moment: datetime) -> date:
        """The local day `moment` falls on; exactly 00:00 is the end of the day before."""
        local = moment.astimezone(self.tz)
        if local.time() == time.min:
            return local.date() - timedelta(days=1)
        return local.date()

    def _warn_once(self, year: int) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        log.warning(
            "working-day calendar: chinesecalendar %s has no holiday schedule for %s; counting "
            "Monday-Friday as working days for that year (upgrade: pip install -U chinesecalendar)",
            getattr(chinese_calendar, "__version__", "?"),
            year,
        )
