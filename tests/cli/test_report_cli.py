"""`python -m bot requests report --month 2026-11 [--out FILE] [--chart FILE]` (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.assistant import Assistant, UserRef
from bot.helpdesk import OPERATOR, Helpdesk
from tests.cli.test_chat import assistant, chat  # noqa: F401 - `assistant` is a fixture
from tests.cli.test_helpdesk import Cli

TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_url, capsys)


def test_report_command_writes_the_workbook_and_chart(cli: Cli, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 1, 0, 30, tzinfo=TZ).astimezone(UTC))  # Oct 31st in UTC
    with Helpdesk.open(cli.url, clock=clock) as hd:
        village = hd.directory.add_village(OPERATOR, "新寨村", "龙场镇", "安顺县")
        hd.directory.bind_cadre(OPERATOR, 100, village.id, "第一书记", display_name="王书记")
        number = hd.intake.file_request(500, village.id, "房子漏雨，屋顶要修").request.number
        hd.casework.start(100, number)
        clock.now += timedelta(hours=1)
        hd.casework.resolve(100, number, "换了瓦片")
        hd.followup.rate(500, number, "satisfied")
        clock.now = datetime(2026, 10, 31, 23, 0, tzinfo=TZ).astimezone(UTC)
        hd.intake.file_request(500, village.id, "十月的求助，不算十一月")

    out_file, chart_file = tmp_path / "reports" / "11月.xlsx", tmp_path / "chart.png"
    code, out, err = cli(
        "requests", "report", "--month", "2026-11", "--out", str(out_file), "--chart", str(chart_file)
    )
    assert (code, err) == (0, "")
    assert out == (
        "2026-11: 1 filed, 1 resolved (100% on time), 0 overdue, 1 rated (100% satisfied)\n"
        f"report written to {out_file}\n"
    )
    book = load_workbook(out_file)
    assert book.sheetnames == ["概况", "按村", "按类别", "按状态", "超期清单"]
    with Image.open(chart_file) as image:
        assert image.format == "PNG" and image.width >= 800

    with pytest.raises(SystemExit) as exited:  # argparse: usage error, exit status 2
        cli("requests", "report", "--month", "2026-13", "--out", str(tmp_path / "x.xlsx"))
    assert exited.value.code == 2 and "invalid month '2026-13'" in cli.capsys.readouterr().err
    code, out, err = cli("requests", "report", "--month", "2999-01", "--out", str(tmp_path / "x.xlsx"))
    assert code == 1 and "还没到" in err and not (tmp_path / "x.xlsx").exists()


def test_stats_month_in_the_terminal_chat_saves_both_files(assistant: Assistant, tmp_path: Path) -> None:  # noqa: F811
    out = chat(assistant, UserRef(900, "赵管理"), "/stats month 2026-11\n/stats month 2026-13\n", tmp_path)
    assert "2026年11月求助工单月报" in out and "看不懂月份“2026-13”" in out
    with Image.open(tmp_path / "report-2026-11.png") as image:
        assert image.format == "PNG"
    assert load_workbook(tmp_path / "求助工单月报_2026-11.xlsx").sheetnames[0] == "概况"
