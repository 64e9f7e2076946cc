"""Monthly statistics (月报): what a county office reports on its 12345-style casework each month.

The figures cover the requests **filed** in one calendar month of the configured timezone
(`HelpdeskConfig.tz`, from TIMEZONE): the month's intake, the way 12345 offices count their
受理量. Where each request stands (status, 办结, rating, 超期) is read as of the moment the
report is made (`generated_at`, printed in the report), so a report for last month made today
includes the ratings villagers gave this morning. Definitions (docs/helpdesk.md § Monthly report):

- 办结 (resolved): the request is 已办结 or 已回访关闭 — its work is done.
- 按时办结 (on time): resolved no later than its due time (a reopened request is measured against
  the due time of its rework; an approved 延期 moves the due time).
- 超期 (overdue): still open after its due time, or resolved after it.
- 满意率: (满意 + 基本满意) / requests rated; the villager's latest rating counts (a 不满意 that led
  to rework and then 满意 counts as 满意; the rework shows in 重新办理).
- 督办: requests reminded or escalated at least once (`supervision_count`), and the number of times.
- 延期: requests with an approved extension (table `request_extensions`).

This module returns data only (dataclasses); bot/helpdesk/report_files.py renders the XLSX and
the chart, and the front ends only send the file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import texts
from bot.helpdesk import access
from bot.helpdesk.access import Actor
from bot.helpdesk.errors import InvalidInput
from bot.helpdesk.facade import Helpdesk
from bot.helpdesk.lifecycle import OPEN_STATUSES, Satisfaction, Status
from bot.helpdesk.models import HelpRequest, RequestExtension, Village
from bot.helpdesk.present import village_view
from bot.helpdesk.views import VillageView

# Statuses whose work is done (办结): the denominator of the on-time rate.
RESOLVED_STATUSES: frozenset[Status] = frozenset({Status.RESOLVED, Status.CLOSED})

_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"),  # 2026-11, 2026/11, 2026.11
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月?$"),  # 2026年11月
    re.compile(r"^(\d{4})(\d{2})$"),  # 202611
)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; its bounds are local midnights of the configured timezone."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 2000 <= self.year <= 9999:
            raise InvalidInput(texts.HD_ERR_REPORT_MONTH.format(text=f"{self.year}-{self.month}"))

    @property
    def label(self) -> str:
        """2026-11: file names and the CLI."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label_zh(self) -> str:
        """2026年11月: titles."""
        return texts.HD_REPORT_MONTH_LABEL.format(year=self.year, month=self.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """2026-11, 2026/11, 2026年11月 or 202611; a clear Chinese message otherwise."""
        cleaned = text.strip()
        for pattern in _MONTH_PATTERNS:
            match = pattern.match(cleaned)
            if match:
                year, month = int(match.group(1)), int(match.group(2))
                if 1 <= month <= 12 and year >= 2000:
                    return cls(year, month)
        raise InvalidInput(texts.HD_ERR_REPORT_MONTH.format(text=cleaned[:20]))


@dataclass(frozen=True)
class Tally:
    """One line of the by-village / by-category tables."""

    filed: int = 0  # 受理
    resolved: int = 0  # 办结 (已办结 or 已回访关闭)
    open: int = 0  # still needs work
    on_time: int = 0  # resolved by the due time
    overdue: int = 0  # open past due, or resolved late

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率, None when nothing was resolved (a rate of nothing is not 0 %)."""
        return self.on_time / self.resolved if self.resolved else None

    def plus(self, *, resolved: bool, open_: bool, on_time: bool, overdue: bool) -> Tally:
        return Tally(
            self.filed + 1,
            self.resolved + resolved,
            self.open + open_,
            self.on_time + on_time,
            self.overdue + overdue,
        )


@dataclass(frozen=True)
class VillageLine:
    village: VillageView  # township in `village.township`
    tally: Tally


@dataclass(frozen=True)
class CategoryLine:
    category: str
    tally: Tally


@dataclass(frozen=True)
class SatisfactionCounts:
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def rate(self) -> float | None:
        """满意率: (满意 + 基本满意) / rated; None when nobody rated."""
        return (self.satisfied + self.basic) / self.rated if self.rated else None

    def count(self, rating: Satisfaction) -> int:
        return {
            Satisfaction.SATISFIED: self.satisfied,
            Satisfaction.BASIC: self.basic,
            Satisfaction.UNSATISFIED: self.unsatisfied,
        }[rating]


@dataclass(frozen=True)
class OverdueLine:
    """A request of the month that is (or was) past its due time."""

    number: str
    village: VillageView
    category: str
    status: Status
    assignee: str | None
    due_at: datetime
    resolved_at: datetime | None  # None: still open
    days_late: int  # whole days past due (at least 1): until resolved, or until the report


@dataclass(frozen=True)
class MonthlyReport:
    month: Month
    start: datetime  # UTC; local midnight of the month's first day
    end: datetime  # UTC; local midnight of the next month's first day (exclusive)
    generated_at: datetime  # UTC; statuses, ratings and overdue are as of this moment
    complete: bool  # the month was over when the report was made
    total: Tally
    by_village: tuple[VillageLine, ...]  # every village, by township then name (zeros included)
    by_category: tuple[CategoryLine, ...]  # configured categories in order, then any other
    by_status: tuple[tuple[Status, int], ...]  # every status, lifecycle order
    satisfaction: SatisfactionCounts
    supervised: int  # requests with at least one 督办
    supervisions: int  # 督办 in all
    reopened: int  # requests sent back for rework at least once (不满意 or 重开)
    extended: int  # requests with an approved 延期
    urgent: int  # requests marked 紧急 / 特急
    overdue: tuple[OverdueLine, ...] = field(default_factory=tuple)  # most days late first


def last_complete_month(now: datetime, tz: ZoneInfo) -> Month:
    """The month before the current local month: what an admin asking for "the monthly report"
    at the start of December means (November), and a report that no longer changes by intake."""
    return Month.of(now.astimezone(tz).date()).previous()


def month_bounds(month: Month, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC: local midnights, so a request filed at 00:10 on the 1st Beijing time
    (16:10 UTC the day before) belongs to the new month."""
    start = datetime.combine(month.first_day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(month.next().first_day, time.min, tzinfo=tz).astimezone(UTC)
    return start, end


def _days_late(due: datetime, until: datetime) -> int:
    late = until - due
    return max(1, late.days + (1 if late % timedelta(days=1) else 0))


def monthly_report(helpdesk: Helpdesk, actor: Actor, month: Month | None = None) -> MonthlyReport:
    """The month's figures (admins only; default: the last complete month)."""
    context = helpdesk.context
    now = context.now()
    month = month or last_complete_month(now, context.tz)
    start, end = month_bounds(month, context.tz)
    if start > now:
        raise InvalidInput(texts.HD_ERR_REPORT_FUTURE.format(month=month.label_zh))
    with context.read() as session:
        access.require_admin(context.viewer(session, actor))
        villages = session.execute(
            select(Village).order_by(Village.township, Village.name, Village.id)
        ).scalars()
        village_views = {v.id: village_view(v) for v in villages}
        requests = (
            session.execute(
                select(HelpRequest)
                .where(HelpRequest.created_at >= start, HelpRequest.created_at < end)
                .order_by(HelpRequest.id)
            )
            .unique()
            .scalars()
            .all()
        )
        ids = [r.id for r in requests]
        extended_ids: set[int] = set()
        for chunk_start in range(0, len(ids), 500):  # bounded IN lists
            chunk = ids[chunk_start : chunk_start + 500]
            extended_ids.update(
                session.execute(
                    select(RequestExtension.request_id)
                    .where(RequestExtension.request_id.in_(chunk), RequestExtension.state == "approved")
                    .group_by(RequestExtension.request_id)
                    .having(func.count() > 0)
                ).scalars()
            )

        total = Tally()
        per_village: dict[int, Tally] = {}
        per_category: dict[str, Tally] = {}
        statuses: Counter[Status] = Counter()
        ratings: Counter[Satisfaction] = Counter()
        overdue: list[OverdueLine] = []
        supervised = supervisions = reopened = urgent = 0
        for r in requests:
            status = Status(r.status)
            statuses[status] += 1
            resolved = status in RESOLVED_STATUSES and r.resolved_at is not None
            is_open = status in OPEN_STATUSES
            late_resolved = resolved and r.resolved_at is not None and r.resolved_at > r.due_at
            late_open = is_open and r.due_at < now
            flags = {
                "resolved": resolved,
                "open_": is_open,
                "on_time": resolved and not late_resolved,
                "overdue": late_open or late_resolved,
            }
            total = total.plus(**flags)
            per_village[r.village_id] = per_village.get(r.village_id, Tally()).plus(**flags)
            per_category[r.category] = per_category.get(r.category, Tally()).plus(**flags)
            if r.rating:
                ratings[Satisfaction(r.rating)] += 1
            supervised += r.supervision_count > 0
            supervisions += r.supervision_count
            reopened += r.reopen_count > 0
            urgent += r.urgency != "normal"
            if late_open or late_resolved:
                overdue.append(
                    OverdueLine(
                        r.number,
                        village_views.get(r.village_id) or village_view(r.village),
                        r.category,
                        status,
                        r.assignee.display_name if r.assignee else None,
                        r.due_at,
                        r.resolved_at if resolved else None,
                        _days_late(r.due_at, r.resolved_at if late_resolved and r.resolved_at else now),
                    )
                )

    categories = list(context.config.categories) + sorted(set(per_category) - set(context.config.categories))
    return MonthlyReport(
        month=month,
        start=start,
        end=end,
        generated_at=now,
        complete=end <= now,
        total=total,
        by_village=tuple(VillageLine(v, per_village.get(vid, Tally())) for vid, v in village_views.items()),
        by_category=tuple(CategoryLine(c, per_category.get(c, Tally())) for c in categories),
        by_status=tuple((s, statuses[s]) for s in Status),
        satisfaction=SatisfactionCounts(
            ratings[Satisfaction.SATISFIED], ratings[Satisfaction.BASIC], ratings[Satisfaction.UNSATISFIED]
        ),
        supervised=supervised,
        supervisions=supervisions,
        reopened=reopened,
        extended=len(extended_ids),
        urgent=urgent,
        overdue=tuple(sorted(overdue, key=lambda o: (-o.days_late, o.number))),
    )
