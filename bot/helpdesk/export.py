"""Ledger export (台账): CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX.

Rows come from `Helpdesk.iter_requests`, so the same visibility and privacy rules apply as on
screen; `masked=True` additionally masks phones/IDs for a ledger that will be shared onwards.
Cell text that a spreadsheet would run as a formula (=, +, -, @) is neutralised: in CSV by a
leading apostrophe (OWASP advice), in XLSX by storing it explicitly as a string.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import texts
from bot.files import open_private
from bot.helpdesk.access import Actor
from bot.helpdesk.facade import Helpdesk
from bot.helpdesk.models import HelpRequest, RequestExtension
from bot.helpdesk.notify import local_time
from bot.helpdesk.present import extension_view
from bot.helpdesk.privacy import mask_phone, mask_text
from bot.helpdesk.views import ExtensionView, RequestFilter, RequestView

Format = Literal["csv", "xlsx"]
TIME_FORMAT = "%Y-%m-%d %H:%M"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | datetime | None


def _columns(tz: ZoneInfo) -> list[tuple[str, Callable[[RequestView], Value], int]]:
    """(Chinese header, value getter, column width) for every ledger column."""

    def t(value: datetime | None) -> datetime | None:
        # Local wall-clock time to the minute: what a 台账 reader expects.
        return value.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None) if value else None

    return [
        ("工单编号", lambda v: v.number, 14),
        ("受理时间", lambda v: t(v.created_at), 17),
        ("县（区）", lambda v: v.village.county, 10),
        ("乡镇", lambda v: v.village.township, 10),
        ("村", lambda v: v.village.name, 10),
        ("求助人", lambda v: v.requester_name, 10),
        ("联系电话", lambda v: v.phone or "", 14),
        ("住址/户号", lambda v: v.address, 18),
        ("类别", lambda v: v.category, 10),
        ("紧急程度", lambda v: v.urgency.label, 8),
        ("问题描述", lambda v: v.description, 50),
        ("状态", lambda v: v.status.label, 10),
        ("承办人", lambda v: v.assignee_name or "", 10),
        ("办理时限", lambda v: t(v.due_at), 17),
        ("是否超期", lambda v: "是" if v.overdue else "否", 8),
        ("办结时间", lambda v: t(v.resolved_at), 17),
        ("回访关闭时间", lambda v: t(v.closed_at), 17),
        ("满意度", lambda v: texts.HD_SATISFACTION_LABELS.get(v.satisfaction or "", ""), 14),
        ("回访说明", lambda v: v.follow_up_note or "", 30),
        ("重复工单", lambda v: v.duplicate_of or "", 14),
        ("最后更新", lambda v: t(v.updated_at), 17),
        ("办结说明", lambda v: v.resolution_note or "", 30),
        ("办理进展次数", lambda v: v.progress_count, 8),
        ("回访结果", lambda v: _follow_up(v), 16),
        ("重新办理次数", lambda v: v.reopen_count, 8),
        ("督办次数", lambda v: v.supervision_count, 8),
        ("照片数", lambda v: v.attachment_count, 8),
        ("延期次数", lambda v: sum(1 for x in v.extensions if x.state == "approved"), 8),
        ("延期情况", lambda v: _extensions(v, tz), 36),
    ]


def _extensions(view: RequestView, tz: ZoneInfo) -> str:
    """Every 延期 asked for, oldest first: its decision, the new due time and the reason."""
    return "；".join(
        texts.HD_LEDGER_EXTENSION.format(
            state=texts.HD_EXTENSION_STATE_LABELS.get(x.state, x.state),
            due=local_time(x.new_due_at, tz),
            reason=x.reason,
        )
        for x in view.extensions
    )


def _follow_up(view: RequestView) -> str:
    """回访结果: the rating given, or whether the 回访 is still waiting for an answer."""
    if view.rating is not None:
        return view.rating.label
    if view.follow_up_asked_at is not None:
        return texts.HD_LEDGER_FOLLOW_UP_WAITING
    return ""


def headers() -> list[str]:
    return [name for name, _, _ in _columns(ZoneInfo("UTC"))]


def _mask_view(view: RequestView) -> RequestView:
    if view.masked:
        return view
    return replace(
        view,
        description=mask_text(view.description),
        address=mask_text(view.address),
        phone=mask_phone(view.phone),
        follow_up_note=mask_text(view.follow_up_note) if view.follow_up_note else view.follow_up_note,
        resolution_note=mask_text(view.resolution_note) if view.resolution_note else view.resolution_note,
        extensions=tuple(replace(x, reason=mask_text(x.reason)) for x in view.extensions),
        masked=True,
    )


def ledger_rows(
    helpdesk: Helpdesk, actor: Actor, filters: RequestFilter | None = None, *, masked: bool = False
) -> Iterator[list[Value]]:
    """Data rows (no header) in filing order; datetimes are naive local time."""
    columns = _columns(helpdesk.config.tz)
    extensions: dict[str, tuple[ExtensionView, ...]] | None = None
    for view in helpdesk.queries.iter_requests(actor, filters):
        if extensions is None:  # after the first row: the actor's permission was checked
            extensions = _extensions_by_number(helpdesk)
        if view.number in extensions:
            view = replace(view, extensions=_visible(view, extensions[view.number]))
        shown = _mask_view(view) if masked else view
        yield [getter(shown) for _, getter, _ in columns]


def _extensions_by_number(helpdesk: Helpdesk) -> dict[str, tuple[ExtensionView, ...]]:
    """Every request's 延期 (a small table: one read for the whole ledger), oldest first."""
    found: dict[str, list[ExtensionView]] = {}
    with helpdesk.context.read() as session:
        rows = session.execute(
            select(HelpRequest.number, RequestExtension)
            .join(HelpRequest, HelpRequest.id == RequestExtension.request_id)
            .order_by(RequestExtension.id)
        )
        for number, row in rows:
            found.setdefault(number, []).append(extension_view(row))
    return {number: tuple(views) for number, views in found.items()}


def _visible(view: RequestView, extensions: tuple[ExtensionView, ...]) -> tuple[ExtensionView, ...]:
    """A 延期 reason is free text like a note: masked for a viewer who sees the request masked."""
    if not view.masked:
        return extensions
    return tuple(replace(x, reason=mask_text(x.reason)) for x in extensions)


def _csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, int):
        return str(value)
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def write_csv(rows: Iterable[list[Value]], out: BinaryIO) -> int:
    """UTF-8 with BOM and CRLF line ends: opens in Excel with Chinese intact."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, dialect="excel")
        writer.writerow(headers())
        count = 0
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            count += 1
        text.flush()
        return count
    finally:
        text.detach()  # leave `out` open for the caller


def write_xlsx(rows: Iterable[list[Value]], out: BinaryIO, *, title: str = "求助工单台账") -> int:
    """Streaming (write-only) workbook: memory stays flat for 100k-row ledgers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    columns = _columns(ZoneInfo("UTC"))
    for index, (_, _, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in headers():
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    count = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if len(value) > 30:
                    cell.alignment = wrap
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(out)
    return count


def export_ledger(
    helpdesk: Helpdesk,
    actor: Actor,
    destination: Path | str | BinaryIO,
    fmt: Format,
    filters: RequestFilter | None = None,
    *,
    masked: bool = False,
) -> int:
    """Write the ledger for `actor` (filters as in `list_requests`) and return the row count."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}")
    rows = ledger_rows(helpdesk, actor, filters, masked=masked)
    # Pull the first row now: permission and filter errors surface before any file is created.
    first = next(rows, None)
    rows = itertools.chain([first], rows) if first is not None else iter(())
    writer = write_csv if fmt == "csv" else write_xlsx
    if isinstance(destination, str | Path):
        path = Path(destination)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        try:
            with open_private(tmp, "wb") as handle:  # unmasked phones: owner-only
                count = writer(rows, handle)
            tmp.replace(path)  # a half-written ledger never appears under the final name
        finally:
            tmp.unlink(missing_ok=True)
        return count
    return writer(rows, destination)
