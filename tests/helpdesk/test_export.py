"""Ledger export (台账): XLSX and CSV match the database; Chinese survives; filters work."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from bot.helpdesk import OPERATOR, Helpdesk, PermissionDenied, RequestFilter, Status
from bot.helpdesk.export import export_ledger, headers
from tests.helpdesk.conftest import MEMBER_A, SECRETARY_A, SECRETARY_B, VILLAGER_1, VILLAGER_2, Clock, World

TZ = ZoneInfo("Asia/Shanghai")
FORMULA = '=HYPERLINK("http://example.com","点我") 房子漏雨'


def _seed(hd: Helpdesk, world: World, clock: Clock) -> dict[str, str]:
    """Requests spread over three local days, two villages, several categories and statuses."""
    n = {}
    n["roof"] = hd.intake.file_request(
        VILLAGER_1, world.a.id, "房子漏雨，电话13812345678", phone="13812345678", address="3组12号"
    ).request.number
    n["school"] = hd.intake.file_request(VILLAGER_2, world.a.id, "孩子上学学费交不起").request.number
    clock.advance(days=1)
    n["water"] = hd.intake.file_request(VILLAGER_1, world.b.id, "水管坏了没水喝").request.number
    n["formula"] = hd.intake.file_request(VILLAGER_2, world.a.id, FORMULA).request.number
    clock.advance(days=1)
    n["job"] = hd.intake.file_request(VILLAGER_2, world.b.id, "失业了想找工作", urgency="紧急").request.number
    hd.casework.start(SECRETARY_A, n["roof"])
    hd.casework.progress(SECRETARY_A, n["roof"], "瓦片已买好，明天上房")
    hd.casework.resolve(SECRETARY_A, n["roof"], "已修好")
    hd.casework.feedback(VILLAGER_1, n["roof"], True, "满意")
    hd.casework.mark_unable(SECRETARY_B, n["water"], "需县水务局立项")
    return n


def _xlsx_rows(path: Path) -> list[list[object]]:
    sheet = load_workbook(path).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _local(value) -> object:
    return value.astimezone(TZ).replace(second=0, microsecond=0, tzinfo=None) if value else None


def test_xlsx_matches_the_database(hd: Helpdesk, world: World, clock: Clock, tmp_path: Path) -> None:
    numbers = _seed(hd, world, clock)
    path = tmp_path / "台账.xlsx"
    assert export_ledger(hd, OPERATOR, path, "xlsx") == 5
    rows = _xlsx_rows(path)
    assert rows[0] == headers()
    assert rows[0][:3] == ["工单编号", "受理时间", "县（区）"]
    col = {name: i for i, name in enumerate(headers())}
    with hd.engine.connect() as conn:
        db = conn.execute(
            text(
                "SELECT r.number, r.description, r.status, r.category, r.phone, r.address, v.name AS village, "
                "p.display_name AS requester FROM requests r JOIN villages v ON v.id = r.village_id "
                "JOIN people p ON p.id = r.requester_id ORDER BY r.id"
            )
        ).all()
    assert [r[col["工单编号"]] for r in rows[1:]] == [d.number for d in db]
    for row, d in zip(rows[1:], db, strict=True):
        assert row[col["问题描述"]] == d.description
        assert row[col["状态"]] == Status(d.status).label
        assert row[col["类别"]] == d.category
        assert (row[col["联系电话"]] or None) == d.phone
        assert (row[col["住址/户号"]] or "") == d.address
        assert row[col["村"]] == d.village
        assert row[col["求助人"]] == d.requester
        view = hd.queries.show(OPERATOR, d.number)
        assert row[col["受理时间"]] == _local(view.created_at)
        assert row[col["办理时限"]] == _local(view.due_at)
        assert row[col["办结时间"]] == _local(view.resolved_at)
        assert row[col["承办人"]] == (view.assignee_name or None)
        assert row[col["是否超期"]] == ("是" if view.overdue else "否")
        assert row[col["办结说明"]] == (view.resolution_note or None)
        assert (row[col["办理进展次数"]], row[col["重新办理次数"]]) == (view.progress_count, view.reopen_count)
        assert (row[col["督办次数"]], row[col["照片数"]]) == (view.supervision_count, view.attachment_count)
    roof = rows[1 + list(numbers).index("roof")]
    assert roof[col["满意度"]] == "满意" and roof[col["回访说明"]] == "满意"
    assert (roof[col["办结说明"]], roof[col["回访结果"]], roof[col["办理进展次数"]]) == ("已修好", "满意", 1)
    water = rows[1 + list(numbers).index("water")]
    assert water[col["状态"]] == "无法办理"


def test_formula_like_text_stays_text(hd: Helpdesk, world: World, clock: Clock, tmp_path: Path) -> None:
    numbers = _seed(hd, world, clock)
    export_ledger(hd, OPERATOR, tmp_path / "l.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "l.xlsx").active
    col = headers().index("问题描述") + 1
    row = 2 + list(numbers).index("formula")
    assert sheet.cell(row, col).value == FORMULA
    assert sheet.cell(row, col).data_type == "s"
    export_ledger(hd, OPERATOR, tmp_path / "l.csv", "csv")
    with (tmp_path / "l.csv").open(encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.reader(handle))
    assert csv_rows[1 + list(numbers).index("formula")][col - 1] == "'" + FORMULA


def test_csv_has_bom_and_chinese_intact(hd: Helpdesk, world: World, clock: Clock, tmp_path: Path) -> None:
    _seed(hd, world, clock)
    path = tmp_path / "台账.csv"
    export_ledger(hd, OPERATOR, path, "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    export_ledger(hd, OPERATOR, tmp_path / "same.xlsx", "xlsx")
    xlsx = _xlsx_rows(tmp_path / "same.xlsx")
    assert rows[0] == xlsx[0] == headers()

    def as_text(value: object) -> str:
        if value is None:
            return ""
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else str(value)

    for csv_row, xlsx_row in zip(rows[1:], xlsx[1:], strict=True):
        expected = [as_text(v) for v in xlsx_row]
        expected = [("'" + v) if v.startswith("=") else v for v in expected]
        assert csv_row == expected
    assert any("房子漏雨" in cell for row in rows for cell in row)


def test_filters(hd: Helpdesk, world: World, clock: Clock, tmp_path: Path) -> None:
    n = _seed(hd, world, clock)
    day1 = clock.now.astimezone(TZ).date().toordinal() - 2

    def exported(**kw: object) -> list[str]:
        path = tmp_path / "f.csv"
        export_ledger(hd, OPERATOR, path, "csv", RequestFilter(**kw))  # type: ignore[arg-type]
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [r[0] for r in list(csv.reader(handle))[1:]]

    assert exported(village=world.b.id) == [n["water"], n["job"]]
    assert exported(village="新寨村") == [n["roof"], n["school"], n["formula"]]
    assert exported(statuses=(Status.CLOSED, Status.UNABLE)) == [n["roof"], n["water"]]
    assert exported(category="就业") == [n["job"]]
    assert exported(created_from=date.fromordinal(day1 + 1)) == [n["water"], n["formula"], n["job"]]
    assert exported(created_to=date.fromordinal(day1)) == [n["roof"], n["school"]]
    one_day = date.fromordinal(day1 + 1)
    assert exported(created_from=one_day, created_to=one_day) == [n["water"], n["formula"]]
    assert exported(village=world.a.id, statuses=(Status.ASSIGNED,), category="教育") == [n["school"]]
    assert exported(category="医疗") == []


def test_cadre_export_is_scoped_and_masked(hd: Helpdesk, world: World, clock: Clock, tmp_path: Path) -> None:
    n = _seed(hd, world, clock)
    path = tmp_path / "member.xlsx"
    export_ledger(hd, MEMBER_A, path, "xlsx")
    rows = _xlsx_rows(path)
    col = {name: i for i, name in enumerate(headers())}
    assert [r[0] for r in rows[1:]] == [n["roof"], n["school"], n["formula"]]
    roof = rows[1]
    assert roof[col["联系电话"]] == "138****5678"
    assert "13812345678" not in roof[col["问题描述"]]
    with pytest.raises(PermissionDenied):
        export_ledger(hd, MEMBER_A, tmp_path / "other.xlsx", "xlsx", RequestFilter(village=world.b.id))
    assert not (tmp_path / "other.xlsx").exists() and not list(tmp_path.glob("*.part"))


def test_masked_export_for_sharing(hd: Helpdesk, world: World, clock: Clock, tmp_path: Path) -> None:
    _seed(hd, world, clock)
    path = tmp_path / "shared.csv"
    export_ledger(hd, OPERATOR, path, "csv", masked=True)
    content = path.read_text(encoding="utf-8-sig")
    assert "13812345678" not in content and "138****5678" in content
    assert VILLAGER_1 and SECRETARY_A  # cast used by _seed
