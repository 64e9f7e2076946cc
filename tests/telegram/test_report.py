"""The admin's ledger (/export) and monthly report (/stats month) through the real PTB front end
against the fake Bot API: the files arrive, open, and say what the database says.

Issue 11 "Why": the ledger had no column for the 延期, and a reopened ticket kept its old 办结时间;
an admin had no monthly statistics to forward.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from PIL import Image

from bot import texts
from bot.helpdesk import Helpdesk
from bot.helpdesk.report import Month
from tests.fake_telegram import FakeTelegram, RunningApplication
from tests.telegram.conftest import ADMIN, SECRETARY_A, SECRETARY_B, VILLAGER, VILLAGER_2, World, user

pytestmark = pytest.mark.timeout(300)
TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _photos(tg: FakeTelegram, chat_user) -> list:
    return tg.wait_until(
        lambda: [m for m in chat_user.all_messages() if m.method == "sendPhoto"], 60, "report chart"
    )


def test_ledger_has_the_casework_columns(
    tg: FakeTelegram, bot: RunningApplication, helpdesk: Helpdesk, world: World
) -> None:
    roof = helpdesk.intake.file_request(VILLAGER, world.a.id, "房子漏雨，屋顶要修").request.number
    helpdesk.oversight.request_extension(SECRETARY_A, roof, 5, "等县里的危改材料")
    helpdesk.oversight.decide_extension(ADMIN, roof, True)
    helpdesk.casework.start(SECRETARY_A, roof)
    helpdesk.casework.progress(SECRETARY_A, roof, "瓦片买好了，明天上房")
    helpdesk.casework.resolve(SECRETARY_A, roof, "换了瓦片")
    helpdesk.followup.rate(VILLAGER, roof, "unsatisfied", "没解决，还是漏")
    water = helpdesk.intake.file_request(VILLAGER_2, world.b.id, "水管冻裂了").request.number
    helpdesk.casework.start(SECRETARY_B, water)
    helpdesk.casework.resolve(SECRETARY_B, water, "换了新水管")
    helpdesk.followup.rate(VILLAGER_2, water, "satisfied")
    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/export")
    name, content, _ = tg.wait_until(lambda: admin.documents() and admin.documents()[0], 60, "ledger")
    assert name.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    ledger = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    reopened, closed = ledger[roof], ledger[water]
    assert reopened["状态"] == "重新打开"
    assert reopened["办结时间"] is None and reopened["办结说明"] is None  # the history keeps the old one
    assert (reopened["回访结果"], reopened["回访说明"], reopened["重新办理次数"]) == (
        "不满意",
        "没解决，还是漏",
        1,
    )
    assert reopened["办理进展次数"] == 1
    assert reopened["延期次数"] == 1 and "等县里的危改材料" in reopened["延期情况"]
    assert (closed["办结说明"], closed["满意度"], closed["回访结果"]) == ("换了新水管", "满意", "满意")
    assert isinstance(closed["办结时间"], datetime)
    assert tg.errors == [] and tg.bot_errors == []


def test_monthly_report_is_sent_as_chart_and_workbook(
    tg: FakeTelegram, bot: RunningApplication, helpdesk: Helpdesk, world: World, db_url: str
) -> None:
    clock = Clock(datetime(2026, 11, 3, 9, 0, tzinfo=TZ).astimezone(UTC))
    with Helpdesk.open(db_url, clock=clock) as november:  # the same database, its clock in November
        done = november.intake.file_request(VILLAGER, world.a.id, "房子漏雨，屋顶要修").request.number
        november.casework.start(SECRETARY_A, done)
        clock.now += timedelta(hours=3)
        november.casework.resolve(SECRETARY_A, done, "换了瓦片")
        november.followup.rate(VILLAGER, done, "basically_satisfied")
        clock.now = datetime(2026, 11, 20, 9, 0, tzinfo=TZ).astimezone(UTC)
        late = november.intake.file_request(VILLAGER_2, world.b.id, "孩子上学学费交不起").request.number
        clock.now = datetime(2026, 11, 30, 23, 59, tzinfo=TZ).astimezone(UTC)
        pipe = november.intake.file_request(VILLAGER_2, world.b.id, "水管冻裂了").request.number
        november.casework.mark_unable(SECRETARY_B, pipe, "要等乡里的水管站")
        clock.now = datetime(2026, 12, 1, 0, 1, tzinfo=TZ).astimezone(UTC)  # December: not in the report
        november.intake.file_request(VILLAGER, world.a.id, "想找个公益岗位")

    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/stats", "month 2026-11")
    summary = admin.wait_for_message(timeout=60)
    assert "2026年11月求助工单月报" in summary.text
    assert "受理 3 件，办结 1 件，按时办结率 100%，超期 1 件" in summary.text
    assert "满意 0，基本满意 1，不满意 0，满意率 100%" in summary.text
    photo = _photos(tg, admin)[0]
    chart = photo.document.content
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(chart)) as image:
        assert image.format == "PNG" and image.width >= 800 and image.height >= 350
    name, content, caption = tg.wait_until(lambda: admin.documents() and admin.documents()[0], 60, "report")
    assert name == "求助工单月报_2026-11.xlsx" and "2026年11月求助工单月报" in (caption or "")
    book = openpyxl.load_workbook(io.BytesIO(content))
    villages = {(r[0], r[1]): r[2] for r in book["按村"].iter_rows(min_row=2, values_only=True) if r[1]}
    assert villages == {("龙场镇", "新寨村"): 1, ("龙场镇", "红旗村"): 2}
    overdue = [r[0] for r in book["超期清单"].iter_rows(min_row=2, values_only=True)]
    assert overdue == [late]
    assert "upload_document" in admin.chat_actions
    assert tg.errors == [] and tg.bot_errors == []


def test_monthly_report_default_month_and_refusals(
    tg: FakeTelegram, bot: RunningApplication, world: World
) -> None:
    admin = user(tg, ADMIN, "赵管理")
    last_month = Month.of(datetime.now(TZ).date()).previous()  # the last complete month
    admin.send_command("/stats")
    stats = admin.wait_for_message(timeout=60)
    assert texts.BOT_REPORT_USAGE in stats.text  # how to get the report
    button = texts.BOT_REPORT_BUTTON.format(month=last_month.label_zh)
    admin.click(stats, button)  # one press for last month's report
    name, _, _ = tg.wait_until(lambda: admin.documents() and admin.documents()[-1], 60, "report")
    assert name == f"求助工单月报_{last_month.label}.xlsx"
    admin.send_command("/stats", "month")
    tg.wait_until(lambda: len(admin.documents()) == 2, 60, "second report")
    assert admin.documents()[1].filename == f"求助工单月报_{last_month.label}.xlsx"
    admin.mark_all_read()

    admin.send_command("/stats", "month 2026-13")
    assert "看不懂月份“2026-13”" in admin.wait_for_message().text
    admin.send_command("/stats", "month 2999-01")
    assert "还没到" in admin.wait_for_message().text
    secretary = user(tg, SECRETARY_A, "王书记")
    secretary.send_command("/stats", "month")
    assert secretary.wait_for_message().text == texts.BOT_ADMIN_ONLY
    assert not secretary.documents()
    assert tg.errors == [] and tg.bot_errors == []
