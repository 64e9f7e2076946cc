"""Ledger (台账) columns for the casework of issue 11: 办结说明, 办理进展, 回访结果, 满意度, 重新办理,
督办, 延期; a reopened request loses its 办结时间 in the ledger while its history keeps it; a ledger
exported for sharing masks phones in every free-text column. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.helpdesk import OPERATOR, Helpdesk, Status
from bot.helpdesk.export import export_ledger, headers
from tests.helpdesk.conftest import ADMIN, SECRETARY_A, VILLAGER_1, Clock, World

TZ = ZoneInfo("Asia/Shanghai")


def _ledger(
    hd: Helpdesk, path: Path, *, actor=OPERATOR, masked: bool = False
) -> dict[str, dict[str, object]]:
    export_ledger(hd, actor, path, "xlsx", masked=masked)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert list(rows[0]) == headers()
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def _local(value: datetime) -> datetime:
    return value.astimezone(TZ).replace(second=0, microsecond=0, tzinfo=None)


def test_reopened_request_loses_its_resolution_time_but_history_keeps_it(
    hd: Helpdesk, world: World, clock: Clock, tmp_path: Path
) -> None:
    number = hd.intake.file_request(VILLAGER_1, world.a.id, "房子漏雨，屋顶要修").request.number
    hd.casework.start(SECRETARY_A, number)
    hd.casework.progress(SECRETARY_A, number, "瓦片买好了")
    clock.advance(hours=5)
    first_resolution = hd.casework.resolve(SECRETARY_A, number, "换了瓦片").request.resolved_at
    assert first_resolution is not None
    row = _ledger(hd, tmp_path / "1.xlsx")[number]
    assert row["办结时间"] == _local(first_resolution)
    assert (row["办结说明"], row["办理进展次数"], row["回访结果"]) == ("换了瓦片", 1, None)

    clock.advance(days=1)
    hd.followup.rate(VILLAGER_1, number, "unsatisfied", "还是漏，没人来看")
    row = _ledger(hd, tmp_path / "2.xlsx")[number]
    assert row["状态"] == Status.REOPENED.label
    assert row["办结时间"] is None and row["办结说明"] is None and row["回访关闭时间"] is None
    assert (row["回访结果"], row["满意度"], row["重新办理次数"]) == ("不满意", "不满意", 1)
    assert row["回访说明"] == "还是漏，没人来看"
    history = hd.queries.show(OPERATOR, number).events
    assert [e.at for e in history if e.kind == "resolve"] == [first_resolution]

    hd.casework.start(SECRETARY_A, number)
    clock.advance(hours=3)
    second = hd.casework.resolve(SECRETARY_A, number, "重新做了防水").request.resolved_at
    hd.followup.rate(VILLAGER_1, number, "basically_satisfied")
    row = _ledger(hd, tmp_path / "3.xlsx")[number]
    assert second is not None and second > first_resolution
    assert (row["办结时间"], row["办结说明"]) == (_local(second), "重新做了防水")
    assert (row["回访结果"], row["重新办理次数"], row["状态"]) == ("基本满意", 1, Status.CLOSED.label)


def test_ledger_shows_extensions_and_supervision(
    hd: Helpdesk, world: World, clock: Clock, tmp_path: Path
) -> None:
    """Why: 延期 was not visible in the ledger (issue 11 items 4 and 10)."""
    slow = hd.intake.file_request(VILLAGER_1, world.a.id, "村口的路坏了一大段，需要修").request.number
    other = hd.intake.file_request(VILLAGER_1, world.a.id, "孩子上学学费交不起").request.number
    # 其他: 5 working days from Monday 03-02 → end of Monday 03-09 (24:00 local = 16:00 UTC).
    assert hd.queries.show(OPERATOR, slow).due_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    hd.oversight.request_extension(SECRETARY_A, slow, 3, "材料没交齐，等补")
    hd.oversight.decide_extension(ADMIN, slow, False)
    hd.oversight.request_extension(SECRETARY_A, slow, 5, "等县交通局出方案")
    hd.oversight.decide_extension(ADMIN, slow, True)
    hd.oversight.request_extension(SECRETARY_A, slow, 2, "雨季施工困难")
    clock.now = datetime(2026, 3, 16, 17, 0, tzinfo=UTC)  # an hour past the extended due time: 督办
    hd.oversight.run_due()
    clock.now = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)  # still open two working days later: escalated
    hd.oversight.run_due()
    rows = _ledger(hd, tmp_path / "l.xlsx")
    assert rows[slow]["延期次数"] == 1
    assert rows[slow]["延期情况"] == (
        "未批准，延至 2026-03-12 24:00：材料没交齐，等补；"  # working days after the due day
        "已批准，延至 2026-03-16 24:00：等县交通局出方案；"
        "待审批，延至 2026-03-18 24:00：雨季施工困难"
    )
    assert rows[slow]["办理时限"] == datetime(2026, 3, 17, 0, 0)  # end of 03-16, local
    assert rows[slow]["督办次数"] == 2
    assert (rows[other]["延期次数"], rows[other]["延期情况"]) == (0, None)


def test_ledger_for_sharing_masks_every_free_text_column(
    hd: Helpdesk, world: World, clock: Clock, tmp_path: Path
) -> None:
    """Why: `--masked` left the 办结说明 unmasked (a phone number written in the result note)."""
    number = hd.intake.file_request(VILLAGER_1, world.a.id, "房子漏雨，电话13812345678").request.number
    hd.oversight.request_extension(SECRETARY_A, number, 3, "联系13700001111后再定")
    hd.oversight.decide_extension(ADMIN, number, True)
    hd.casework.start(SECRETARY_A, number)
    hd.casework.resolve(SECRETARY_A, number, "已修好，有问题打13987654321")
    row = _ledger(hd, tmp_path / "shared.xlsx", masked=True)[number]
    flat = " ".join(str(v) for v in row.values())
    for phone in ("13812345678", "13987654321", "13700001111"):
        assert phone not in flat
    assert row["办结说明"] == "已修好，有问题打139****4321"
    assert "137****1111" in row["延期情况"]
    full = _ledger(hd, tmp_path / "full.xlsx")[number]
    assert full["办结说明"] == "已修好，有问题打13987654321" and "13700001111" in full["延期情况"]
