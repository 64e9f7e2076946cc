"""Operator commands: `python -m bot requests …` and `python -m bot admin …`.

`bot/__main__.py` (owned elsewhere) calls `register(subparsers)` and then runs
`sys.exit(args.func(args))`: every handler returns a process exit code. Helpdesk errors are
printed in Chinese on stderr with exit code 1; argparse usage errors exit with code 2.
The operator acts with admin rights (`OPERATOR`) unless `--as CHAT_ID` is given, which shows
exactly what that chat user would see (same visibility and masking rules as the bot).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TextIO

from bot.helpdesk.access import OPERATOR, Actor
from bot.helpdesk.config import HelpdeskConfig
from bot.helpdesk.errors import HelpdeskError
from bot.helpdesk.export import export_ledger
from bot.helpdesk.facade import Helpdesk
from bot.helpdesk.lifecycle import ROLE_LABELS, Status
from bot.helpdesk.notify import local_time
from bot.helpdesk.validate import parse_status
from bot.helpdesk.views import PersonView, RequestFilter, RequestView

Handler = Callable[[argparse.Namespace], int]


# ----------------------------------------------------------------------------- table output
def display_width(text: str) -> int:
    """Terminal columns: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table aligned by display width (Chinese-friendly)."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c + " " * (w - display_width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


# ----------------------------------------------------------------------------- argument types
def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期“{value}”格式不正确，应为 YYYY-MM-DD，例如 2026-05-01"
        ) from None


def _positive_int(value: str, not_a_number: str, not_positive: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(not_a_number) from None
    if number <= 0:
        raise argparse.ArgumentTypeError(not_positive)
    return number


def _chat_id(value: str) -> int:
    return _positive_int(
        value, f"用户编号“{value}”应为数字（Telegram 用户 ID）", f"用户编号“{value}”应为正整数"
    )


def _status(value: str) -> Status:
    try:
        return parse_status(value)
    except HelpdeskError as exc:
        raise argparse.ArgumentTypeError(exc.message_zh) from None


def _positive(value: str) -> int:
    return _positive_int(value, f"“{value}”应为正整数", f"“{value}”应为正整数")


# ----------------------------------------------------------------------------- plumbing
def _open(args: argparse.Namespace) -> Helpdesk:
    from bot.config import Settings

    settings = Settings()
    url = args.database_url or settings.resolved_database_url
    return Helpdesk.open(url, config=HelpdeskConfig.from_settings(settings), pool_size=2)


def _actor(args: argparse.Namespace) -> Actor:
    return args.as_user if getattr(args, "as_user", None) else OPERATOR


def _run(body: Callable[[Helpdesk, argparse.Namespace, TextIO], None]) -> Handler:
    """Wrap a command body: open the helpdesk, print Chinese errors, return an exit code."""

    def handler(args: argparse.Namespace) -> int:
        out: TextIO = getattr(args, "stdout", None) or sys.stdout
        err: TextIO = getattr(args, "stderr", None) or sys.stderr
        try:
            helpdesk = _open(args)
        except Exception as exc:  # bad URL, unreachable server, …: operator-facing
            print(f"错误：无法打开工单数据库（{type(exc).__name__}: {exc}）", file=err)
            return 1
        try:
            body(helpdesk, args, out)
            return 0
        except HelpdeskError as exc:
            print(f"错误：{exc.message_zh}", file=err)
            return 1
        finally:
            helpdesk.close()

    handler.__name__ = body.__name__
    handler.__doc__ = body.__doc__
    return handler


def _filters(args: argparse.Namespace) -> RequestFilter:
    return RequestFilter(
        village=args.village,
        statuses=tuple(args.status or ()),
        category=args.category,
        created_from=args.date_from,
        created_to=args.date_to,
        open_only=getattr(args, "open", False),
        overdue_only=getattr(args, "overdue", False),
        requester=getattr(args, "requester", None),
    )


def _when(helpdesk: Helpdesk, value: object) -> str:
    from datetime import datetime

    return local_time(value, helpdesk.config.tz) if isinstance(value, datetime) else ""


# ----------------------------------------------------------------------------- requests
def requests_list(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    """List requests (newest first; with --open/--overdue soonest due first)."""
    page = helpdesk.queries.list_requests(_actor(args), _filters(args), limit=args.limit, offset=args.offset)
    if not page.items:
        print("没有符合条件的工单。", file=out)
        return
    rows = [
        [
            v.number,
            _when(helpdesk, v.created_at),
            v.village.name,
            v.category,
            v.status.label + ("（超期）" if v.overdue else ""),
            v.assignee_name or "—",
            _when(helpdesk, v.due_at),
            clip(v.description, 30),
        ]
        for v in page.items
    ]
    print(
        format_table(["编号", "受理时间", "村", "类别", "状态", "承办人", "办理时限", "问题"], rows), file=out
    )
    more = "，还有更多（用 --offset 翻页）" if page.has_more else ""
    print(f"\n第 {page.offset + 1}–{page.offset + len(page.items)} 条{more}", file=out)


def requests_show(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    """One request with its policy hints and full history."""
    v: RequestView = helpdesk.queries.show(_actor(args), args.number)
    fields = [
        ("编号", v.number),
        ("状态", v.status.label + ("（已超期）" if v.overdue else "")),
        ("村", v.village.full_name),
        ("求助人", v.requester_name),
        ("联系电话", v.phone or "—"),
        ("住址/户号", v.address or "—"),
        ("类别", v.category + (f"（系统建议：{v.suggested_category}）" if v.suggested_category else "")),
        ("紧急程度", v.urgency.label),
        ("受理时间", _when(helpdesk, v.created_at)),
        ("办理时限", _when(helpdesk, v.due_at)),
        ("承办人", v.assignee_name or "—"),
        ("满意度", v.satisfaction or "—"),
        ("回访说明", v.follow_up_note or "—"),
        ("重复工单", v.duplicate_of or "—"),
    ]
    width = max(display_width(k) for k, _ in fields)
    for key, value in fields:
        print(f"{key}{' ' * (width - display_width(key))}  {value}", file=out)
    print(f"\n问题描述：\n{v.description}", file=out)
    if v.policy_hints:
        print("\n可能适用的政策：", file=out)
        for hint in v.policy_hints:
            section = f"（{hint.section}）" if hint.section else ""
            print(f"  · {hint.title}{section}  相关度 {hint.score:.2f}", file=out)
    print("\n办理记录：", file=out)
    rows = [
        [
            _when(helpdesk, e.at),
            e.actor,
            f"{e.old_status.label if e.old_status else '—'} → {e.new_status.label if e.new_status else '—'}",
            clip(e.note or "", 60),
        ]
        for e in v.events
    ]
    print(format_table(["时间", "操作人", "状态", "说明"], rows), file=out)


def requests_export(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    """Write the ledger (台账) as CSV or XLSX."""
    fmt = args.format or ("xlsx" if str(args.output).lower().endswith(".xlsx") else "csv")
    count = export_ledger(helpdesk, _actor(args), args.output, fmt, _filters(args), masked=args.masked)
    print(f"已导出 {count} 条工单到 {args.output}", file=out)


# ----------------------------------------------------------------------------- admin
def village_add(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    village = helpdesk.directory.add_village(OPERATOR, args.name, args.township or "", args.county or "")
    print(f"已登记村庄：{village.full_name}（编号 {village.id}）", file=out)


def village_list(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    villages = helpdesk.directory.list_villages()
    if not villages:
        print("还没有登记任何村庄。用 `admin village add 村名 --township 乡镇 --county 县` 添加。", file=out)
        return
    rows = [[str(v.id), v.name, v.township, v.county] for v in villages]
    print(format_table(["编号", "村", "乡镇", "县（区）"], rows), file=out)


def _print_people(people: Sequence[PersonView], out: TextIO) -> None:
    if not people:
        print("没有找到干部。", file=out)
        return
    rows = [
        [
            str(p.chat_user_id),
            p.display_name,
            ROLE_LABELS[p.role],
            "；".join(f"{post.village.name}·{post.post}" for post in p.posts) or "—",
        ]
        for p in people
    ]
    print(format_table(["用户编号", "姓名", "身份", "村·职务"], rows), file=out)


def cadre_add(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    person = helpdesk.directory.bind_cadre(
        OPERATOR, args.chat_user_id, args.village, args.post, display_name=args.name
    )
    _print_people([person], out)


def cadre_bind(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    person = helpdesk.directory.bind_cadre(OPERATOR, args.chat_user_id, args.village, args.post)
    _print_people([person], out)


def cadre_list(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    _print_people(helpdesk.directory.list_cadres(OPERATOR, args.village), out)


def person_add(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    _print_people([helpdesk.directory.add_person(OPERATOR, args.chat_user_id, args.name, args.role)], out)


def invite_create(helpdesk: Helpdesk, args: argparse.Namespace, out: TextIO) -> None:
    invite = helpdesk.directory.create_invite(
        OPERATOR, args.post, args.village, ttl=timedelta(days=args.days)
    )
    expires = local_time(invite.expires_at, helpdesk.config.tz)
    print(f"邀请码：{invite.code}", file=out)
    print(f"用途：{invite.village.full_name} {invite.post}（一次有效，{expires} 前使用）", file=out)


# ----------------------------------------------------------------------------- registration
def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL (default: DATABASE_URL or SQLite in DATA_DIR)"
    )


def _filter_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--village", help="村庄编号或村名")
    parser.add_argument(
        "--status", type=_status, action="append", help="状态（可重复），如 assigned 或 已派单"
    )
    parser.add_argument("--category", help="类别，如 医疗")
    parser.add_argument("--from", dest="date_from", type=_date, help="受理日期起（含），YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=_date, help="受理日期止（含），YYYY-MM-DD")
    parser.add_argument("--as", dest="as_user", type=_chat_id, help="以该用户的身份查看（默认：管理员）")
    parser.add_argument(
        "--requester", type=_chat_id, help="只看该用户提交的求助（Telegram 用户编号），如回复来电群众时"
    )


def _leaf(
    subparsers: argparse._SubParsersAction, name: str, body: Callable[..., None], help_text: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    _common(parser)
    parser.set_defaults(func=_run(body))
    return parser


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `requests` and `admin` command trees; each leaf sets `func(args) -> exit code`."""
    requests = subparsers.add_parser("requests", help="求助工单：列表、详情、导出台账")
    req_sub = requests.add_subparsers(dest="requests_command", metavar="{list,show,export}", required=True)

    p = _leaf(req_sub, "list", requests_list, "列出工单")
    _filter_args(p)
    p.add_argument("--open", action="store_true", help="只看未办结的工单（按时限排序）")
    p.add_argument("--overdue", action="store_true", help="只看已超期的工单")
    p.add_argument("--limit", type=_positive, default=50, help="每页条数（默认 50，最多 200）")
    p.add_argument("--offset", type=int, default=0, help="从第几条开始（翻页）")

    p = _leaf(req_sub, "show", requests_show, "查看一件工单的详情和办理记录")
    p.add_argument("number", help="工单编号，如 2026-000123")
    p.add_argument("--as", dest="as_user", type=_chat_id, help="以该用户的身份查看（默认：管理员）")

    p = _leaf(req_sub, "export", requests_export, "导出台账（CSV 或 XLSX）")
    _filter_args(p)
    p.add_argument("--format", choices=["csv", "xlsx"], help="默认按输出文件扩展名判断")
    p.add_argument("--output", "-o", required=True, help="输出文件路径")
    p.add_argument("--masked", action="store_true", help="隐藏电话和身份证号（对外报送时使用）")

    admin = subparsers.add_parser("admin", help="管理村庄、干部和用户")
    admin_sub = admin.add_subparsers(
        dest="admin_command", metavar="{village,cadre,person,invite}", required=True
    )

    village = admin_sub.add_parser("village", help="村庄")
    village_sub = village.add_subparsers(dest="village_command", metavar="{add,list}", required=True)
    p = _leaf(village_sub, "add", village_add, "登记村庄")
    p.add_argument("name", help="村名")
    p.add_argument("--township", help="乡镇")
    p.add_argument("--county", help="县（区）")
    _leaf(village_sub, "list", village_list, "列出村庄")

    cadre = admin_sub.add_parser("cadre", help="帮扶干部")
    cadre_sub = cadre.add_subparsers(dest="cadre_command", metavar="{add,bind,list}", required=True)
    p = _leaf(cadre_sub, "add", cadre_add, "登记干部并绑定到村")
    p.add_argument("chat_user_id", type=_chat_id, help="Telegram 用户 ID")
    p.add_argument("name", help="姓名")
    p.add_argument("--village", required=True, help="村庄编号或村名")
    p.add_argument("--post", required=True, help="职务，如 第一书记、驻村工作队员、村两委干部")
    p = _leaf(cadre_sub, "bind", cadre_bind, "把已登记的干部绑定到（另一个）村")
    p.add_argument("chat_user_id", type=_chat_id, help="Telegram 用户 ID")
    p.add_argument("--village", required=True, help="村庄编号或村名")
    p.add_argument("--post", required=True, help="职务")
    p = _leaf(cadre_sub, "list", cadre_list, "列出干部")
    p.add_argument("--village", help="只看该村")

    person = admin_sub.add_parser("person", help="用户（管理员、村民）")
    person_sub = person.add_subparsers(dest="person_command", metavar="{add}", required=True)
    p = _leaf(person_sub, "add", person_add, "登记用户或修改身份")
    p.add_argument("chat_user_id", type=_chat_id, help="Telegram 用户 ID")
    p.add_argument("name", help="姓名")
    p.add_argument("--role", required=True, help="身份：admin（管理员）、villager（村民）或 cadre（干部）")

    invite = admin_sub.add_parser("invite", help="干部邀请码")
    invite_sub = invite.add_subparsers(dest="invite_command", metavar="{create}", required=True)
    p = _leaf(invite_sub, "create", invite_create, "生成一次性邀请码")
    p.add_argument("--village", required=True, help="村庄编号或村名")
    p.add_argument("--post", required=True, help="职务")
    p.add_argument("--days", type=_positive, default=7, help="有效天数（默认 7）")


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (`python -m bot.helpdesk.cli …`), same commands as `python -m bot`."""
    parser = argparse.ArgumentParser(prog="helpdesk", description="求助工单管理")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
