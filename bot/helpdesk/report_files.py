"""The monthly report as files an admin can forward: an XLSX workbook with the chart embedded,
and the chart alone as a PNG (sent as a photo in the chat).

Figures come from `bot.helpdesk.report.MonthlyReport`; this module only lays them out. The
chart is drawn with matplotlib's object API (`Figure`, Agg canvas): no pyplot, so no global
state and no GUI backend, which matters in the bot's worker threads. Chinese needs a CJK font:
scripts/install.sh installs fonts-noto-cjk and the Docker image fonts-wqy-microhei; without
one the chart is still drawn (with boxes for the words) and a warning is logged.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot import texts
from bot.helpdesk.report import MonthlyReport, Tally

log = logging.getLogger(__name__)

# Fonts that cover simplified Chinese, best first (Debian: fonts-noto-cjk, fonts-wqy-microhei,
# fonts-wqy-zenhei; Windows and macOS names last for a developer's laptop).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
TIME_FORMAT = "%Y-%m-%d %H:%M"
PERCENT = "0.0%"
CHART_DPI = 100
# Villages drawn at most (the busiest; every village is in the 按村 sheet): keeps the picture within
# what Telegram accepts for a photo (width + height ≤ 10000 px) and readable on a phone.
MAX_CHART_VILLAGES = 25
BOLD = Font(bold=True)


@functools.cache
def cjk_font() -> str | None:
    """The first installed font of CJK_FONTS, as matplotlib knows it (None: none installed)."""
    from matplotlib import font_manager  # deferred: matplotlib is heavy and only reports need it

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:
        log.warning("no CJK font found for the report chart (install fonts-noto-cjk); Chinese shows as boxes")
    return found


def _rate(value: float | None) -> str:
    return texts.HD_REPORT_NO_RATE if value is None else f"{value:.0%}"


def render_chart(report: MonthlyReport) -> bytes:
    """The month at a glance as a PNG: per village 受理/办结/超期, per category 受理, the two rates."""
    # Deferred: importing matplotlib costs about half a second, which every bot start would pay.
    import matplotlib
    from matplotlib.figure import Figure

    font = cjk_font()
    rc = {"font.family": [font, "sans-serif"] if font else ["sans-serif"], "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):
        villages = [line for line in report.by_village if line.tally.filed]
        village_title = texts.HD_REPORT_CHART_VILLAGES
        if len(villages) > MAX_CHART_VILLAGES:  # a county's 200 villages: the busiest, all in the workbook
            villages = sorted(villages, key=lambda line: -line.tally.filed)[:MAX_CHART_VILLAGES]
            village_title = texts.HD_REPORT_CHART_TOP_VILLAGES.format(count=MAX_CHART_VILLAGES)
        categories = [line for line in report.by_category if line.tally.filed]
        height = max(4.0, 1.2 + 0.45 * max(len(villages), len(categories), 1))
        figure = Figure(figsize=(11, height), dpi=CHART_DPI, layout="constrained")
        title = texts.HD_REPORT_TITLE.format(month=report.month.label_zh)
        rates = texts.HD_REPORT_CHART_RATES.format(
            on_time=_rate(report.total.on_time_rate), satisfaction=_rate(report.satisfaction.rate)
        )
        figure.suptitle(f"{title}\n{rates}", fontsize=13)
        left, right = figure.subplots(1, 2, width_ratios=(3, 2))
        _village_bars(
            left, village_title, [v.village.display_name for v in villages], [v.tally for v in villages]
        )
        _category_bars(right, [c.category for c in categories], [c.tally.filed for c in categories])
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _village_bars(axes, title: str, names: Sequence[str], tallies: Sequence[Tally]) -> None:  # type: ignore[no-untyped-def]
    axes.set_title(title)
    if not names:
        axes.text(0.5, 0.5, texts.HD_REPORT_CHART_EMPTY, ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    series = [[t.filed for t in tallies], [t.resolved for t in tallies], [t.overdue for t in tallies]]
    colours = ("#4C72B0", "#55A868", "#C44E52")
    bar = 0.26
    positions = range(len(names))
    for index, (label, values, colour) in enumerate(
        zip(texts.HD_REPORT_CHART_SERIES, series, colours, strict=True)
    ):
        offsets = [p + (index - 1) * bar for p in positions]
        bars = axes.barh(offsets, values, height=bar, label=label, color=colour)
        axes.bar_label(bars, labels=[str(v) if v else "" for v in values], padding=2, fontsize=8)
    axes.set_yticks(list(positions), list(names))
    axes.invert_yaxis()  # the first village on top, as in the table
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=3, frameon=False)


def _category_bars(axes, names: Sequence[str], counts: Sequence[int]) -> None:  # type: ignore[no-untyped-def]
    axes.set_title(texts.HD_REPORT_CHART_CATEGORIES)
    if not names:
        axes.text(0.5, 0.5, texts.HD_REPORT_CHART_EMPTY, ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    bars = axes.barh(list(range(len(names))), counts, color="#4C72B0")
    axes.bar_label(bars, padding=2, fontsize=8)
    axes.set_yticks(list(range(len(names))), list(names))
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)


# ----------------------------------------------------------------------------- workbook
def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Naive local time to the minute (a spreadsheet has no time zones)."""
    return value.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None) if value else None


def _header(sheet: Worksheet, names: Sequence[str], widths: Sequence[int]) -> None:
    sheet.append(list(names))
    for index, (cell, width) in enumerate(zip(sheet[1], widths, strict=True), start=1):
        cell.font = BOLD
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _tally_cells(tally: Tally) -> list[object]:
    return [
        tally.filed,
        tally.resolved,
        tally.open,
        tally.on_time,
        tally.on_time_rate if tally.on_time_rate is not None else texts.HD_REPORT_NO_RATE,
        tally.overdue,
    ]


def _format_rates(sheet: Worksheet, column: int) -> None:
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        if isinstance(cell.value, float):
            cell.number_format = PERCENT


def write_report_xlsx(
    report: MonthlyReport, out: BinaryIO, tz: ZoneInfo, chart_png: bytes | None = None
) -> None:
    """The workbook: 概况 (summary and chart), 按村, 按类别, 按状态, 超期清单."""
    sheets = texts.HD_REPORT_SHEETS
    labels = texts.HD_REPORT_SUMMARY
    workbook = Workbook()
    summary = workbook.active
    summary.title = sheets["summary"]
    summary.column_dimensions["A"].width = 26
    summary.column_dimensions["B"].width = 48
    title = texts.HD_REPORT_TITLE.format(month=report.month.label_zh)
    summary.append([title])
    summary["A1"].font = Font(bold=True, size=14)
    last_day = report.end.astimezone(tz).date() - timedelta(days=1)
    rows: list[tuple[str, object]] = [
        (labels["month"], report.month.label_zh),
        (
            labels["scope"],
            labels["scope_value"].format(
                start=report.month.first_day.isoformat(), end=last_day.isoformat(), tz=tz.key
            ),
        ),
        (
            labels["as_of"],
            labels["as_of_value"].format(now=report.generated_at.astimezone(tz).strftime(TIME_FORMAT)),
        ),
    ]
    if not report.complete:
        rows.append((labels["partial"], ""))
    t, s = report.total, report.satisfaction
    rows += [
        (labels["filed"], t.filed),
        (labels["resolved"], t.resolved),
        (labels["open"], t.open),
        (labels["on_time"], t.on_time),
        (labels["on_time_rate"], t.on_time_rate if t.on_time_rate is not None else texts.HD_REPORT_NO_RATE),
        (labels["overdue"], t.overdue),
        (labels["urgent"], report.urgent),
        (labels["rated"], s.rated),
        (labels["satisfied"], s.satisfied),
        (labels["basic"], s.basic),
        (labels["unsatisfied"], s.unsatisfied),
        (labels["satisfaction_rate"], s.rate if s.rate is not None else texts.HD_REPORT_NO_RATE),
        (labels["supervised"], report.supervised),
        (labels["supervisions"], report.supervisions),
        (labels["reopened"], report.reopened),
        (labels["extended"], report.extended),
    ]
    for label, value in rows:
        summary.append([label, value])
        summary.cell(summary.max_row, 1).font = BOLD
        cell = summary.cell(summary.max_row, 2)
        cell.alignment = Alignment(horizontal="left")
        if isinstance(value, float):
            cell.number_format = PERCENT
    if chart_png:
        image = Image(io.BytesIO(chart_png))
        summary.add_image(image, f"A{summary.max_row + 2}")

    tally_headers = texts.HD_REPORT_TALLY_HEADERS
    village = workbook.create_sheet(sheets["village"])
    _header(village, [*texts.HD_REPORT_VILLAGE_HEADERS, *tally_headers], [14, 14, 8, 8, 8, 10, 12, 8])
    for line in report.by_village:
        village.append([line.village.township, line.village.name, *_tally_cells(line.tally)])
    village.append(["", "", *_tally_cells(report.total)])  # 合计
    village.cell(village.max_row, 1).value = texts.HD_REPORT_TOTAL
    _format_rates(village, 7)

    category = workbook.create_sheet(sheets["category"])
    _header(category, [texts.HD_REPORT_CATEGORY_HEADER, *tally_headers], [12, 8, 8, 8, 10, 12, 8])
    for cline in report.by_category:
        category.append([cline.category, *_tally_cells(cline.tally)])
    category.append([texts.HD_REPORT_TOTAL, *_tally_cells(report.total)])
    _format_rates(category, 6)

    status = workbook.create_sheet(sheets["status"])
    _header(status, texts.HD_REPORT_STATUS_HEADERS, [14, 8, 8])
    for value, count in report.by_status:
        share = count / t.filed if t.filed else texts.HD_REPORT_NO_RATE
        status.append([value.label, count, share])
    status.append([texts.HD_REPORT_TOTAL, t.filed, ""])
    _format_rates(status, 3)

    overdue = workbook.create_sheet(sheets["overdue"])
    _header(overdue, texts.HD_REPORT_OVERDUE_HEADERS, [14, 12, 12, 10, 12, 10, 17, 17, 10])
    for o in report.overdue:
        overdue.append(
            [
                o.number,
                o.village.township,
                o.village.name,
                o.category,
                o.status.label,
                o.assignee or "",
                _local(o.due_at, tz),
                _local(o.resolved_at, tz),
                o.days_late,
            ]
        )
    for row in overdue.iter_rows(min_row=2, min_col=7, max_col=8):
        for cell in row:
            cell.number_format = "yyyy-mm-dd hh:mm"
    if not report.overdue:
        overdue.append([texts.HD_REPORT_NONE])
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # village names and categories are data, never formulas
    workbook.save(out)


def report_files(report: MonthlyReport, tz: ZoneInfo) -> tuple[bytes, bytes]:
    """(XLSX bytes with the chart embedded, the chart as PNG bytes)."""
    chart = render_chart(report)
    buffer = io.BytesIO()
    write_report_xlsx(report, buffer, tz, chart)
    return buffer.getvalue(), chart
