"""`python -m bot requests list | show | export | report`: help requests for operators.

Output is English; request contents (villages, categories, descriptions, names, notes) are data
and stay as entered. See `bot/cli/desk.py` for error handling and `--as`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from bot.cli.desk import Desk, actor, chat_id, filters, iso_date, leaf, positive, status
from bot.cli.table import clip, format_fields, format_table
from bot.helpdesk import OPERATOR, HelpdeskError, RequestView, export_ledger
from bot.helpdesk.report import Month, monthly_report
from bot.helpdesk.report_files import report_files


def requests_list(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    """List requests (newest first; with --open/--overdue soonest due first)."""
    page = desk.helpdesk.queries.list_requests(actor(args), filters(args), limit=args.limit, offset=args.offset)
    if not page.items:
        print("No matching requests.", file=out)
        return
    rows = [
        [
            v.number,
            desk.when(v.created_at),
            v.village.display_name,
            v.category,
            v.status.value + (" (overdue)" if v.overdue else ""),
            v.assignee_name or "—",
            desk.when(v.due_at),
            clip(v.description, 30),
        ]
        for v in page.items
    ]
    headers = ["Number", "Filed", "Village", "Category", "Status", "Assignee", "Due", "Problem"]
    print(format_table(headers, rows), file=out)
    more = "; more with --offset" if page.has_more else ""
    print(f"\nrows {page.offset + 1}-{page.offset + len(page.items)}{more}", file=out)


def requests_show(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    """One request with its policy hints and full history."""
    v: RequestView = desk.helpdesk.queries.show(actor(args), args.number)
    fields = [
        ("Number", v.number),
        ("Status", v.status.value + (" (overdue)" if v.overdue else "")),
        ("Village", v.village.full_name),
        ("Requester", v.requester_name),
        ("Phone", v.phone or "—"),
        ("Address", v.address or "—"),
        ("Category", v.category + (f" (suggested: {v.suggested_category})" if v.suggested_category else "")),
        ("Urgency", v.urgency.value),
        ("Filed", desk.when(v.created_at)),
        ("Due", desk.when(v.due_at)),
        ("Assignee", v.assignee_name or "—"),
        ("Satisfaction", v.satisfaction or "—"),
        ("Follow-up note", v.follow_up_note or "—"),
        ("Duplicate of", v.duplicate_of or "—"),
        ("Supervision", f"{v.supervision_count} (督办: reminders and escalations)"),
    ]
    print(format_fields(fields), file=out)
    print(f"\nProblem:\n{v.description}", file=out)
    if v.extensions:
        print("\nExtensions (延期):", file=out)
        for x in v.extensions:
            decided = f", {x.state} by {x.decided_by} {desk.when(x.decided_at)}" if x.decided_by else ", pending"
            print(
                f"  · {desk.when(x.old_due_at)} -> {desk.when(x.new_due_at)}, asked by {x.requested_by}"
                f"{decided}: {x.reason}",
                file=out,
            )
    if v.policy_hints:
        print("\nPolicies that may apply:", file=out)
        for hint in v.policy_hints:
            section = f" ({hint.section})" if hint.section else ""
            print(f"  · {hint.title}{section}  score {hint.score:.2f}", file=out)
    print("\nHistory:", file=out)
    rows = [
        [
            desk.when(e.at),
            e.actor,
            f"{e.old_status.value if e.old_status else '—'} → {e.new_status.value if e.new_status else '—'}",
            clip(e.note or "", 60),
        ]
        for e in v.events
    ]
    print(format_table(["Time", "By", "Status", "Note"], rows), file=out)


def requests_export(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    """Write the ledger (台账) as CSV or XLSX."""
    fmt = args.format or ("xlsx" if str(args.output).lower().endswith(".xlsx") else "csv")
    count = export_ledger(desk.helpdesk, actor(args), args.output, fmt, filters(args), masked=args.masked)
    print(f"exported {count} request{'s' if count != 1 else ''} to {args.output}", file=out)


def month_arg(value: str) -> Month:
    """A calendar month: 2026-11 (or 2026年11月)."""
    try:
        return Month.parse(value)
    except HelpdeskError:
        raise argparse.ArgumentTypeError(f"invalid month {value!r}: expected YYYY-MM, e.g. 2026-11") from None


def requests_report(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    """Write the monthly report (XLSX with the chart embedded) for one month of filed requests."""
    report = monthly_report(desk.helpdesk, OPERATOR, args.month)
    path = Path(args.out or f"report-{report.month.label}.xlsx")
    workbook, chart = report_files(report, desk.tz)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(workbook)
    tmp.replace(path)  # never a half-written report under the final name
    if args.chart:
        Path(args.chart).write_bytes(chart)
    t, s = report.total, report.satisfaction
    on_time = f"{t.on_time_rate:.0%}" if t.on_time_rate is not None else "n/a"
    rating = f"{s.rate:.0%}" if s.rate is not None else "n/a"
    print(
        f"{report.month.label}: {t.filed} filed, {t.resolved} resolved ({on_time} on time), "
        f"{t.overdue} overdue, {s.rated} rated ({rating} satisfied)"
        + ("" if report.complete else " — month not over yet"),
        file=out,
    )
    print(f"report written to {path}", file=out)


def _as_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="as_user", type=chat_id, metavar="CHAT_ID",
        help="see what this Telegram user would see (default: an administrator)",
    )


def _filter_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--village", help="village id or name")
    parser.add_argument(
        "--status", type=status, action="append", help="status (repeatable), e.g. assigned or 已派单"
    )
    parser.add_argument("--category", help="category, e.g. 医疗")
    parser.add_argument("--from", dest="date_from", type=iso_date, help="filed on or after, YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=iso_date, help="filed on or before, YYYY-MM-DD")
    _as_user(parser)
    parser.add_argument(
        "--requester", type=chat_id, metavar="CHAT_ID",
        help="only requests filed by this Telegram user (e.g. when calling a villager back)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    requests = subparsers.add_parser("requests", help="help requests: list, show, export the ledger, monthly report")
    req_sub = requests.add_subparsers(dest="requests_command", metavar="{list,show,export,report}", required=True)

    p = leaf(req_sub, "list", requests_list, "list requests")
    _filter_args(p)
    p.add_argument("--open", action="store_true", help="only requests still open (soonest due first)")
    p.add_argument("--overdue", action="store_true", help="only overdue requests")
    p.add_argument("--limit", type=positive, default=50, help="rows per page (default 50, at most 200)")
    p.add_argument("--offset", type=int, default=0, help="first row to show (paging)")

    p = leaf(req_sub, "show", requests_show, "show one request with its history")
    p.add_argument("number", help="request number, e.g. 2026-000123")
    _as_user(p)

    p = leaf(req_sub, "export", requests_export, "export the ledger (CSV or XLSX)")
    _filter_args(p)
    p.add_argument("--format", choices=["csv", "xlsx"], help="default: from the output file's extension")
    p.add_argument("--output", "-o", required=True, help="file to write")
    p.add_argument("--masked", action="store_true", help="hide phone and ID numbers (for reports sent out)")

    p = leaf(req_sub, "report", requests_report, "monthly report (XLSX with a chart)")
    p.add_argument(
        "--month", type=month_arg, help="month of filing, YYYY-MM (default: the last complete month)"
    )
    p.add_argument("--out", "-o", help="file to write (default: report-YYYY-MM.xlsx)")
    p.add_argument("--chart", help="also write the chart as a PNG to this file")
