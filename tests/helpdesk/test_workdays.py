"""Deadlines in working days as a 12345 office counts them: weekends, official holidays and 调休
make-up days (chinesecalendar), the filing day not counted, due at the end of the last day; 督办
escalation and 延期 in working days too. Stored due times checked on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.helpdesk import OPERATOR, Helpdesk, InvalidInput, NotificationKind
from bot.helpdesk.config import HelpdeskConfig
from bot.helpdesk.lifecycle import Urgency
from bot.helpdesk.notify import local_time
from bot.helpdesk.workdays import WorkCalendar
from tests.helpdesk.conftest import ADMIN, SECRETARY_A, VILLAGER_1, Clock, World
from tests.helpdesk.helpers import file

TZ = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def end_of(day: date) -> datetime:
    """24:00 local of `day`, as stored: 00:00 of the next day."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=TZ)


# ------------------------------------------------------------------------- the calendar itself
def test_friday_evening_plus_three_working_days_is_wednesday_end_of_day() -> None:
    cal = WorkCalendar(TZ)
    friday = local(2026, 12, 4, 18)
    assert friday.weekday() == 4
    assert cal.deadline(friday, 3) == end_of(date(2026, 12, 9))  # Mon, Tue, Wed
    assert cal.deadline(local(2026, 12, 5, 10), 3) == end_of(date(2026, 12, 9))  # Saturday: same
    assert cal.deadline(local(2026, 12, 7, 9), 1) == end_of(date(2026, 12, 8))  # filing day not counted


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts() -> None:
    """2026 schedule (chinesecalendar 1.11): 10-01..10-07 off, Saturday 10-10 worked (调休)."""
    cal = WorkCalendar(TZ)
    assert not cal.is_workday(date(2026, 10, 5))  # a Monday inside the holiday
    assert cal.is_workday(date(2026, 10, 10))  # the 调休 Saturday
    assert not cal.is_workday(date(2026, 10, 11))
    filed = local(2026, 9, 30, 10)
    assert cal.deadline(filed, 1) == end_of(date(2026, 10, 8))
    assert cal.deadline(filed, 3) == end_of(date(2026, 10, 10))  # Thu 8, Fri 9, Sat 10 (调休)
    assert cal.deadline(filed, 5) == end_of(date(2026, 10, 13))  # Mon 12, Tue 13


def test_midnight_belongs_to_the_day_it_ends() -> None:
    """A stored deadline (00:00 = 24:00 of the day before) fed back in counts from its own day."""
    cal = WorkCalendar(TZ)
    wednesday_end = end_of(date(2026, 12, 9))
    assert cal.deadline(wednesday_end, 2) == end_of(date(2026, 12, 11))  # Thu, Fri
    assert cal.deadline(wednesday_end + timedelta(minutes=1), 2) == end_of(date(2026, 12, 14))


def test_a_deadline_reads_as_24_00_of_its_last_day() -> None:
    """Villagers and cadres see "12-09 24:00" (by the end of the 9th), not "12-10 00:00"."""
    assert local_time(end_of(date(2026, 12, 9)), TZ) == "2026-12-09 24:00"
    assert local_time(datetime(2026, 12, 9, 16, 0, tzinfo=UTC), TZ) == "2026-12-09 24:00"
    assert local_time(local(2026, 12, 10, 0, 1), TZ) == "2026-12-10 00:01"
    assert local_time(local(2026, 12, 9, 18, 30), TZ) == "2026-12-09 18:30"


def test_timezone_decides_the_day() -> None:
    """Friday 23:30 in Beijing is Friday 15:30 UTC: counted from Friday, not Saturday."""
    cal = WorkCalendar(TZ)
    assert cal.deadline(datetime(2026, 12, 4, 15, 30, tzinfo=UTC), 1) == end_of(date(2026, 12, 7))


def test_a_year_past_the_data_falls_back_to_weekdays_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    year = max(chinese_calendar.holidays).year + 1  # the first year the package does not know
    may_day = date(year, 5, 1)
    friday = may_day + timedelta(days=(4 - may_day.weekday()) % 7)
    cal = WorkCalendar(TZ)
    with caplog.at_level(logging.WARNING, logger="bot.helpdesk.workdays"):
        first = cal.deadline(datetime.combine(friday, time(18), tzinfo=TZ), 3)
        second = cal.deadline(datetime.combine(friday, time(9), tzinfo=TZ), 5)
    assert first == end_of(friday + timedelta(days=5))  # Mon, Tue, Wed: weekends only, no 劳动节
    assert second == end_of(friday + timedelta(days=7))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(year) in warnings[0].getMessage() and "chinesecalendar" in warnings[0].getMessage()


def test_zero_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WorkCalendar(TZ).deadline(local(2026, 12, 4), 0)


# ------------------------------------------------------------------------- settings
def test_settings_choose_days_or_hours_per_category(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_DEADLINE_DAYS", '{"低保/救助": 3}')
    monkeypatch.setenv("REQUEST_DEADLINE_HOURS", '{"饮水安全": 24}')
    config = HelpdeskConfig.from_settings(Settings(_env_file=None))
    friday = local(2026, 12, 4, 18)
    assert config.due_at("低保/救助", Urgency.NORMAL, friday) == end_of(date(2026, 12, 9))
    assert config.due_at("饮水安全", Urgency.NORMAL, friday) == friday + timedelta(hours=24)  # round the clock
    assert config.due_at("就业", Urgency.NORMAL, friday) == end_of(date(2026, 12, 11))  # default 5 days
    # Emergencies stay same-day, on a Saturday too.
    saturday = local(2026, 12, 5, 10)
    assert config.due_at("医疗", Urgency.URGENT, saturday) == end_of(date(2026, 12, 5))
    assert config.due_at("饮水安全", Urgency.URGENT, saturday) == end_of(date(2026, 12, 5))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REQUEST_DEADLINE_DAYS": '{"医疗": 0}'}, "1-30 working days"),
        ({"REQUEST_DEADLINE_DAYS": '{"医疗": 31}'}, "1-30 working days"),
        ({"REQUEST_DEADLINE_DAYS": '{"天气": 3}'}, "REQUEST_DEADLINE_DAYS names categories not in"),
        (
            {"REQUEST_DEADLINE_DAYS": '{"医疗": 3}', "REQUEST_DEADLINE_HOURS": '{"医疗": 24}'},
            "both set a deadline for: 医疗",
        ),
    ],
)
def test_bad_deadline_settings_are_refused(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None)


# ------------------------------------------------------------------------- stored due times
def test_friday_evening_request_is_due_wednesday_not_monday(hd: Helpdesk, world: World, clock: Clock) -> None:
    """Regression: 72 calendar hours made a Friday-evening request overdue on Monday evening."""
    clock.now = local(2026, 12, 4, 18).astimezone(UTC)
    number = file(hd, world.a)  # 住房安全: 3 working days
    view = hd.queries.show(OPERATOR, number)
    assert view.category == "住房安全"
    assert view.due_at == end_of(date(2026, 12, 9))
    clock.now = local(2026, 12, 7, 19).astimezone(UTC)  # Monday evening: not overdue
    assert hd.oversight.run_due() == []
    assert hd.queries.show(OPERATOR, number).supervision_level == 0


def test_request_before_national_day_skips_the_holiday(hd: Helpdesk, world: World, clock: Clock) -> None:
    clock.now = local(2026, 9, 30, 10).astimezone(UTC)
    number = file(hd, world.a)
    assert hd.queries.show(OPERATOR, number).due_at == end_of(date(2026, 10, 10))  # the 调休 Saturday
    clock.now = local(2026, 10, 7, 23).astimezone(UTC)  # last holiday evening: not overdue
    assert hd.oversight.run_due() == []


def test_escalation_and_extension_count_working_days(hd: Helpdesk, world: World, clock: Clock) -> None:
    """Due Friday; reminded Saturday; escalated only after Mon and Tue (2 working days), not on Sunday."""
    clock.now = local(2026, 12, 1, 9).astimezone(UTC)  # Tuesday
    number = file(hd, world.a)
    view = hd.queries.show(OPERATOR, number)
    assert view.due_at == end_of(date(2026, 12, 4))
    clock.now = local(2026, 12, 5, 9).astimezone(UTC)
    assert [n.kind for n in hd.oversight.run_due()] == [NotificationKind.OVERDUE_REMINDER]
    clock.now = local(2026, 12, 7, 10).astimezone(UTC)  # Monday: 2.4 calendar days late, 1 working day
    assert hd.oversight.run_due() == []
    clock.now = local(2026, 12, 8, 23, 59).astimezone(UTC)
    assert hd.oversight.run_due() == []
    clock.now = local(2026, 12, 9, 0, 1).astimezone(UTC)
    escalated = hd.oversight.run_due()
    assert {n.kind for n in escalated} == {NotificationKind.ESCALATED}
    assert ADMIN in {n.chat_user_id for n in escalated}
    assert hd.queries.show(OPERATOR, number).supervision_level == 2

    # 延期 3 working days from now (Wednesday, after the due day): Thu, Fri, Mon — and the cadre is told so.
    with pytest.raises(InvalidInput, match="按工作日算"):
        hd.oversight.request_extension(SECRETARY_A, number, 31, "等乡镇审批材料")
    asked = hd.oversight.request_extension(SECRETARY_A, number, 3, "等乡镇审批材料")
    assert asked.request.pending_extension is not None
    assert asked.request.pending_extension.new_due_at == end_of(date(2026, 12, 14))


def test_urgent_request_on_a_sunday_is_still_due_that_day(hd: Helpdesk, world: World, clock: Clock) -> None:
    clock.now = local(2026, 12, 6, 9).astimezone(UTC)
    urgent = hd.intake.file_request(VILLAGER_1, world.a.id, "俺婆婆腿摔断了，走不了路").request
    assert urgent.due_at == end_of(date(2026, 12, 6))
