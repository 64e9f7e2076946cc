"""Monthly report (月报): figures match the database, month bounds are local midnights, the
workbook opens with openpyxl, the chart is a real PNG. Runs on SQLite and PostgreSQL.

Expected figures are computed here from what each seeded request went through (the `Seed`
list), not from the code under test; the status counts are also counted with plain SQL.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select, text

from bot import texts
from bot.helpdesk import OPERATOR, Helpdesk, InvalidInput, PermissionDenied, Status, VillageView
from bot.helpdesk.config import DEFAULT_DEADLINE_DAYS
from bot.helpdesk.models import HelpRequest, RequestExtension
from bot.helpdesk.report import (
    CategoryLine,
    Month,
    MonthlyReport,
    SatisfactionCounts,
    Tally,
    VillageLine,
    monthly_report,
)
from bot.helpdesk.report_files import cjk_font, render_chart, report_files
from tests.helpdesk.conftest import ADMIN, SECRETARY_A, SECRETARY_B, VILLAGER_1, VILLAGER_2, Clock, World

TZ = ZoneInfo("Asia/Shanghai")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPORT_TIME = datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
RESOLVED_FATES = {"on_time", "late", "satisfied", "basic"}


@dataclass(frozen=True)
class Seed:
    """One request: when it was filed (local time), where, what, and what happened to it."""

    when: datetime
    village: str  # "a" 新寨村 (龙场镇) or "b" 红旗村 (龙场镇)
    category: str
    fate: str  # open, on_time, late, satisfied, basic, unsatisfied, unable, duplicate
    supervised: int = 0  # 督办 recorded for it
    extension: str | None = None  # approved / pending


SEEDS = [
    # October, the last half hour Beijing time (15:30 UTC): not November.
    Seed(datetime(2026, 10, 31, 23, 30, tzinfo=TZ), "a", "住房安全", "satisfied"),
    # November 1st, ten past midnight Beijing time = October 31st 16:10 UTC: November.
    Seed(datetime(2026, 11, 1, 0, 10, tzinfo=TZ), "a", "住房安全", "open", supervised=2),
    Seed(datetime(2026, 11, 2, 9, 0, tzinfo=TZ), "a", "教育", "on_time"),
    Seed(datetime(2026, 11, 3, 9, 0, tzinfo=TZ), "a", "住房安全", "late", extension="approved"),
    Seed(datetime(2026, 11, 5, 9, 0, tzinfo=TZ), "b", "饮水安全", "satisfied"),
    Seed(datetime(2026, 11, 8, 14, 0, tzinfo=TZ), "b", "就业", "basic"),
    Seed(datetime(2026, 11, 12, 9, 0, tzinfo=TZ), "a", "医疗", "unsatisfied", supervised=1),
    Seed(datetime(2026, 11, 20, 9, 0, tzinfo=TZ), "b", "教育", "unable"),
    Seed(datetime(2026, 11, 21, 9, 0, tzinfo=TZ), "b", "教育", "duplicate", extension="pending"),
    # November 30th, ten to midnight Beijing time: November, due after the report is made.
    Seed(datetime(2026, 11, 30, 23, 50, tzinfo=TZ), "b", "住房安全", "open"),
    # December 1st, five past midnight Beijing time = November 30th 16:05 UTC: not November.
    Seed(datetime(2026, 12, 1, 0, 5, tzinfo=TZ), "b", "医疗", "open"),
]
NOVEMBER = [s for s in SEEDS if s.when.month == 11]


@dataclass(frozen=True)
class Seeded:
    number: str
    seed: Seed
    due: datetime  # the due time the request has at the end (independently computed)


def _working_due(start: datetime, days: int) -> datetime:
    """24:00 Beijing time of the `days`-th official working day after `start`'s day (12345 counting)."""
    day: date = start.astimezone(TZ).date()
    while days:
        day += timedelta(days=1)
        days -= chinese_calendar.is_workday(day)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=TZ)


def _seed(hd: Helpdesk, world: World, clock: Clock) -> list[Seeded]:
    villages = {"a": world.a, "b": world.b}
    cadres = {"a": SECRETARY_A, "b": SECRETARY_B}
    out = []
    anchors: dict[str, str] = {}  # the first request of each village: what a duplicate points to
    for seed in SEEDS:
        clock.now = seed.when.astimezone(UTC)
        number = hd.intake.file_request(
            VILLAGER_1,
            villages[seed.village].id,
            f"{seed.category}方面的困难，请帮忙",
            category=seed.category,
        ).request.number
        days = DEFAULT_DEADLINE_DAYS[seed.category]
        due = _working_due(seed.when, days)
        cadre = cadres[seed.village]
        if seed.fate in RESOLVED_FATES | {"unsatisfied"}:
            hd.casework.start(cadre, number)
            clock.now += timedelta(days=30) if seed.fate == "late" else timedelta(hours=2)
            hd.casework.resolve(cadre, number, "已经办好")
            clock.now += timedelta(hours=1)
            rating = {"satisfied": "satisfied", "basic": "basically_satisfied", "unsatisfied": "unsatisfied"}
            if seed.fate in rating:
                hd.followup.rate(VILLAGER_1, number, rating[seed.fate], "回访")
            if seed.fate == "unsatisfied":  # reopened for rework: due again from now
                due = _working_due(clock.now, days)
        elif seed.fate == "unable":
            hd.casework.mark_unable(cadre, number, "需要县里立项")
        elif seed.fate == "duplicate":
            hd.casework.mark_duplicate(cadre, number, anchors[seed.village])
        anchors.setdefault(seed.village, number)
        out.append(Seeded(number, seed, due))
    with hd.engine.begin() as conn:
        for item in out:
            if item.seed.supervised:
                conn.execute(
                    text("UPDATE requests SET supervision_count = :n WHERE number = :number"),
                    {"n": item.seed.supervised, "number": item.number},
                )
    with hd.context.write() as session:  # 延期 rows as the oversight part stores them
        for item in out:
            if item.seed.extension:
                request_id = session.execute(
                    text("SELECT id FROM requests WHERE number = :n"), {"n": item.number}
                ).scalar_one()
                session.add(
                    RequestExtension(
                        request_id=request_id,
                        state=item.seed.extension,
                        reason="等县里的材料",
                        old_due_at=item.due,
                        new_due_at=item.due + timedelta(days=3),
                        requested_by="王书记",
                        requested_at=item.due,
                    )
                )
    clock.now = REPORT_TIME.astimezone(UTC)
    return out


def _expected(seeded: list[Seeded]) -> dict[str, object]:
    """The November figures, from what happened to each seeded request."""
    now = REPORT_TIME
    november = [s for s in seeded if s.seed.when.month == 11]
    resolved = [s for s in november if s.seed.fate in RESOLVED_FATES]
    on_time = [s for s in resolved if s.seed.fate != "late"]
    still_open = [s for s in november if s.seed.fate in {"open", "unsatisfied"}]
    overdue = [s for s in still_open if s.due < now] + [s for s in resolved if s.seed.fate == "late"]
    return {
        "filed": len(november),
        "resolved": len(resolved),
        "on_time": len(on_time),
        "open": len(still_open),
        "overdue": sorted(s.number for s in overdue),
        "by_village": Counter(s.seed.village for s in november),
        "by_category": Counter(s.seed.category for s in november),
        "ratings": Counter(
            s.seed.fate for s in november if s.seed.fate in {"satisfied", "basic", "unsatisfied"}
        ),
        "supervised": sum(1 for s in november if s.seed.supervised),
        "supervisions": sum(s.seed.supervised for s in november),
        "extended": sum(1 for s in november if s.seed.extension == "approved"),
    }


def test_figures_match_the_database(hd: Helpdesk, world: World, clock: Clock) -> None:
    seeded = _seed(hd, world, clock)
    expected = _expected(seeded)
    report = monthly_report(hd, OPERATOR, Month(2026, 11))

    assert report.complete and report.month.label == "2026-11"
    assert report.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # local midnight, in UTC
    assert report.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    t = report.total
    assert (t.filed, t.resolved, t.on_time, t.open) == (
        expected["filed"],
        expected["resolved"],
        expected["on_time"],
        expected["open"],
    )
    assert t.filed == 9  # the two requests filed minutes from the bounds, on the wrong side in UTC, are out
    assert t.overdue == len(expected["overdue"])
    assert sorted(o.number for o in report.overdue) == expected["overdue"]
    assert t.on_time_rate == pytest.approx(expected["on_time"] / expected["resolved"])

    by_village = {line.village.name: line.tally.filed for line in report.by_village}
    assert by_village == {"新寨村": expected["by_village"]["a"], "红旗村": expected["by_village"]["b"]}
    assert {line.village.township for line in report.by_village} == {"龙场镇"}
    by_category = {line.category: line.tally.filed for line in report.by_category if line.tally.filed}
    assert by_category == dict(expected["by_category"])
    assert [c.category for c in report.by_category][: len(hd.categories)] == list(hd.categories)

    # Status counts against plain SQL over the local month's bounds.
    start = datetime(2026, 11, 1, tzinfo=TZ).astimezone(UTC)
    end = datetime(2026, 12, 1, tzinfo=TZ).astimezone(UTC)
    with hd.engine.connect() as conn:
        rows = conn.execute(
            select(HelpRequest.status, func.count())
            .where(HelpRequest.created_at >= start, HelpRequest.created_at < end)
            .group_by(HelpRequest.status)
        ).all()
    assert {s: n for s, n in report.by_status if n} == {Status(s): n for s, n in rows}
    assert [s for s, _ in report.by_status] == list(Status)

    ratings = expected["ratings"]
    sat = report.satisfaction
    assert (sat.satisfied, sat.basic, sat.unsatisfied) == (
        ratings["satisfied"],
        ratings["basic"],
        ratings["unsatisfied"],
    )
    assert sat.rate == pytest.approx((ratings["satisfied"] + ratings["basic"]) / sum(ratings.values()))
    assert (report.supervised, report.supervisions) == (expected["supervised"], expected["supervisions"])
    assert report.reopened == 1 and report.extended == expected["extended"] == 1
    late = next(o for o in report.overdue if o.resolved_at is not None)
    assert late.days_late == math.ceil((late.resolved_at - late.due_at) / timedelta(days=1))


def test_workbook_and_chart(hd: Helpdesk, world: World, clock: Clock) -> None:
    seeded = _seed(hd, world, clock)
    expected = _expected(seeded)
    report = monthly_report(hd, OPERATOR, Month(2026, 11))
    workbook_bytes, chart = report_files(report, TZ)

    assert chart.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(chart)) as image:
        image.load()
        assert image.format == "PNG" and image.width >= 800 and image.height >= 350
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50  # bars, text and axes, not a blank canvas
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as archive:
        media = [name for name in archive.namelist() if name.startswith("xl/media/")]
        assert len(media) == 1 and archive.read(media[0]) == chart  # the same chart, embedded

    book = load_workbook(io.BytesIO(workbook_bytes))
    assert book.sheetnames == list(texts.HD_REPORT_SHEETS.values())
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True) if row[0]}
    labels = texts.HD_REPORT_SUMMARY
    assert summary[labels["month"]] == "2026年11月"
    assert "2026-11-01 至 2026-11-30" in summary[labels["scope"]]
    assert summary[labels["as_of"]].startswith("2026-12-03 10:00")
    assert summary[labels["filed"]] == expected["filed"]
    assert summary[labels["resolved"]] == expected["resolved"]
    assert summary[labels["overdue"]] == len(expected["overdue"])
    assert summary[labels["on_time_rate"]] == pytest.approx(expected["on_time"] / expected["resolved"])
    assert summary[labels["unsatisfied"]] == 1 and summary[labels["extended"]] == 1
    assert labels["partial"] not in summary

    villages = list(book["按村"].iter_rows(values_only=True))
    assert villages[0][:3] == ("乡镇", "村", "受理")
    assert {(r[0], r[1]): r[2] for r in villages[1:-1]} == {
        ("龙场镇", "新寨村"): expected["by_village"]["a"],
        ("龙场镇", "红旗村"): expected["by_village"]["b"],
    }
    assert villages[-1][0] == "合计" and villages[-1][2] == expected["filed"]
    categories = {r[0]: r[1] for r in book["按类别"].iter_rows(min_row=2, values_only=True)}
    assert {c: n for c, n in categories.items() if n and c != "合计"} == dict(expected["by_category"])
    statuses = {r[0]: r[1] for r in book["按状态"].iter_rows(min_row=2, values_only=True)}
    assert statuses["无法办理"] == 1 and statuses["重复工单"] == 1 and statuses["合计"] == expected["filed"]
    overdue = list(book["超期清单"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in overdue) == expected["overdue"]
    assert all(isinstance(r[6], datetime) and r[8] >= 1 for r in overdue)


def test_cjk_font_is_installed_for_the_chart() -> None:
    # scripts/install.sh installs fonts-noto-cjk; without a CJK font the chart's words are boxes.
    assert cjk_font() is not None


def test_an_empty_month_still_makes_a_report(hd: Helpdesk, world: World, clock: Clock) -> None:
    clock.now = datetime(2026, 5, 10, tzinfo=UTC)
    report = monthly_report(hd, OPERATOR, Month(2026, 4))
    assert report.total.filed == 0 and report.total.on_time_rate is None and report.satisfaction.rate is None
    assert [line.tally.filed for line in report.by_village] == [0, 0]
    assert render_chart(report).startswith(PNG_SIGNATURE)
    book = load_workbook(io.BytesIO(report_files(report, TZ)[0]))
    assert book["超期清单"]["A2"].value == texts.HD_REPORT_NONE


def test_default_month_and_bad_months(hd: Helpdesk, world: World, clock: Clock) -> None:
    # 2026-12-01 00:30 Beijing time is still November 30th in UTC: the last complete month is November.
    clock.now = datetime(2026, 12, 1, 0, 30, tzinfo=TZ).astimezone(UTC)
    assert monthly_report(hd, ADMIN).month == Month(2026, 11)
    current = monthly_report(hd, OPERATOR, Month(2026, 12))
    assert not current.complete
    with pytest.raises(InvalidInput, match="还没到"):
        monthly_report(hd, OPERATOR, Month(2027, 1))
    with pytest.raises(PermissionDenied):
        monthly_report(hd, SECRETARY_A, Month(2026, 11))
    with pytest.raises(PermissionDenied):
        monthly_report(hd, VILLAGER_2, Month(2026, 11))


@pytest.mark.parametrize(
    ("given", "month"),
    [
        ("2026-11", Month(2026, 11)),
        ("2026/3", Month(2026, 3)),
        ("2026年11月", Month(2026, 11)),
        ("202601", Month(2026, 1)),
    ],
)
def test_month_parsing(given: str, month: Month) -> None:
    assert Month.parse(given) == month


@pytest.mark.parametrize("given", ["2026-13", "11", "上个月", "2026-00", "", "1999-12"])
def test_bad_month_is_refused_in_chinese(given: str) -> None:
    with pytest.raises(InvalidInput, match="看不懂月份"):
        Month.parse(given)


def test_month_arithmetic() -> None:
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 11).label_zh == "2026年11月"


def test_a_county_with_many_villages_gets_a_chart_telegram_accepts() -> None:
    """200 villages would make a picture 9000 px tall (Telegram refuses photos over 10000 px in
    width + height); the chart draws the 25 busiest, the workbook keeps every village."""
    now = datetime(2026, 12, 2, tzinfo=UTC)
    lines = tuple(
        VillageLine(VillageView(i, f"{i}号村", "龙场镇", "安顺县"), Tally(filed=i % 7, resolved=i % 3))
        for i in range(1, 201)
    )
    report = MonthlyReport(
        month=Month(2026, 11),
        start=datetime(2026, 10, 31, 16, tzinfo=UTC),
        end=datetime(2026, 11, 30, 16, tzinfo=UTC),
        generated_at=now,
        complete=True,
        total=Tally(filed=sum(line.tally.filed for line in lines)),
        by_village=lines,
        by_category=(CategoryLine("住房安全", Tally(filed=5)),),
        by_status=tuple((s, 0) for s in Status),
        satisfaction=SatisfactionCounts(),
        supervised=0,
        supervisions=0,
        reopened=0,
        extended=0,
        urgent=0,
    )
    workbook, chart = report_files(report, TZ)
    with Image.open(io.BytesIO(chart)) as image:
        assert image.width + image.height <= 10_000 and image.height <= 2000
    villages = list(load_workbook(io.BytesIO(workbook))["按村"].iter_rows(min_row=2, values_only=True))
    assert len(villages) == 200 + 1  # every village, and the 合计 row
