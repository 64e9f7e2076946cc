"""Operator CLI: `requests list|show|export`, `admin village|cadre|person|invite` (English output)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.__main__ import main
from bot.cli import admin, requests
from bot.cli.table import display_width, format_table
from bot.helpdesk import Helpdesk
from tests.helpdesk.conftest import table_counts

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url, self.capsys = url, capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        command = list(argv)
        # --database-url belongs to the leaf command: append it last.
        code = main([*command, "--database-url", self.url])
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_url, capsys)


def _seed_with_cli(cli: Cli) -> None:
    assert cli("admin", "village", "add", "新寨村", "--township", "龙场镇", "--county", "安顺县")[0] == 0
    assert cli("admin", "village", "add", "红旗村", "--township", "龙场镇")[0] == 0
    assert cli("admin", "cadre", "add", "100", "王书记", "--village", "新寨村", "--post", "第一书记")[0] == 0
    assert cli("admin", "cadre", "add", "200", "陈书记", "--village", "2", "--post", "第一书记")[0] == 0


def test_admin_commands(cli: Cli) -> None:
    code, out, _ = cli("admin", "village", "list")
    assert code == 0 and "No villages yet" in out
    code, out, _ = cli("admin", "village", "add", "新寨村", "--township", "龙场镇", "--county", "安顺县")
    assert code == 0 and out == "village registered: 安顺县龙场镇新寨村 (id 1)\n"
    _, out, _ = cli("admin", "village", "list")
    assert out.splitlines()[0].split() == ["Id", "Village", "Township", "County"]
    assert out.splitlines()[2].split() == ["1", "新寨村", "龙场镇", "安顺县"]
    code, out, _ = cli("admin", "cadre", "add", "100", "王书记", "--village", "新寨村", "--post", "第一书记")
    assert code == 0 and "新寨村·第一书记" in out
    code, out, _ = cli("admin", "person", "add", "900", "赵管理", "--role", "admin")
    assert code == 0 and out.splitlines()[2].split() == ["900", "赵管理", "admin", "—"]
    code, out, _ = cli("admin", "cadre", "bind", "900", "--village", "1", "--post", "乡镇干部")
    assert code == 0 and "新寨村·乡镇干部" in out
    code, out, _ = cli("admin", "cadre", "list", "--village", "新寨村")
    assert code == 0 and out.index("王书记") < out.index("赵管理")  # routing order
    code, out, _ = cli(
        "admin", "invite", "create", "--village", "新寨村", "--post", "驻村工作队员", "--days", "3"
    )
    assert code == 0 and "invite code: " in out and "新寨村 驻村工作队员 (single use, before " in out
    code_text = out.split("invite code: ")[1].split()[0]
    with Helpdesk.open(cli.url) as helpdesk:
        assert helpdesk.directory.redeem_invite(code_text, 301, "孙队员").posts[0].post == "驻村工作队员"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["admin", "cadre", "add", "101", "李", "--village", "新寨村", "--post", "书记"], "职务“书记”不正确"),
        (
            ["admin", "cadre", "add", "101", "李", "--village", "不存在村", "--post", "第一书记"],
            "没有找到村庄",
        ),
        (["admin", "cadre", "bind", "555", "--village", "新寨村", "--post", "第一书记"], "没有找到用户 555"),
        (["admin", "village", "add", "新寨村", "--township", "龙场镇", "--county", "安顺县"], "已经登记过了"),
        (["admin", "person", "add", "7", "某人", "--role", "boss"], "身份“boss”不正确"),
        (["requests", "show", "2026-000999"], "没有找到编号为“2026-000999”的工单"),
        (["requests", "list", "--village", "不存在村"], "没有找到村庄"),
        (["requests", "list", "--category", "天气"], "类别“天气”不存在"),
        (["requests", "list", "--as", "200", "--village", "新寨村"], "无权查看"),
        (["requests", "show", "2026-000001", "--as", "4321"], "登记"),
    ],
)
def test_bad_input_exits_1_with_the_helpdesk_message(cli: Cli, argv: list[str], message: str) -> None:
    _seed_with_cli(cli)
    with Helpdesk.open(cli.url) as helpdesk:
        helpdesk.intake.file_request(500, 1, "房子漏雨")
        before = table_counts(helpdesk)
    code, _out, err = cli(*argv)
    assert code == 1
    assert err.startswith("error: ") and message in err, err
    with Helpdesk.open(cli.url) as helpdesk:
        assert table_counts(helpdesk) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["requests", "list", "--from", "2026-13-01"], "invalid date '2026-13-01': expected YYYY-MM-DD"),
        (["requests", "list", "--status", "乱写"], "unknown status '乱写'; one of: submitted (已受理), "),
        (
            ["admin", "cadre", "add", "abc", "李", "--village", "1", "--post", "第一书记"],
            "expected a Telegram user id (a positive number), got 'abc'",
        ),
        (["requests", "list", "--limit", "0"], "expected a positive whole number, got 0"),
        (["requests", "export"], "--output"),
    ],
)
def test_usage_errors_exit_2(cli: Cli, argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as caught:
        cli(*argv)
    assert caught.value.code == 2
    assert message in cli.capsys.readouterr().err


def test_requests_commands(cli: Cli, tmp_path: Path) -> None:
    _seed_with_cli(cli)
    with Helpdesk.open(cli.url) as helpdesk:
        first = helpdesk.intake.file_request(
            500, 1, "家里房子漏雨，电话13812345678", phone="13812345678"
        ).request.number
        second = helpdesk.intake.file_request(501, 2, "失业了想找工作").request.number
        helpdesk.casework.start(200, second)
    code, out, _ = cli("requests", "list")
    assert code == 0 and first in out and second in out and " assigned " in out and " in_progress " in out
    assert out.splitlines()[0].split() == [
        "Number", "Filed", "Village", "Category", "Status", "Assignee", "Due", "Problem"
    ]
    assert out.rstrip().endswith("rows 1-2")
    _, out, _ = cli("requests", "list", "--status", "办理中")
    assert second in out and first not in out
    _, out, _ = cli("requests", "list", "--status", "in_progress")
    assert second in out and first not in out
    _, out, _ = cli("requests", "list", "--village", "新寨村", "--open")
    assert first in out and second not in out
    _, out, _ = cli("requests", "list", "--as", "501")
    assert second in out and first not in out
    _, out, _ = cli("requests", "list", "--requester", "500")
    assert first in out and second not in out
    _, out, _ = cli("requests", "list", "--requester", "999")
    assert out == "No matching requests.\n"
    _, out, _ = cli("requests", "list", "--category", "医疗")
    assert out == "No matching requests.\n"
    code, out, _ = cli("requests", "show", first)
    assert code == 0 and "13812345678" in out and "\nHistory:\n" in out and "自动派给第一书记王书记" in out
    assert out.startswith(f"Number          {first}\nStatus          assigned\nVillage         安顺县龙场镇新寨村\n")
    code, out, err = cli("requests", "show", first, "--as", "200")  # other village's cadre
    assert code == 1 and out == "" and "无权查看" in err
    code, out, _ = cli("requests", "show", first, "--as", "500")  # the requester
    assert code == 0 and "13812345678" in out
    code, out, _ = cli("requests", "export", "-o", str(tmp_path / "台账.xlsx"))
    assert code == 0 and out == f"exported 2 requests to {tmp_path / '台账.xlsx'}\n"
    assert load_workbook(tmp_path / "台账.xlsx").active.max_row == 3
    code, out, _ = cli("requests", "export", "-o", str(tmp_path / "b.csv"), "--requester", "501")
    assert code == 0 and "exported 1 request to" in out
    code, out, _ = cli("requests", "export", "-o", str(tmp_path / "a.csv"), "--masked", "--village", "1")
    assert code == 0 and "exported 1 request to" in out
    content = (tmp_path / "a.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b"13812345678" not in content


def test_register_plugs_into_a_host_parser() -> None:
    parser = argparse.ArgumentParser(prog="bot")
    subparsers = parser.add_subparsers(dest="command", required=True)
    subparsers.add_parser("ask")  # the host's own commands coexist
    requests.register(subparsers)
    admin.register(subparsers)
    args = parser.parse_args(["requests", "list", "--overdue", "--limit", "5"])
    assert callable(args.func) and args.overdue and args.limit == 5
    args = parser.parse_args(["admin", "village", "add", "新村"])
    assert args.name == "新村" and callable(args.func)


def test_table_alignment_counts_chinese_as_double_width() -> None:
    assert display_width("新寨村") == 6 and display_width("ab") == 2
    lines = format_table(["编号", "村"], [["1", "新寨村"], ["22", "红旗"]]).splitlines()
    assert lines[2] == "1     新寨村" and lines[3] == "22    红旗"


def test_runs_through_python_m_bot(db_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "admin", "village", "add", "新寨村", "--database-url", db_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "village registered: 新寨村 (id 1)\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "requests", "show", "2026-1", "--database-url", db_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and result.stderr.startswith("error: ") and "没有找到编号" in result.stderr
